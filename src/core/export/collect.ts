import { and, asc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import {
  consultations,
  offices,
  persons,
  recordVersions,
  regionalIssues,
  secondaryConsultations,
  secondaryPosts,
  servicePlans,
  staff,
  tenants,
} from '../../../db/schema/index';
import { jstDateOf } from '../calendar/jst';

/**
 * One line of the CSV export: every kind of record in one shape, so that a person's whole file
 * (or a tenant's) is one table that Excel opens. The printable record is drawn from PersonRecord.
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

const blank: Omit<ExportRow, 'caseCode' | 'kind' | 'id'> = {
  version: null,
  state: '現行',
  date: '',
  author: '',
  method: '',
  type: '',
  content: '',
  minutes: '',
  nextAction: '',
  due: '',
  abuse: '',
  reason: '',
  extra: '',
};

/** An instant as the Japan-time calendar date it fell on (records are read in Japan). */
function jstDay(d: Date | null | undefined): string {
  return d ? jstDateOf(d) : '';
}

const hm = new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit', hour12: false });
/** '2026-11-22 10:00' in Japan time. */
function jstMinute(d: Date): string {
  return `${jstDateOf(d)} ${hm.format(d)}`;
}

type ConsultationRow = typeof consultations.$inferSelect;

/** One consultation entry of the 支援経過: the current text, an earlier version or a deleted one. */
interface RecordEntry {
  id: string;
  version: number;
  /** 現行 / 旧版 / 削除済み */
  state: string;
  date: string;
  author: string;
  method: string;
  kind: string;
  summary: string;
  minutes: number | null;
  nextAction: string;
  nextActionDue: string;
  abuse: boolean;
  /** Why it was changed (旧版: when, by whom and why) or deleted. */
  reason: string;
}

interface RecordPlan {
  id: string;
  version: number;
  active: boolean;
  periodStart: string;
  periodEnd: string;
  frequency: string;
  certificateEnd: string;
  countFrom: string;
  changes: string[];
}

interface RecordSecondary {
  id: string;
  number: number;
  status: string;
  urgency: string;
  date: string;
  requester: string;
  difficulties: string[];
  tried: string;
  question: string;
  outcome: string;
  closedOn: string;
  /** The 地域課題 this 二次相談 was raised as, if any (number, title, status). */
  regional: { number: number; title: string; status: string } | null;
  posts: { id: string; date: string; author: string; kind: string; body: string }[];
}

/** Everything held about one person, structured: the printable record is drawn from this. */
export interface PersonRecord {
  id: string;
  code: string;
  version: number;
  deleted: boolean;
  deletedReason: string;
  createdOn: string;
  familyName: string;
  givenName: string;
  familyKana: string;
  givenKana: string;
  birthDate: string;
  categories: string[];
  recipientNumber: string;
  office: string;
  counselor: string;
  consentKikan: boolean;
  plans: RecordPlan[];
  /** Oldest first; a consultation's earlier versions come just before it. */
  entries: RecordEntry[];
  secondary: RecordSecondary[];
}

const countFromLabel = (v: string | null) => (v === 'next_month' ? '翌月' : v === 'same_month' ? '当月' : '自治体の設定');
const frequencyLabel = (frequencyMonths: number | null, standardMonths: number[] | null) =>
  frequencyMonths ? `${frequencyMonths}か月ごと` : `標準月 ${(standardMonths ?? []).join('・')}`;

function entryOf(
  c: Pick<
    ConsultationRow,
    'id' | 'version' | 'occurredOn' | 'method' | 'kind' | 'summary' | 'minutes' | 'nextAction' | 'nextActionDue' | 'abuseSuspected'
  >,
  state: string,
  author: string,
  reason = '',
): RecordEntry {
  return {
    id: c.id,
    version: c.version,
    state,
    date: c.occurredOn,
    author,
    method: c.method,
    kind: c.kind,
    summary: c.summary,
    minutes: c.minutes ?? null,
    nextAction: c.nextAction ?? '',
    nextActionDue: c.nextActionDue ?? '',
    abuse: c.abuseSuspected,
    reason,
  };
}

/**
 * Everything held about the given persons: identity, plans, consultations with every earlier
 * version and deletions, 二次相談 with their threads and the 地域課題 they raised. Access is the
 * caller's business (checked and audited before this is called).
 */
export async function collectRecords(db: DbOrTx, tenantId: string, personIds: string[]): Promise<PersonRecord[]> {
  if (personIds.length === 0) return [];
  const names = new Map(
    (await db.select({ id: staff.id, name: staff.name }).from(staff).where(eq(staff.tenantId, tenantId))).map((s) => [s.id, s.name]),
  );
  const who = (id: string | null) => (id ? (names.get(id) ?? '') : '');
  const ps = await db
    .select()
    .from(persons)
    .innerJoin(offices, eq(offices.id, persons.officeId))
    .where(and(eq(persons.tenantId, tenantId), inArray(persons.id, personIds)))
    .orderBy(asc(persons.code));
  const out: PersonRecord[] = [];
  for (const { persons: p, offices: o } of ps) {
    const plans = await db
      .select()
      .from(servicePlans)
      .where(and(eq(servicePlans.tenantId, tenantId), eq(servicePlans.personId, p.id)))
      .orderBy(asc(servicePlans.periodStart));
    const cs = await db
      .select()
      .from(consultations)
      .where(and(eq(consultations.tenantId, tenantId), eq(consultations.personId, p.id)))
      .orderBy(asc(consultations.occurredOn), asc(consultations.createdAt));
    const versions =
      cs.length === 0
        ? []
        : await db
            .select()
            .from(recordVersions)
            .where(
              and(
                eq(recordVersions.tenantId, tenantId),
                eq(recordVersions.resourceType, 'consultation'),
                inArray(
                  recordVersions.resourceId,
                  cs.map((c) => c.id),
                ),
              ),
            )
            .orderBy(asc(recordVersions.version));
    const entries: RecordEntry[] = [];
    for (const c of cs) {
      for (const v of versions.filter((x) => x.resourceId === c.id)) {
        const old = v.data as ConsultationRow;
        entries.push(
          entryOf(
            { ...old, version: v.version },
            '旧版',
            who(old.staffId),
            `${jstMinute(v.changedAt)} ${who(v.changedBy)} ${v.reason ?? ''}`.trim(),
          ),
        );
      }
      entries.push(entryOf(c, c.deletedAt ? '削除済み' : '現行', who(c.staffId), c.deletedReason ?? ''));
    }
    const sc = await db
      .select({
        s: secondaryConsultations,
        issue: { number: regionalIssues.number, title: regionalIssues.title, status: regionalIssues.status },
      })
      .from(secondaryConsultations)
      .leftJoin(regionalIssues, and(eq(regionalIssues.id, secondaryConsultations.regionalIssueId), eq(regionalIssues.tenantId, tenantId)))
      .where(and(eq(secondaryConsultations.tenantId, tenantId), eq(secondaryConsultations.personId, p.id)))
      .orderBy(asc(secondaryConsultations.number));
    const secondary: RecordSecondary[] = [];
    for (const { s, issue } of sc) {
      const posts = await db
        .select()
        .from(secondaryPosts)
        .where(eq(secondaryPosts.secondaryId, s.id))
        .orderBy(asc(secondaryPosts.createdAt));
      secondary.push({
        id: s.id,
        number: s.number,
        status: s.status,
        urgency: s.urgency,
        date: jstDay(s.createdAt),
        requester: who(s.requesterId),
        difficulties: s.difficulties,
        tried: s.tried,
        question: s.question,
        outcome: s.outcome ?? '',
        closedOn: jstDay(s.closedAt),
        regional: issue && issue.number !== null ? { number: issue.number, title: issue.title ?? '', status: issue.status ?? '' } : null,
        posts: posts.map((post) => ({
          id: post.id,
          date: jstDay(post.createdAt),
          author: who(post.authorId),
          kind: post.kind,
          body: post.body,
        })),
      });
    }
    out.push({
      id: p.id,
      code: p.code,
      version: p.version,
      deleted: p.deletedAt !== null,
      deletedReason: p.deletedReason ?? '',
      createdOn: jstDay(p.createdAt),
      familyName: p.familyName,
      givenName: p.givenName,
      familyKana: p.familyKana,
      givenKana: p.givenKana,
      birthDate: p.birthDate ?? '',
      categories: p.disabilityCategories,
      recipientNumber: p.recipientNumber ?? '',
      office: o.name,
      counselor: who(p.counselorId),
      consentKikan: p.consentKikan,
      plans: plans.map((pl) => ({
        id: pl.id,
        version: pl.version,
        active: pl.active,
        periodStart: pl.periodStart,
        periodEnd: pl.periodEnd,
        frequency: frequencyLabel(pl.frequencyMonths, pl.standardMonths),
        certificateEnd: pl.certificateEnd ?? '',
        countFrom: countFromLabel(pl.countFrom),
        changes: pl.segments.map((seg) => `${seg.from}から${frequencyLabel(seg.frequencyMonths ?? null, seg.standardMonths ?? null)}`),
      })),
      entries,
      secondary,
    });
  }
  return out;
}

/** The records as one table (CSV): one row per record of any kind. */
export function rowsOf(records: PersonRecord[]): ExportRow[] {
  const rows: ExportRow[] = [];
  for (const p of records) {
    rows.push({
      ...blank,
      caseCode: p.code,
      kind: '利用者',
      id: p.id,
      version: p.version,
      state: p.deleted ? '削除済み' : '現行',
      date: p.createdOn,
      author: p.counselor,
      content: `${p.familyName} ${p.givenName}（${p.familyKana} ${p.givenKana}）`,
      reason: p.deletedReason,
      extra: [
        `生年月日=${p.birthDate}`,
        `障害種別=${p.categories.join('・')}`,
        `受給者証番号=${p.recipientNumber}`,
        `事業所=${p.office}`,
        `基幹への同意=${p.consentKikan ? 'あり' : 'なし'}`,
      ].join('; '),
    });
    for (const pl of p.plans) {
      rows.push({
        ...blank,
        caseCode: p.code,
        kind: '計画',
        id: pl.id,
        version: pl.version,
        state: pl.active ? '現行' : '無効',
        date: pl.periodStart,
        due: pl.periodEnd,
        type: pl.frequency,
        extra: [`受給者証期限=${pl.certificateEnd}`, `起算=${pl.countFrom}`, ...pl.changes.map((c) => `変更=${c}`)].join('; '),
      });
    }
    for (const e of p.entries) {
      rows.push({
        ...blank,
        caseCode: p.code,
        kind: '相談記録',
        id: e.id,
        version: e.version,
        state: e.state,
        date: e.date,
        author: e.author,
        method: e.method,
        type: e.kind,
        content: e.summary,
        minutes: e.minutes == null ? '' : String(e.minutes),
        nextAction: e.nextAction,
        due: e.nextActionDue,
        abuse: e.abuse ? 'あり' : '',
        reason: e.reason,
      });
    }
    for (const s of p.secondary) {
      rows.push({
        ...blank,
        caseCode: p.code,
        kind: '二次相談',
        id: s.id,
        state: s.status,
        date: s.date,
        author: s.requester,
        type: s.difficulties.join('・'),
        content: `試したこと: ${s.tried} / 相談したいこと: ${s.question}`,
        extra: `番号=${s.number}; 緊急度=${s.urgency}; 結果=${s.outcome}${s.regional ? `; 地域課題=#${s.regional.number}` : ''}`,
      });
      for (const post of s.posts)
        rows.push({
          ...blank,
          caseCode: p.code,
          kind: '二次相談の経過',
          id: post.id,
          date: post.date,
          author: post.author,
          type: post.kind,
          content: post.body,
          extra: `二次相談番号=${s.number}`,
        });
    }
  }
  return rows;
}

/** Every person of a tenant (deleted ones too), for the tenant export. */
export async function tenantPersonIds(db: DbOrTx, tenantId: string): Promise<string[]> {
  return (await db.select({ id: persons.id }).from(persons).where(eq(persons.tenantId, tenantId)).orderBy(asc(persons.code))).map(
    (r) => r.id,
  );
}

export async function tenantName(db: DbOrTx, tenantId: string): Promise<string> {
  const [t] = await db.select({ name: tenants.name }).from(tenants).where(eq(tenants.id, tenantId));
  return t?.name ?? '';
}
