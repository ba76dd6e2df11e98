/**
 * Anchors: each tenant's chain head (last seq and hash) at a moment, signed with a key that is
 * never in the database (AUDIT_ANCHOR_KEY), written to the log stream and appended to a file an
 * auditor collects. The database's owner can disable the append-only trigger, rewrite a row and
 * re-hash the chain after it so that the chain alone verifies; an anchor recorded before still
 * names the old hash at its seq, and it cannot be rewritten to match without the key.
 *
 * A line of the file (JSON, one per tenant and moment):
 *   {"type":"audit_anchor","tenantId":"…","seq":42,"hash":"…","at":"2026-12-03T00:00:00.000Z","sig":"…"}
 * sig = HMAC-SHA256(key, canonical JSON of {at, hash, seq, tenantId}), hex.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { canonicalJson } from './write';

export interface AnchorSettings {
  /** HMAC key (AUDIT_ANCHOR_KEY); unset: no anchors are written, and verification says so. */
  key: string | undefined;
  /** AUDIT_ANCHOR_FILE, or DATA_DIR/audit-anchors.jsonl. */
  file: string;
}

export interface SignedAnchor {
  type: 'audit_anchor';
  tenantId: string;
  seq: number;
  hash: string;
  /** When the head was read, from the app's clock. */
  at: string;
  sig: string;
}

const ANCHOR_FILE_NAME = 'audit-anchors.jsonl';

export function anchorSettingsOf(config: {
  AUDIT_ANCHOR_KEY?: string | undefined;
  AUDIT_ANCHOR_FILE?: string | undefined;
  DATA_DIR: string;
}): AnchorSettings {
  return { key: config.AUDIT_ANCHOR_KEY, file: config.AUDIT_ANCHOR_FILE ?? path.join(config.DATA_DIR, ANCHOR_FILE_NAME) };
}

function signature(key: string, a: Pick<SignedAnchor, 'tenantId' | 'seq' | 'hash' | 'at'>): string {
  return createHmac('sha256', key)
    .update(canonicalJson({ at: a.at, hash: a.hash, seq: a.seq, tenantId: a.tenantId }))
    .digest('hex');
}

/** Every tenant's chain head, one index probe each (unique (tenant_id, seq)). */
async function chainHeads(db: DbOrTx): Promise<{ tenantId: string; seq: number; hash: string }[]> {
  const rows = await db.execute<{ tenant_id: string; seq: number; hash: string }>(sql`
    select t.id as tenant_id, h.seq, h.hash from tenants t
    cross join lateral (select seq, hash from audit_log a where a.tenant_id = t.id order by seq desc limit 1) h
    order by t.id`);
  return rows.map((r) => ({ tenantId: r.tenant_id, seq: Number(r.seq), hash: r.hash }));
}

/**
 * Reads every tenant's head, signs it and appends the lines to the file (created with its folder
 * when missing). Returns the anchors, for the caller to log.
 */
export async function writeAnchors(db: DbOrTx, settings: AnchorSettings & { key: string }, now: Date): Promise<SignedAnchor[]> {
  const at = now.toISOString();
  const anchors = (await chainHeads(db)).map(
    (h): SignedAnchor => ({ type: 'audit_anchor', ...h, at, sig: signature(settings.key, { ...h, at }) }),
  );
  if (anchors.length === 0) return anchors;
  fs.mkdirSync(path.dirname(path.resolve(settings.file)), { recursive: true });
  // One write of whole lines in append mode: lines of two instances sharing a file do not interleave.
  fs.appendFileSync(settings.file, anchors.map((a) => `${JSON.stringify(a)}\n`).join(''), { mode: 0o640 });
  return anchors;
}

export interface ReadAnchors {
  anchors: { tenantId: string; seq: number; hash: string }[];
  /** Lines that are not anchors or whose signature does not verify (line numbers from 1). */
  bad: { line: number; reason: string }[];
}

/**
 * The anchors of a file: signed lines (checked against `key`), or the unsigned JSON array that
 * `audit:verify --write-anchors` wrote before anchors were signed. Anchor lines found in a log
 * stream (pino's JSON lines with an `anchor` field) are accepted as they are.
 */
export function readAnchors(text: string, key: string | undefined): ReadAnchors {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    const list = JSON.parse(trimmed) as { tenantId: string; seq: number; hash: string }[];
    return { anchors: list.map((a) => ({ tenantId: a.tenantId, seq: a.seq, hash: a.hash })), bad: [] };
  }
  const anchors: ReadAnchors['anchors'] = [];
  const bad: ReadAnchors['bad'] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      bad.push({ line: i + 1, reason: 'not JSON' });
      return;
    }
    const obj = parsed as Record<string, unknown>;
    const a = (obj.type === 'audit_anchor' ? obj : obj.anchor) as Partial<SignedAnchor> | undefined;
    if (
      !a ||
      typeof a.tenantId !== 'string' ||
      typeof a.seq !== 'number' ||
      typeof a.hash !== 'string' ||
      typeof a.at !== 'string' ||
      typeof a.sig !== 'string'
    ) {
      if (obj.anchor !== undefined || obj.type === 'audit_anchor') bad.push({ line: i + 1, reason: 'incomplete anchor' });
      return;
    }
    if (!key) {
      bad.push({ line: i + 1, reason: 'AUDIT_ANCHOR_KEY is not set, so the signature cannot be checked' });
      return;
    }
    const want = Buffer.from(signature(key, { tenantId: a.tenantId, seq: a.seq, hash: a.hash, at: a.at }), 'hex');
    const got = Buffer.from(a.sig, 'hex');
    if (got.length !== want.length || !timingSafeEqual(got, want)) {
      bad.push({ line: i + 1, reason: 'signature does not match (altered, or signed with another key)' });
      return;
    }
    anchors.push({ tenantId: a.tenantId, seq: a.seq, hash: a.hash });
  });
  return { anchors, bad };
}
