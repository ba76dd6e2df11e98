/**
 * The morning digest, the last call, the escalation and 「予定」 as platform-free Replies, with the
 * 完了 / 再通知 buttons of the 予定 handler. Pure: the caller groups the items
 * (src/core/reminders/digest.ts) and says what "today" is.
 */
import { button, card } from '../../src/chat/replies';
import type { Block, Button, Reply, Visibility } from '../../src/chat/types';
import { compareDates, dateParts, weekdayOf, WEEKDAYS_JA, type IsoDate } from '../../src/core/calendar/jst';
import { formatJpDate, formatWareki } from '../../src/core/calendar/wareki';
import { digestCount, snoozedTill, type DigestItem, type DigestSections, type Section } from '../../src/core/reminders/digest';

const SECTION_TITLES: Record<Section, string> = {
  overdue: '⚠ 期限を過ぎています',
  now: '今月・今日が期限',
  coming: 'これからの予定',
};

/** The buttons of one reminder: 完了 and the two snoozes. Meetings only acknowledge. */
function reminderButtons(item: Pick<DigestItem, 'reminderId' | 'kind'>): Button[] {
  const done = button(item.kind === 'meeting' ? '確認済み' : '完了', 'yotei:done', item.reminderId, 'primary');
  return [
    done,
    button('翌営業日に再通知', 'yotei:snooze1d', item.reminderId),
    button('1週間後に再通知', 'yotei:snooze1w', item.reminderId),
  ];
}

/** Slack allows 50 blocks, LINE WORKS a few cards per message: more than this goes to `yotei`. */
export const MAX_CARDS = 12;

/** '12/11(金)': the day a snoozed item comes back. */
function dayLabel(date: IsoDate): string {
  const { month, day } = dateParts(date);
  return `${month}/${day}(${WEEKDAYS_JA[weekdayOf(date)]})`;
}

function itemCard(item: DigestItem, section: Section, today: IsoDate) {
  const due = item.kind === 'certificate' ? `${formatWareki(item.dueOn)}まで` : formatJpDate(item.dueOn);
  const fields = [{ label: section === 'overdue' ? '期限（超過）' : '期限', value: due }];
  const back = snoozedTill(item, today);
  if (back) fields.push({ label: '再通知', value: dayLabel(back) });
  return card(item.title, fields, reminderButtons(item), item.detail);
}

function sectionBlocks(sections: DigestSections, max: number, today: IsoDate): { blocks: Block[]; shown: number } {
  const blocks: Block[] = [];
  let shown = 0;
  for (const key of ['overdue', 'now', 'coming'] as const) {
    const list = sections[key];
    if (list.length === 0) continue;
    blocks.push({ type: 'text', text: `${SECTION_TITLES[key]}（${list.length}件）` });
    for (const item of list) {
      if (shown >= max) break;
      blocks.push(itemCard(item, key, today));
      shown++;
    }
  }
  return { blocks, shown };
}

/** The morning digest (or the `yotei` answer) for one staff member. */
export function renderDigest(
  sections: DigestSections,
  today: IsoDate,
  opts: { visibility: Visibility; toStaffId?: string; heading?: string },
): Reply {
  const total = digestCount(sections);
  const heading = opts.heading ?? `${formatJpDate(today)}の予定です。`;
  if (total === 0) {
    return {
      visibility: opts.visibility,
      toStaffId: opts.toStaffId,
      summary: `${heading}期限の近いものはありません。`,
      blocks: [{ type: 'text', text: `${heading}\n期限の近いものはありません。` }],
    };
  }
  const counts = `期限超過 ${sections.overdue.length}件・今月/今日 ${sections.now.length}件・今後 ${sections.coming.length}件`;
  const { blocks, shown } = sectionBlocks(sections, MAX_CARDS, today);
  const all: Block[] = [{ type: 'text', text: `${heading}\n${counts}` }, ...blocks];
  if (shown < total) all.push({ type: 'text', text: `ほか${total - shown}件は「予定」と送ると確認できます。` });
  return { visibility: opts.visibility, toStaffId: opts.toStaffId, summary: `${heading}${counts}`, blocks: all };
}

/** The last call: this month's monitorings still unrecorded, on the month's last business days. */
export function renderLastCall(items: readonly DigestItem[], today: IsoDate, staffId: string): Reply {
  const heading = `⚠ 今月のモニタリングが未記録です（${items.length}件）。${formatJpDate(today)}時点。月内に実施・記録してください。`;
  return {
    visibility: 'dm',
    toStaffId: staffId,
    summary: heading,
    blocks: [
      { type: 'text', text: heading },
      ...items
        .slice(0, MAX_CARDS)
        .map((i) => card(i.title, [{ label: '期限', value: formatJpDate(i.dueOn) }], reminderButtons(i), i.detail)),
    ],
  };
}

export interface EscalationEntry {
  item: DigestItem;
  counselorName: string;
}

/**
 * To an office manager, once a day: the reminders of their office that became overdue, in one
 * message (one message per reminder sent a manager dozens on a month's first business day).
 */
export function renderEscalations(entries: readonly EscalationEntry[], managerId: string): Reply {
  const sorted = [...entries].sort(
    (a, b) =>
      compareDates(a.item.dueOn, b.item.dueOn) ||
      a.counselorName.localeCompare(b.counselorName, 'ja') ||
      a.item.title.localeCompare(b.item.title, 'ja'),
  );
  const certificates = sorted.filter((e) => e.item.kind === 'certificate').length;
  const what = [
    sorted.length - certificates > 0 ? `モニタリング未記録 ${sorted.length - certificates}件` : '',
    certificates > 0 ? `受給者証の更新手続き未記録 ${certificates}件` : '',
  ]
    .filter(Boolean)
    .join('・');
  const text = `⚠ 事業所管理者へのお知らせ: 期限を過ぎた予定があります（${what}）`;
  const cards = sorted.slice(0, MAX_CARDS).map(({ item, counselorName }) =>
    card(
      item.title,
      [
        { label: '期限（超過）', value: formatJpDate(item.dueOn) },
        { label: '担当', value: counselorName },
      ],
      reminderButtons(item),
      item.detail,
    ),
  );
  const rest = sorted.length - cards.length;
  const blocks: Block[] = [{ type: 'text', text }, ...cards];
  if (rest > 0) blocks.push({ type: 'text', text: `ほか${rest}件。各担当者の朝のダイジェストにも表示されています。` });
  return { visibility: 'dm', toStaffId: managerId, summary: text, blocks };
}
