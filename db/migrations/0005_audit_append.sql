-- One round trip per audit row: the per-tenant lock, the read of the chain's head and the insert
-- in one call. The hash is the one src/core/audit/write.ts#chainHash computes: sha256 of
-- prev_hash, a newline and the row's canonical JSON. The caller sends that JSON in two parts,
-- before and after the value of "seq" (the only field the database decides), so the bytes hashed
-- are exactly those JavaScript would hash, and verification stays in one place (verify.ts).
-- VOLATILE (the default): each statement takes a fresh snapshot, so the head is read after the
-- lock is held, never before.
CREATE OR REPLACE FUNCTION audit_append(
  p_tenant_id uuid, p_at timestamptz, p_actor_staff_id uuid, p_platform text, p_action text,
  p_resource_type text, p_resource_id text, p_detail jsonb, p_json_head text, p_json_tail text
) RETURNS integer AS $$
DECLARE
  last_seq integer;
  last_hash text;
  new_seq integer;
  new_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('audit:' || p_tenant_id::text, 0));
  SELECT seq, hash INTO last_seq, last_hash FROM audit_log
    WHERE tenant_id = p_tenant_id ORDER BY seq DESC LIMIT 1;
  new_seq := coalesce(last_seq, 0) + 1;
  last_hash := coalesce(last_hash, repeat('0', 64));
  new_hash := encode(sha256(convert_to(last_hash || E'\n' || p_json_head || new_seq::text || p_json_tail, 'UTF8')), 'hex');
  INSERT INTO audit_log (tenant_id, seq, at, actor_staff_id, platform, action, resource_type, resource_id, detail, prev_hash, hash)
    VALUES (p_tenant_id, new_seq, p_at, p_actor_staff_id, p_platform, p_action, p_resource_type, p_resource_id, p_detail, last_hash, new_hash);
  RETURN new_seq;
END;
$$ LANGUAGE plpgsql;
