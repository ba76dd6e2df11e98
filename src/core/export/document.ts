import { formatJpDate, formatWareki } from '../calendar/wareki';
import { isIsoDate, jstDateOf } from '../calendar/jst';
import { REGIONAL_STATUS_LABELS, type RegionalStatus } from '../regional/policy';
import { POST_KINDS, SECONDARY_STATUS_LABELS, type SecondaryStatus } from '../secondary/policy';
import { URGENCY } from '../vocabulary';
import type { PersonRecord } from './collect';

/**
 * The printable record (支援経過記録) as words, before any format: the PDF and the phone-readable
 * HTML are both drawn from this, so they say the same thing. Dates read as Japanese documents
 * write them; nothing is a raw `key=value` column.
 */
export interface DocItem {
  title: string;
  /** One line under the title: method, author, minutes … */
  meta?: string;
  fields: [string, string][];
  body?: string;
  /** Earlier versions are shown greyed, deletions struck through; both say why. */
  state?: 'old' | 'deleted';
  note?: string;
  children?: DocItem[];
}

interface DocSection {
  heading: string;
  empty: string;
  items: DocItem[];
}

export interface DocPerson {
  code: string;
  name: string;
  profile: [string, string][];
  sections: DocSection[];
}

/** Who produced the output and when: printed on every page. */
export interface DocMeta {
  title: string;
  tenantName: string;
  /** ケース番号, or 全件 for a tenant's export. */
  subject: string;
  generatedAt: Date;
  producedBy: string;
}

const jpTime = new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit', hour12: false });

/** '2026年11月22日(日) 10:00（日本時間）'. */
export function outputTime(at: Date): string {
  return `${formatJpDate(jstDateOf(at))} ${jpTime.format(at)}（日本時間）`;
}

/** A calendar date as a document writes it; anything else unchanged. */
function jpDate(s: string): string {
  return isIsoDate(s) ? formatJpDate(s) : s;
}

function birth(date: string): string {
  if (!isIsoDate(date)) return '未登録';
  return `${formatWareki(date)}（${date.slice(0, 4)}年）`;
}

const secondaryStatus = (s: string) => SECONDARY_STATUS_LABELS[s as SecondaryStatus] ?? s;
const regionalStatus = (s: string) => REGIONAL_STATUS_LABELS[s as RegionalStatus] ?? s;
const urgency = (u: string) => URGENCY[u as keyof typeof URGENCY] ?? u;
const postKind = (k: string) => (k === 'transition' ? '経過' : (POST_KINDS[k as keyof typeof POST_KINDS] ?? k));

export function documentOf(p: PersonRecord): DocPerson {
  const profile: [string, string][] = [
    ['ケース番号', p.code],
    ['氏名', `${p.familyName} ${p.givenName}`],
    ['ふりがな', `${p.familyKana} ${p.givenKana}`],
    ['生年月日', birth(p.birthDate)],
    ['障害種別', p.categories.join('・') || '未登録'],
    ['受給者証番号', p.recipientNumber || '未登録'],
    ['事業所', p.office],
    ['担当', p.counselor || '未定'],
    ['基幹相談支援センターへの情報提供の同意', p.consentKikan ? 'あり' : 'なし'],
    ['登録日', jpDate(p.createdOn)],
  ];
  if (p.deleted) profile.push(['状態', `削除済み${p.deletedReason ? `（理由: ${p.deletedReason}）` : ''}`]);

  const plans: DocItem[] = p.plans.map((pl) => ({
    title: `${jpDate(pl.periodStart)} 〜 ${jpDate(pl.periodEnd)}`,
    meta: pl.active ? '現行' : '無効',
    fields: [
      ['モニタリング', pl.frequency],
      ['受給者証の期限', pl.certificateEnd ? jpDate(pl.certificateEnd) : '未登録'],
      ['月の数え方', pl.countFrom],
      ...pl.changes.map((c): [string, string] => ['頻度の変更', jpDate(c.slice(0, 10)) + c.slice(10)]),
    ],
  }));

  const entries: DocItem[] = p.entries.map((e) => {
    const fields: [string, string][] = [];
    if (e.nextAction) fields.push(['次の対応', `${e.nextAction}${e.nextActionDue ? `（期限 ${jpDate(e.nextActionDue)}）` : ''}`]);
    if (e.abuse) fields.push(['虐待の疑い', 'あり']);
    const meta = [e.method, e.kind, e.author ? `記録 ${e.author}` : '', e.minutes != null ? `${e.minutes}分` : '']
      .filter(Boolean)
      .join('・');
    const item: DocItem = { title: jpDate(e.date), meta, fields, body: e.summary };
    if (e.state === '旧版')
      return {
        ...item,
        title: `${item.title}（第${e.version}版・変更前）`,
        state: 'old',
        note: e.reason ? `変更: ${e.reason}` : undefined,
      };
    if (e.state === '削除済み')
      return { ...item, title: `${item.title}（削除済み）`, state: 'deleted', note: e.reason ? `削除の理由: ${e.reason}` : undefined };
    return item;
  });

  const secondary: DocItem[] = p.secondary.map((s) => {
    const fields: [string, string][] = [
      ['状態', secondaryStatus(s.status)],
      ['緊急度', urgency(s.urgency)],
      ['依頼者', s.requester],
    ];
    if (s.difficulties.length > 0) fields.push(['困りごと', s.difficulties.join('・')]);
    fields.push(['試したこと', s.tried], ['相談したいこと', s.question]);
    if (s.outcome) fields.push(['結果', `${s.outcome}${s.closedOn ? `（${jpDate(s.closedOn)}）` : ''}`]);
    if (s.regional) fields.push(['地域課題', `#${s.regional.number} ${s.regional.title}（${regionalStatus(s.regional.status)}）`]);
    return {
      title: `二次相談 #${s.number}（${jpDate(s.date)}）`,
      fields,
      children: s.posts.map((post) => ({
        title: jpDate(post.date),
        meta: [postKind(post.kind), post.author].filter(Boolean).join('・'),
        fields: [],
        body: post.body,
      })),
    };
  });

  return {
    code: p.code,
    name: `${p.familyName} ${p.givenName}`,
    profile,
    sections: [
      { heading: 'サービス等利用計画', empty: '登録された計画はありません。', items: plans },
      { heading: '支援経過', empty: '相談記録はありません。', items: entries },
      { heading: '二次相談・地域課題', empty: '二次相談はありません。', items: secondary },
    ],
  };
}

/** The line printed at the foot of every page (and at the top of the HTML view). */
export function footerLine(meta: DocMeta): string {
  return `${meta.tenantName}　${meta.subject}　出力 ${outputTime(meta.generatedAt)}　出力者 ${meta.producedBy}`;
}
