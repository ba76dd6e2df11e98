import { and, asc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { consultations, offices, persons, recordVersions, secondaryConsultations, secondaryPosts, servicePlans, staff, tenants } from '../../../db/schema/index';

/**
 * One line of an export: every kind of record in one shape, so that a person's whole file (or a
 * tenant's) is one table that Excel opens and one document a person can read.
 */
export interface ExportRow {
  caseCode: string;
  /** 利用者 / 計画 / 相談記録 / 二次相談 / 二次相談の経過 */
  kind: string;
  id: string;
  version: number | null;
  /** 現行 / 旧版 / 削除済み */
  state: string;
  date: string;
  author: string;
  method: string;
  type: string;
  content: string;
  minutes: string;
  nextAction: string;
  due: string;
  abuse: string;
  reason: string;
  extra: string;
}

export interface ExportData {
  title: string;
  tenantName: string;
  generatedAt: Date;
  rows: ExportRow[];
}

const blank: Omit<ExportRow, 'caseCode' | 'kind' | 'id'> = { version: null, state: '現行', date: '', author: '', method: '', type: '', content: '', minutes: '', nextAction: '', due: '', abuse: '', reason: '', extra: '' };

function iso(d: Date | string | null | undefined): string {
  if (!d) return '';
  return typeof d === 'string' ? d : d.toISOString();
}

type ConsultationRow = typeof consultations.$inferSelect;

function consultationRow(code: string, c: Pick<ConsultationRow, 'id' | 'version' | 'occurredOn' | 'method' | 'kind' | 'summary' | 'minutes' | 'nextAction' | 'nextActionDue' | 'abuseSuspected'>, state: string, author: string, reason = ''): ExportRow {
  return {
    ...blank,
    caseCode: code,
    kind: '相談記録',
    id: c.id,
    version: c.version,
    state,
    date: c.occurredOn,
    author,
    method: c.method,
    type: c.kind,
    content: c.summary,
    minutes: c.minutes == null ? '' : String(c.minutes),
    nextAction: c.nextAction ?? '',
    due: c.nextActionDue ?? '',
    abuse: c.abuseSuspected ? 'あり' : '',
    reason,
  };
}

/**
 * Everything held about the given persons: identity, plans, consultations with every earlier
 * version and deletions, 二次相談 with their threads. Access is the caller's business (checked
 * and audited before this is called).
 */
export async function collectPersons(db: DbOrTx, tenantId: string, personIds: string[]): Promise<ExportRow[]> {
  if (personIds.length === 0) return [];
  const names = new Map((await db.select({ id: staff.id, name: staff.name }).from(staff).where(eq(staff.tenantId, tenantId))).map((s) => [s.id, s.name]));
  const who = (id: string | null) => (id ? (names.get(id) ?? '') : '');
  const ps = await db.select().from(persons).innerJoin(offices, eq(offices.id, persons.officeId)).where(and(eq(persons.tenantId, tenantId), inArray(persons.id, personIds))).orderBy(asc(persons.code));
  const rows: ExportRow[] = [];
  for (const { persons: p, offices: o } of ps) {
    rows.push({
      ...blank,
      caseCode: p.code,
      kind: '利用者',
      id: p.id,
      version: p.version,
      state: p.deletedAt ? '削除済み' : '現行',
      date: iso(p.createdAt).slice(0, 10),
      author: who(p.counselorId),
      content: `${p.familyName} ${p.givenName}（${p.familyKana} ${p.givenKana}）`,
      reason: p.deletedReason ?? '',
      extra: [`生年月日=${p.birthDate ?? ''}`, `障害種別=${p.disabilityCategories.join('・')}`, `受給者証番号=${p.recipientNumber ?? ''}`, `事業所=${o.name}`, `基幹への同意=${p.consentKikan ? 'あり' : 'なし'}`].join('; '),
    });
    const plans = await db.select().from(servicePlans).where(and(eq(servicePlans.tenantId, tenantId), eq(servicePlans.personId, p.id))).orderBy(asc(servicePlans.periodStart));
    for (const pl of plans) {
      rows.push({
        ...blank,
        caseCode: p.code,
        kind: '計画',
        id: pl.id,
        version: pl.version,
        state: pl.active ? '現行' : '無効',
        date: pl.periodStart,
        due: pl.periodEnd,
        type: pl.frequencyMonths ? `${pl.frequencyMonths}か月ごと` : `標準月 ${(pl.standardMonths ?? []).join('・')}`,
        extra: [`受給者証期限=${pl.certificateEnd ?? ''}`, `起算=${pl.countFrom === 'next_month' ? '翌月' : pl.countFrom === 'same_month' ? '当月' : '自治体の設定'}`, ...pl.segments.map((s) => `変更=${s.from}から${s.frequencyMonths ? `${s.frequencyMonths}か月ごと` : `標準月${(s.standardMonths ?? []).join('・')}`}`)].join('; '),
      });
    }
    const cs = await db.select().from(consultations).where(and(eq(consultations.tenantId, tenantId), eq(consultations.personId, p.id))).orderBy(asc(consultations.occurredOn), asc(consultations.createdAt));
    const versions = cs.length === 0 ? [] : await db.select().from(recordVersions).where(and(eq(recordVersions.tenantId, tenantId), eq(recordVersions.resourceType, 'consultation'), inArray(recordVersions.resourceId, cs.map((c) => c.id)))).orderBy(asc(recordVersions.version));
    for (const c of cs) {
      for (const v of versions.filter((x) => x.resourceId === c.id)) {
        const old = v.data as ConsultationRow;
        rows.push(consultationRow(p.code, { ...old, version: v.version }, '旧版', who(old.staffId), `${iso(v.changedAt)} ${who(v.changedBy)} ${v.reason ?? ''}`.trim()));
      }
      rows.push(consultationRow(p.code, c, c.deletedAt ? '削除済み' : '現行', who(c.staffId), c.deletedReason ?? ''));
    }
    const sc = await db.select().from(secondaryConsultations).where(and(eq(secondaryConsultations.tenantId, tenantId), eq(secondaryConsultations.personId, p.id))).orderBy(asc(secondaryConsultations.number));
    for (const s of sc) {
      rows.push({ ...blank, caseCode: p.code, kind: '二次相談', id: s.id, state: s.status, date: iso(s.createdAt).slice(0, 10), author: who(s.requesterId), type: s.difficulties.join('・'), content: `試したこと: ${s.tried} / 相談したいこと: ${s.question}`, extra: `番号=${s.number}; 緊急度=${s.urgency}; 結果=${s.outcome ?? ''}` });
      const posts = await db.select().from(secondaryPosts).where(eq(secondaryPosts.secondaryId, s.id)).orderBy(asc(secondaryPosts.createdAt));
      for (const post of posts) rows.push({ ...blank, caseCode: p.code, kind: '二次相談の経過', id: post.id, date: iso(post.createdAt).slice(0, 10), author: who(post.authorId), type: post.kind, content: post.body, extra: `二次相談番号=${s.number}` });
    }
  }
  return rows;
}

/** Every person of a tenant (deleted ones too), for the tenant export. */
export async function tenantPersonIds(db: DbOrTx, tenantId: string): Promise<string[]> {
  return (await db.select({ id: persons.id }).from(persons).where(eq(persons.tenantId, tenantId)).orderBy(asc(persons.code))).map((r) => r.id);
}

export async function tenantName(db: DbOrTx, tenantId: string): Promise<string> {
  const [t] = await db.select({ name: tenants.name }).from(tenants).where(eq(tenants.id, tenantId));
  return t?.name ?? '';
}
