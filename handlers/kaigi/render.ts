import { shortDate, shortDateTime } from '../../src/core/calendar/format';
import { button, card, reply, truncate } from '../../src/chat/replies';
import type { Block, Button, ListBlock, Reply } from '../../src/chat/types';
import { formatJpDate } from '../../src/core/calendar/wareki';
import { jstDateOf } from '../../src/core/calendar/jst';
import type { Agenda, AgendaIssue } from '../../src/core/meetings/agenda';
import { kindLabel } from '../../src/core/meetings/kinds';
import { labelOf, PRIORITIES } from '../../src/core/regional/policy';
import type { MinutesView } from '../../src/core/meetings/minutes';
import type { MeetingDetail, MeetingListItem } from '../../src/core/meetings/view';

const hm = (d: Date) =>
  new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit', hour12: false }).format(d);

/** '11/30(月) 14:00～16:00' in Japan time. */
function when(startsAt: Date, endsAt: Date | null): string {
  return `${shortDateTime(startsAt)}${endsAt ? `～${hm(endsAt)}` : '～'}`;
}

export function meetingList(items: MeetingListItem[], headerButtons: Button[]): Reply {
  const blocks: Block[] = [];
  if (items.length === 0) blocks.push({ type: 'text', text: '予定されている会議はありません。' });
  else {
    blocks.push({
      type: 'list',
      title: `今後の会議（${items.length}件）`,
      items: items.map((m) => ({
        title: `${shortDateTime(m.startsAt)} ${m.title}`,
        description: `${kindLabel(m.kind)}${m.place ? `・${m.place}` : ''}${m.attending ? '・出席' : ''}`,
        button: button('開く', 'kaigi:show', m.id),
      })),
    });
  }
  if (headerButtons.length > 0) blocks.push(card('会議', [], headerButtons));
  return reply(items.length === 0 ? '予定されている会議はありません' : `今後の会議 ${items.length}件`, blocks);
}

export function meetingCard(m: MeetingDetail, buttons: Button[], note?: string): Reply {
  const fields = [
    { label: '種別', value: `${kindLabel(m.kind)}${m.bodyName && m.bodyName !== kindLabel(m.kind) ? `（${m.bodyName}）` : ''}` },
    { label: '日時', value: `${formatJpDate(jstDateOf(m.startsAt))} ${hm(m.startsAt)}～${m.endsAt ? hm(m.endsAt) : ''}` },
    { label: '場所', value: m.place ?? '未定' },
    { label: '出席者', value: m.attendees.length === 0 ? 'なし' : m.attendees.map((a) => a.name).join('、') },
  ];
  if (m.personCode) fields.push({ label: 'ケース', value: m.personCode });
  if (m.cancelled) fields.push({ label: '状態', value: '中止' });
  const blocks: Block[] = [card(m.title, fields, buttons)];
  if (note) blocks.push({ type: 'text', text: note });
  return reply(`${m.title}（${shortDate(jstDateOf(m.startsAt))}）`, blocks);
}

/** A notice to one attendee (direct message): title, time and place only. */
export function attendeeNotice(
  toStaffId: string,
  m: { id: string; title: string; startsAt: Date; endsAt: Date | null; place: string | null },
  heading: string,
): Reply {
  return {
    visibility: 'dm',
    toStaffId,
    summary: `${heading}: ${m.title}`,
    blocks: [
      card(
        heading,
        [
          { label: '会議', value: m.title },
          { label: '日時', value: when(m.startsAt, m.endsAt) },
          { label: '場所', value: m.place ?? '未定' },
        ],
        [button('詳細', 'kaigi:show', m.id)],
      ),
    ],
  };
}

const MAX_NOTICE_ITEMS = 10;

/**
 * To the owner of 宿題 from a meeting's minutes: what to do and by when, item by item (the
 * meeting alone told them nothing of the task), and that 予定 and the morning digest will remind.
 */
export function actionItemsNotice(
  toStaffId: string,
  m: { id: string; title: string; startsAt: Date },
  items: readonly { description: string; dueOn: string }[],
): Reply {
  const sorted = [...items].sort((a, b) => a.dueOn.localeCompare(b.dueOn));
  const shown = sorted.slice(0, MAX_NOTICE_ITEMS);
  const first = sorted[0];
  const summary =
    sorted.length === 1 && first
      ? `会議の宿題: ${truncate(first.description, 40)}（期限 ${shortDate(first.dueOn)}）`
      : `会議の宿題${sorted.length}件: ${m.title}（最初の期限 ${first ? shortDate(first.dueOn) : ''}）`;
  const fields = [
    { label: '会議', value: `${m.title}（${shortDate(jstDateOf(m.startsAt))}）` },
    ...shown.map((i, n) => ({
      label: shown.length > 1 ? `宿題${n + 1}` : '宿題',
      value: `${truncate(i.description, 120)}\n期限: ${formatJpDate(i.dueOn)}`,
    })),
  ];
  const blocks: Reply['blocks'] = [card('会議の宿題が割り当てられました', fields, [button('会議の詳細', 'kaigi:show', m.id)])];
  if (sorted.length > shown.length) blocks.push({ type: 'text', text: `ほか${sorted.length - shown.length}件は「予定」で確認できます。` });
  blocks.push({ type: 'text', text: '期限までは「予定」に表示され、期限が近づくと朝の通知でもお知らせします。' });
  return { visibility: 'dm', toStaffId, summary, blocks };
}

/** Slack allows 50 blocks a message and LINE WORKS few items a list: a long list is cut with a count. */
const MAX_LIST_ITEMS = 15;

function issueItems(list: AgendaIssue[], withStatus: boolean): ListBlock['items'] {
  const shown = list.slice(0, MAX_LIST_ITEMS).map((i) => {
    const parts = withStatus ? [labelOf(i.status)] : [];
    if (i.priority) parts.push(`優先度 ${PRIORITIES[i.priority as keyof typeof PRIORITIES] ?? i.priority}`);
    parts.push(`影響ケース${i.affected}件・${i.offices}事業所`);
    return { title: `#${i.number} ${truncate(i.title, 40)}`, description: parts.join('・') };
  });
  const rest = list.length - shown.length;
  return rest > 0 ? [...shown, { title: `ほか${rest}件`, description: '「地域課題」コマンドの一覧で確認できます' }] : shown;
}

export function agendaReply(a: Agenda, canConfirm: boolean): Reply {
  const blocks: Block[] = [
    card(`${a.meeting.title} 議題`, [
      { label: '日時', value: when(a.meeting.startsAt, a.meeting.endsAt) },
      { label: '場所', value: a.meeting.place ?? '未定' },
    ]),
  ];
  let n = 1;
  if (a.previous) {
    const p = a.previous;
    const buttons =
      canConfirm && p.minutesId && !p.minutesConfirmed ? [button('前回議事録を確認済みにする', 'kaigi:confirm', p.meetingId)] : [];
    blocks.push(
      card(
        `${n++}. 前回（${shortDate(jstDateOf(p.startsAt))}）の議事録と宿題の確認`,
        [
          { label: '議事録', value: p.minutesId ? (p.minutesConfirmed ? '確認済み' : '未確認（この会議で確認します）') : '未登録' },
          { label: '宿題', value: `未完了 ${p.openItems.length}件・完了 ${p.doneCount}件` },
        ],
        buttons,
      ),
    );
    if (p.openItems.length > 0) {
      blocks.push({
        type: 'list',
        title: '未完了の宿題',
        items: p.openItems.slice(0, MAX_LIST_ITEMS).map((i) => ({
          title: truncate(i.description, 40),
          description: `${i.ownerName ?? '担当者なし'}・${i.dueOn ? `${shortDate(i.dueOn)}まで` : '期限なし'}${i.overdue ? '（期限超過）' : ''}`,
          button: button('完了', 'kaigi:done', i.id),
        })),
      });
      if (p.openItems.length > MAX_LIST_ITEMS)
        blocks.push({
          type: 'text',
          text: `未完了の宿題はほか${p.openItems.length - MAX_LIST_ITEMS}件あります（前回の会議の「議事録」から確認できます）。`,
        });
    }
  }
  blocks.push(
    a.waiting.length === 0
      ? { type: 'text', text: `${n++}. 整理待ちの地域課題: なし` }
      : {
          type: 'list',
          title: `${n++}. 整理待ちの地域課題（${a.waiting.length}件）: 優先度と振り分け先を決めます`,
          items: issueItems(a.waiting, false),
        },
  );
  if (a.inProgress.length === 0) blocks.push({ type: 'text', text: `${n++}. 検討中の地域課題: なし` });
  else {
    blocks.push({ type: 'text', text: `${n++}. 検討中の地域課題（部会ごとの進捗）` });
    for (const g of a.inProgress)
      blocks.push({ type: 'list', title: `${g.group}（${g.issues.length}件）`, items: issueItems(g.issues, true) });
  }
  return reply(`${a.meeting.title} 議題`, blocks);
}

export function minutesReply(title: string, v: MinutesView, canComplete: (ownerId: string | null) => boolean): Reply {
  const blocks: Block[] = [
    card(`${title} 議事録`, [
      { label: '要約', value: v.summary },
      { label: '決定事項', value: v.decisions ?? 'なし' },
      { label: '確認', value: v.confirmed ? '次の会議で確認済み' : '未確認' },
    ]),
  ];
  if (v.items.length > 0) {
    blocks.push({
      type: 'list',
      title: `宿題（${v.items.length}件）`,
      items: v.items.map((i) => ({
        title: `${i.done ? '✓ ' : ''}${truncate(i.description, 40)}`,
        description: `${i.ownerName ?? '担当者なし'}・${i.dueOn ? `${shortDate(i.dueOn)}まで` : '期限なし'}${i.done ? '・完了' : ''}`,
        button: !i.done && canComplete(i.ownerId) ? button('完了', 'kaigi:done', i.id) : undefined,
      })),
    });
  }
  return reply(`${title} 議事録`, blocks);
}
