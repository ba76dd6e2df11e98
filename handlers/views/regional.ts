/** How a 地域課題 looks in chat: the issue card with the buttons of its next steps, and the lists. */
import { shortDateTime } from '../../src/core/calendar/format';
import { button, card, reply, truncate } from '../../src/chat/replies';
import type { Button, Field, ListBlock, Reply } from '../../src/chat/types';
import { labelOf, PRIORITIES, PROPOSAL_KINDS, ROUTINGS, STEP_LABELS } from '../../src/core/regional/policy';
import type { IssueListItem, IssueView, ListMode } from '../../src/core/regional/read';

const EVENT_LABELS: Record<string, string> = {
  filed: '提出',
  endorsed: 'うちでも同じ',
  triaged: '運営会議で整理',
  returned: '個別対応へ差し戻し',
  merged: '統合',
  absorbed: '重複を統合',
  progress: '部会での検討',
  proposed: '提案',
  confirmed: '全体会で確認',
  resolved: '解決',
  continued: '継続',
};

export function issueCard(v: IssueView): Reply {
  const i = v.issue;
  const fields: Field[] = [
    { label: '状態', value: labelOf(i.status) + (v.mergedIntoNumber ? `（#${v.mergedIntoNumber} に統合）` : '') },
    { label: '把握した状況', value: i.finding },
  ];
  if (i.resourceGap) fields.push({ label: '不足している資源', value: i.resourceGap });
  if (i.suggestedDirection) fields.push({ label: '考えられる方向性', value: i.suggestedDirection });
  const endorsers = v.endorsements.map((e) => `${e.office} ${e.count}件`).join('、');
  fields.push({
    label: '地域での広がり',
    value: `${v.evidence.offices}事業所・${v.evidence.cases}件（提出: ${v.filerOffice} ${i.affectedCount}件${endorsers ? `／うちでも同じ: ${endorsers}` : ''}${v.mergedNumbers.length ? `／統合: ${v.mergedNumbers.map((n) => `#${n}`).join('・')}` : ''}）`,
  });
  if (i.priority || i.routing) {
    const route = i.routing === 'bukai' ? (v.bodyName ?? ROUTINGS.bukai) : i.routing ? ROUTINGS[i.routing as keyof typeof ROUTINGS] : '';
    fields.push({ label: '整理', value: `優先度 ${PRIORITIES[i.priority as keyof typeof PRIORITIES] ?? '-'}／${route}` });
  }
  if (i.proposalKind)
    fields.push({ label: PROPOSAL_KINDS[i.proposalKind as keyof typeof PROPOSAL_KINDS] ?? '提案', value: i.proposal ?? '' });
  if (v.events.length > 0) {
    fields.push({
      label: '経過',
      value: v.events
        .map((e) => `${shortDateTime(e.at)} ${EVENT_LABELS[e.kind] ?? e.kind}（${e.staff}）${e.note ? `\n  ${truncate(e.note, 80)}` : ''}`)
        .join('\n'),
    });
  }
  const buttons: Button[] = [];
  if (v.canEndorse) buttons.push(button('うちでも同じ', 'kadai:endorse', i.id, 'primary'));
  for (const s of v.steps) buttons.push(button(STEP_LABELS[s], `kadai:${s}`, i.id, s === 'merge' ? 'danger' : undefined));
  return reply(`地域課題 #${i.number}`, [card(`地域課題 #${i.number}: ${i.title}`, fields, buttons.length ? buttons : undefined)]);
}

const LIST_TITLES: Record<ListMode, string> = {
  status: '地域課題（状態別）',
  bukai: '地域課題（専門部会別）',
  endorsed: '地域課題（「うちでも同じ」が多い順）',
  waiting: '運営会議の整理待ち',
};

export function issueList(mode: ListMode, items: IssueListItem[]): ListBlock {
  const title = LIST_TITLES[mode];
  return {
    type: 'list',
    title: items.length === 0 ? `${title}: ありません` : `${title}（${items.length}件）`,
    items: items.map((i) => ({
      title: `#${i.number} ${truncate(i.title, 40)}`,
      description: [
        mode === 'bukai' ? (i.bodyName ?? '') : labelOf(i.status),
        `${i.evidence.offices}事業所・${i.evidence.cases}件`,
        i.priority ? `優先度 ${PRIORITIES[i.priority as keyof typeof PRIORITIES] ?? i.priority}` : '',
        mode === 'bukai' ? labelOf(i.status) : '',
      ]
        .filter(Boolean)
        .join('／'),
      button: button('開く', 'kadai:show', i.id),
    })),
  };
}
