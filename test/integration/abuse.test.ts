import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../handlers/index';
import { abuseAlerts, accessGrants, auditLog, consultations, deliveries, staff } from '../../db/schema/index';
import { dispatch } from '../../src/chat/dispatch';
import type { Actor, Input, ListBlock } from '../../src/chat/types';
import { escalateAbuseAlerts, ESCALATE_AFTER_MS } from '../../src/core/abuse/alerts';
import { breakGlassOpen } from '../../src/core/abuse/break-glass';
import { logConsultation } from '../../src/core/consultations/log';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';
import { asSent } from '../helpers/outbox';

let tdb: TestDatabase;
let world: World;
let contact: Actor;
const registry = createRegistry();
const now = new Date('2026-11-22T01:00:00Z');

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  const [row] = await tdb.db
    .insert(staff)
    .values({ tenantId: world.tenantId, officeId: world.offices.city, name: '虐待防止窓口', roles: ['gyosei', 'abuse_contact'] })
    .returning({ id: staff.id });
  contact = { ...world.actors.city, staffId: row?.id ?? '', name: '虐待防止窓口', roles: ['gyosei', 'abuse_contact'] };
});
afterAll(async () => {
  await tdb.drop();
});

const send = (actor: Actor, input: Input, at = now) => dispatch({ db: tdb.db, registry, now: () => at }, actor, input);

async function flagged(summary = '身体にあざ。家族からの暴力の訴え。'): Promise<string> {
  const saved = await logConsultation(
    tdb.db,
    world.actors.a,
    {
      personId: world.persons.yamadaTaro.id,
      occurredOn: '2026-11-21',
      method: '訪問',
      kind: '権利擁護のために必要な援助',
      summary,
      abuseSuspected: true,
    },
    now,
  );
  return saved.id;
}

describe('a consultation flagged 虐待の疑い', () => {
  it('queues a direct message to the 虐待防止センター contact at once, with a link to the record, and no text of the record', async () => {
    const id = await flagged();
    const [alert] = await tdb.db.select().from(abuseAlerts).where(eq(abuseAlerts.consultationId, id));
    expect(alert).toBeDefined();
    const msgs = asSent(
      await tdb.db
        .select()
        .from(deliveries)
        .where(and(eq(deliveries.kind, 'abuse_alert'), like(deliveries.idempotencyKey, `abuse:${alert?.id}:%`))),
    );
    expect(msgs.map((m) => m.recipientId)).toEqual([contact.staffId]);
    const payload = JSON.stringify(msgs[0]?.payload);
    expect(payload).toContain('"visibility":"dm"');
    expect(payload).toContain('gyakutai:open');
    expect(payload).not.toContain('あざ');
    const audit = await tdb.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resourceId, id), eq(auditLog.action, 'abuse_alert')));
    expect(audit).toHaveLength(1);
  });

  it('nothing is stored when the record fails: record and alert go together', async () => {
    const before = await tdb.db.select().from(abuseAlerts);
    await expect(
      logConsultation(
        tdb.db,
        world.actors.a,
        {
          personId: world.persons.suzukiJiro.id,
          occurredOn: '2026-11-21',
          method: '訪問',
          kind: '緊急対応',
          summary: 'x',
          abuseSuspected: true,
        },
        now,
      ),
    ).rejects.toThrow();
    expect(await tdb.db.select().from(abuseAlerts)).toHaveLength(before.length);
  });

  it('appears in the contact’s list until acknowledged; the contact can open the record through it', async () => {
    const id = await flagged();
    const [alert] = await tdb.db.select().from(abuseAlerts).where(eq(abuseAlerts.consultationId, id));
    const list = await send(contact, { kind: 'command', name: 'gyakutai', text: '' });
    const items = (list.replies[0]?.blocks[0] as ListBlock).items;
    expect(items.some((i) => i.button?.action.value === alert?.id)).toBe(true);
    const opened = await send(contact, { kind: 'action', id: 'gyakutai:open', value: alert?.id ?? '' });
    expect(JSON.stringify(opened.replies)).toContain('山田 太郎');
    const ack = await send(contact, { kind: 'action', id: 'gyakutai:ack', value: alert?.id ?? '' });
    expect(JSON.stringify(ack.replies)).toContain('確認済みにしました');
    const after = await send(contact, { kind: 'command', name: 'gyakutai', text: '' });
    expect(JSON.stringify(after.replies)).not.toContain(alert?.id ?? 'x');
  });

  it('a counselor cannot see the alert list', async () => {
    const res = await send(world.actors.b, { kind: 'command', name: 'gyakutai', text: '' });
    expect(JSON.stringify(res.replies)).toContain('権限がありません');
  });

  it('an unacknowledged alert escalates to the contact, the office manager and admins, once per round', async () => {
    const id = await flagged();
    const [alert] = await tdb.db.select().from(abuseAlerts).where(eq(abuseAlerts.consultationId, id));
    const created = alert?.createdAt ?? now;
    expect(await escalateAbuseAlerts(tdb.db, new Date(created.getTime() + ESCALATE_AFTER_MS - 1000))).toBe(0);
    const later = new Date(created.getTime() + ESCALATE_AFTER_MS + 1000);
    const [n1, n2] = await Promise.all([escalateAbuseAlerts(tdb.db, later), escalateAbuseAlerts(tdb.db, later)]);
    expect((n1 ?? 0) + (n2 ?? 0)).toBeGreaterThanOrEqual(1);
    const round1 = asSent(
      await tdb.db
        .select()
        .from(deliveries)
        .where(like(deliveries.idempotencyKey, `abuse:${alert?.id}:%:1`)),
    );
    expect(round1.map((d) => d.recipientId).sort()).toEqual([contact.staffId, world.actors.a2.staffId].sort());
    expect(JSON.stringify(round1[0]?.payload)).toContain('再通知1回目');
    const toManager = JSON.stringify(round1.find((d) => d.recipientId === world.actors.a2.staffId)?.payload);
    expect(toManager).toContain('case:show');
    expect(toManager).not.toContain('gyakutai:ack');
    const [row] = await tdb.db
      .select()
      .from(abuseAlerts)
      .where(eq(abuseAlerts.id, alert?.id ?? ''));
    expect(row?.escalations).toBe(1);
  });
});

describe('break-glass', () => {
  it('the 基幹 opens a person without consent only with a reason, audited and reported to the office manager', async () => {
    const person = world.persons.yamadaTaro.id; // office A, no consent
    await expect(breakGlassOpen(tdb.db, world.actors.kikan, person, '緊急', now)).rejects.toMatchObject({ code: 'reason_required' });
    const view = await breakGlassOpen(tdb.db, world.actors.kikan, person, '虐待の疑いで本日中の訪問判断が必要なため', now);
    expect(view.grant).toBe('break_glass');
    const notices = asSent(await tdb.db.select().from(deliveries).where(eq(deliveries.kind, 'break_glass')));
    expect(notices.map((n) => n.recipientId)).toEqual([world.actors.a2.staffId]);
    expect(JSON.stringify(notices[0]?.payload)).toContain('虐待の疑いで本日中の訪問判断が必要なため');
    const audit = await tdb.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resourceId, person), eq(auditLog.actorStaffId, world.actors.kikan.staffId)));
    expect(audit.map((a) => a.action)).toEqual(['break_glass', 'view']);
    expect(audit[1]?.detail).toEqual({ grant: 'break_glass' });
    const [grant] = await tdb.db.select().from(accessGrants).where(eq(accessGrants.personId, person));
    expect(grant?.kind).toBe('break_glass');
  });

  it('a counselor of another office cannot break glass', async () => {
    await expect(
      breakGlassOpen(tdb.db, world.actors.b, world.persons.yamadaTaro.id, '理由を十分に書いたとしても不可', now),
    ).rejects.toMatchObject({ code: 'unknown_person' });
  });

  it('the chat command asks for the reason, then shows the case', async () => {
    const form = await send(world.actors.kikan, { kind: 'command', name: 'kinkyu', text: world.persons.suzukiJiro.code });
    expect(JSON.stringify(form.replies)).toContain('緊急の理由');
    const res = await send(world.actors.kikan, {
      kind: 'form',
      formId: 'kinkyu:open',
      context: world.persons.suzukiJiro.code,
      values: { reason: '家族から緊急の連絡があり安否確認が必要' },
    });
    expect(JSON.stringify(res.replies)).toContain('鈴木 次郎');
    expect(JSON.stringify(res.replies)).toContain('緊急閲覧として記録し');
    const refused = await send(world.actors.b, { kind: 'command', name: 'kinkyu', text: world.persons.yamadaTaro.code });
    expect(JSON.stringify(refused.replies)).toContain('権限がありません');
  });
});

describe('with no 虐待防止センター contact registered', () => {
  it('the alert goes to the tenant’s admins instead of nowhere', async () => {
    await tdb.db.update(staff).set({ active: false }).where(eq(staff.id, contact.staffId));
    const [admin] = await tdb.db
      .insert(staff)
      .values({ tenantId: world.tenantId, officeId: world.offices.city, name: '管理者', roles: ['admin'] })
      .returning({ id: staff.id });
    const id = await flagged('別件');
    const [alert] = await tdb.db.select().from(abuseAlerts).where(eq(abuseAlerts.consultationId, id));
    const msgs = asSent(
      await tdb.db
        .select()
        .from(deliveries)
        .where(like(deliveries.idempotencyKey, `abuse:${alert?.id}:%:0`)),
    );
    expect(msgs.map((m) => m.recipientId)).toEqual([admin?.id]);
    const rows = await tdb.db.select().from(consultations).where(eq(consultations.id, id));
    expect(rows).toHaveLength(1);
  });
});
