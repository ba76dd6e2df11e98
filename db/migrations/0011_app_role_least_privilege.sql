-- The bot runs as a login member of soudan_app; migrations run as the owner (docs/operations.md,
-- "Two roles"). What soudan_app may not do it cannot do, whatever the code asks:
-- - no DDL (it owns nothing and has no CREATE on a schema; PostgreSQL 15+ gives PUBLIC none on public);
-- - no UPDATE, DELETE or TRUNCATE on audit_log and record_versions;
-- - no direct INSERT into audit_log: rows are appended only through audit_append() and
--   audit_append_batch(), SECURITY DEFINER functions that take the tenant's lock, read the chain's
--   head and compute the hash themselves, so the app cannot write a row with a hash of its choosing;
-- - record_versions lose rows only through purge_record_versions(), which removes nothing but the
--   versions of what the retention purge has already erased.
-- Role membership and CREATE ROLE are not done here: migration 0003 creates soudan_app when the owner
-- may, and db/migrate.ts skips that statement when the role already exists (an owner without CREATEROLE).
ALTER FUNCTION audit_append(uuid, timestamptz, uuid, text, text, text, text, jsonb, text, text)
  SECURITY DEFINER SET search_path = public, pg_temp;
--> statement-breakpoint
-- Many rows of one tenant in one call (a town's morning digests): the same chain as that many
-- audit_append() calls, each row's canonical JSON sent in two parts around its seq.
CREATE OR REPLACE FUNCTION audit_append_batch(
  p_tenant_id uuid, p_at timestamptz, p_actor_staff_ids uuid[], p_platforms text[], p_actions text[],
  p_resource_types text[], p_resource_ids text[], p_details jsonb[], p_json_heads text[], p_json_tails text[]
) RETURNS integer AS $$
DECLARE
  last_seq integer;
  last_hash text;
  new_hash text;
  n integer := coalesce(array_length(p_actions, 1), 0);
BEGIN
  IF n = 0 THEN
    RETURN 0;
  END IF;
  IF array_length(p_json_heads, 1) IS DISTINCT FROM n OR array_length(p_json_tails, 1) IS DISTINCT FROM n
     OR array_length(p_actor_staff_ids, 1) IS DISTINCT FROM n OR array_length(p_platforms, 1) IS DISTINCT FROM n
     OR array_length(p_resource_types, 1) IS DISTINCT FROM n OR array_length(p_resource_ids, 1) IS DISTINCT FROM n
     OR array_length(p_details, 1) IS DISTINCT FROM n THEN
    RAISE EXCEPTION 'audit_append_batch: arrays of different lengths';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('audit:' || p_tenant_id::text, 0));
  SELECT seq, hash INTO last_seq, last_hash FROM audit_log
    WHERE tenant_id = p_tenant_id ORDER BY seq DESC LIMIT 1;
  last_seq := coalesce(last_seq, 0);
  last_hash := coalesce(last_hash, repeat('0', 64));
  FOR i IN 1 .. n LOOP
    last_seq := last_seq + 1;
    new_hash := encode(sha256(convert_to(last_hash || E'\n' || p_json_heads[i] || last_seq::text || p_json_tails[i], 'UTF8')), 'hex');
    INSERT INTO audit_log (tenant_id, seq, at, actor_staff_id, platform, action, resource_type, resource_id, detail, prev_hash, hash)
      VALUES (p_tenant_id, last_seq, p_at, p_actor_staff_ids[i], p_platforms[i], p_actions[i], p_resource_types[i],
        p_resource_ids[i], p_details[i], last_hash, new_hash);
    last_hash := new_hash;
  END LOOP;
  RETURN last_seq;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp;
--> statement-breakpoint
-- The retention purge's removal of earlier versions: only versions of a person the purge has marked,
-- of that person's plans, or of a consultation whose text it has erased (the markers are those of
-- src/core/retention/purge.ts). Returns how many were removed.
CREATE OR REPLACE FUNCTION purge_record_versions(p_tenant_id uuid) RETURNS integer AS $$
DECLARE
  removed integer;
BEGIN
  DELETE FROM record_versions rv
  WHERE rv.tenant_id = p_tenant_id
    AND (rv.resource_id IN (SELECT id FROM persons WHERE tenant_id = p_tenant_id AND deleted_reason = '保存期間経過')
      OR rv.resource_id IN (SELECT sp.id FROM service_plans sp JOIN persons p ON p.id = sp.person_id
                            WHERE p.tenant_id = p_tenant_id AND p.deleted_reason = '保存期間経過')
      OR rv.resource_id IN (SELECT id FROM consultations WHERE tenant_id = p_tenant_id AND summary = '（保存期間経過により消去）'));
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp;
--> statement-breakpoint
REVOKE ALL ON FUNCTION audit_append(uuid, timestamptz, uuid, text, text, text, text, jsonb, text, text) FROM PUBLIC;
--> statement-breakpoint
REVOKE ALL ON FUNCTION audit_append_batch(uuid, timestamptz, uuid[], text[], text[], text[], text[], jsonb[], text[], text[]) FROM PUBLIC;
--> statement-breakpoint
REVOKE ALL ON FUNCTION purge_record_versions(uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION audit_append(uuid, timestamptz, uuid, text, text, text, text, jsonb, text, text) TO soudan_app;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION audit_append_batch(uuid, timestamptz, uuid[], text[], text[], text[], text[], jsonb[], text[], text[]) TO soudan_app;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION purge_record_versions(uuid) TO soudan_app;
--> statement-breakpoint
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_log FROM soudan_app;
--> statement-breakpoint
REVOKE UPDATE, DELETE, TRUNCATE ON record_versions FROM soudan_app;
--> statement-breakpoint
REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM soudan_app;
--> statement-breakpoint
-- /readyz compares the applied migrations with the build's (src/http/probes.ts).
GRANT USAGE ON SCHEMA drizzle TO soudan_app;
--> statement-breakpoint
GRANT SELECT ON drizzle.__drizzle_migrations TO soudan_app;
--> statement-breakpoint
-- The job library's schema: installed and upgraded by the owner's migrate step (db/migrate.ts), used
-- by the scheduler as soudan_app (rows only). Its tables, made later by the same owner, get the same rights.
CREATE SCHEMA IF NOT EXISTS pgboss;
--> statement-breakpoint
GRANT USAGE ON SCHEMA pgboss TO soudan_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA pgboss TO soudan_app;
--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA pgboss TO soudan_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA pgboss GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO soudan_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA pgboss GRANT USAGE, SELECT ON SEQUENCES TO soudan_app;
