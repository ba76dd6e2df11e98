/**
 * The web chat's 通知 tab as a counselor works through it: newest first, with the day (Japan
 * time, rendered here: the page never reads the clock), the thread a notice belongs to (one per
 * 二次相談 / 地域課題, from the delivery's idempotency key), and reminders shown as they are now
 * (a snoozed one says when it comes back, 「再通知: 12/11(金)」, a finished one offers no buttons).
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { deliveries, reminders } from '../../../db/schema/index';
import type { Block, Button, Reply } from '../../chat/types';
import { shortDate } from '../../core/calendar/format';
import { addDays, dateParts, jstDateOf, jstToday, WEEKDAYS_JA, weekdayOf } from '../../core/calendar/jst';

export interface InboxRow {
  id: string;
  kind: string;
  payload: unknown;
  createdAt: Date;
  status: string;
}

export interface InboxEntry {
  id: string;
  kind: string;
  payload: unknown;
  /** Japan date (YYYY-MM-DD) and its label: 「今日・12月10日(木)」. */
  day: string;
  dayLabel: string;
  /** 'HH:MM' in Japan time. */
  time: string;
  /** `niji:<id>` or `kadai:<id>`: notices of one 二次相談 / 地域課題 form one thread. */
  thread: string | null;
  threadLabel: string | null;
}

const THREADS: Record<string, string> = { niji: '二次相談', kadai: '地域課題' };

/** The thread of a delivery, from its idempotency key (`niji:<uuid>:…`, `kadai:<uuid>:…`). */
function threadOf(idempotencyKey: string): string | null {
  const m = /^(niji|kadai):([0-9a-f-]{36}):/i.exec(idempotencyKey);
  return m ? `${m[1]}:${m[2]}` : null;
}

const hm = new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit', hour12: false });

function dayLabel(day: string, today: string): string {
  const { month, day: d } = dateParts(day);
  const date = `${month}月${d}日(${WEEKDAYS_JA[weekdayOf(day)]})`;
  if (day === today) return `今日・${date}`;
  if (day === addDays(today, -1)) return `昨日・${date}`;
  return date;
}

type Annotated = { status: string; snoozedUntil: string | null };

/** A reminder card as it is now: snoozed → 「再通知」 and no buttons; done or cancelled → said so. */
function annotate(payload: unknown, state: Map<string, Annotated>): unknown {
  const reply = payload as Partial<Reply> | null;
  if (!reply || !Array.isArray(reply.blocks)) return payload;
  const reminderOf = (buttons: Button[] | undefined) =>
    buttons?.find((b) => b.action.id.startsWith('yotei:') && state.has(b.action.value))?.action.value;
  const blocks = reply.blocks.map((b): Block => {
    if (b.type !== 'card') return b;
    const id = reminderOf(b.buttons);
    const s = id ? state.get(id) : undefined;
    if (!s || s.status === 'open') return b;
    const others = (b.buttons ?? []).filter((x) => !x.action.id.startsWith('yotei:'));
    const fields = b.fields.filter((f) => f.label !== '再通知');
    if (s.status === 'snoozed' && s.snoozedUntil)
      return { ...b, fields: [...fields, { label: '再通知', value: shortDate(s.snoozedUntil) }], buttons: others };
    return { ...b, fields: [...fields, { label: '状態', value: s.status === 'done' ? '✓ 完了' : '取り消し' }], buttons: others };
  });
  return { ...reply, blocks };
}

/** Every reminder id a payload's buttons act on. */
function reminderIds(payload: unknown): string[] {
  const reply = payload as Partial<Reply> | null;
  if (!reply || !Array.isArray(reply.blocks)) return [];
  return reply.blocks
    .flatMap((b) => (b.type === 'card' ? (b.buttons ?? []) : []))
    .filter((x) => x.action.id.startsWith('yotei:'))
    .map((x) => x.action.value);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The inbox rows as entries, newest first. */
export async function inboxView(db: DbOrTx, tenantId: string, rows: readonly InboxRow[], now: Date): Promise<InboxEntry[]> {
  const ids = rows.map((r) => r.id);
  const keys =
    ids.length === 0
      ? []
      : await db
          .select({ id: deliveries.id, key: deliveries.idempotencyKey })
          .from(deliveries)
          .where(and(eq(deliveries.tenantId, tenantId), inArray(deliveries.id, ids)));
  const keyOf = new Map(keys.map((k) => [k.id, k.key]));
  const wanted = [...new Set(rows.flatMap((r) => reminderIds(r.payload)))].filter((id) => UUID.test(id));
  const state = new Map<string, Annotated>();
  if (wanted.length > 0) {
    const found = await db
      .select({ id: reminders.id, status: reminders.status, snoozedUntil: reminders.snoozedUntil })
      .from(reminders)
      .where(and(eq(reminders.tenantId, tenantId), inArray(reminders.id, wanted)));
    for (const r of found) state.set(r.id, { status: r.status, snoozedUntil: r.snoozedUntil });
  }
  const today = jstToday(now);
  return [...rows]
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id))
    .map((r) => {
      const day = jstDateOf(r.createdAt);
      const thread = threadOf(keyOf.get(r.id) ?? '');
      return {
        id: r.id,
        kind: r.kind,
        payload: annotate(r.payload, state),
        day,
        dayLabel: dayLabel(day, today),
        time: hm.format(r.createdAt),
        thread,
        threadLabel: thread ? `${THREADS[thread.split(':')[0] ?? ''] ?? ''}のやり取り` : null,
      };
    });
}
