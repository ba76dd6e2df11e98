/**
 * One thread per 二次相談 / 地域課題 in a Slack DM: the first notice about it starts the thread, and
 * every later one (受付, 助言, 終結, 「うちでも同じ」 …) is posted as a reply to it (`thread_ts`), so
 * a counselor reads one conversation per case instead of a stream of loose messages. The thread
 * is recognised by the delivery's idempotency key (`niji:<id>:…`, `kadai:<id>:…`) and its root
 * is the earliest notice of that thread already sent to the same conversation (deliveries keep
 * the message as `<channel>:<ts>`).
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';

/** The thread a delivery belongs to: `niji:<uuid>` or `kadai:<uuid>`, else null. */
export function threadKeyOf(idempotencyKey: string): string | null {
  const m = /^(niji|kadai):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):/i.exec(idempotencyKey);
  return m ? `${m[1]}:${m[2]}` : null;
}

/** Finds the `ts` of a thread's first message in a conversation, or null when there is none yet. */
export type ThreadRoot = (channel: string, threadKey: string) => Promise<string | null>;

export function threadRootFrom(db: DbOrTx): ThreadRoot {
  return async (channel, threadKey) => {
    const prefix = `${threadKey.replace(/[\\%_]/g, (c) => `\\${c}`)}:%`;
    const at = `${channel.replace(/[\\%_]/g, (c) => `\\${c}`)}:%`;
    const rows = await db.execute<{ id: string }>(sql`
      select platform_message_id as id from deliveries
      where idempotency_key like ${prefix} and platform = 'slack' and status = 'sent' and platform_message_id like ${at}
      order by sent_at, created_at limit 1`);
    const id = rows[0]?.id;
    return id ? id.slice(channel.length + 1) || null : null;
  };
}
