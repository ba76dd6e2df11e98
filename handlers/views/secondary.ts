/** How a 二次相談 looks in chat: the request card with its buttons, and the lists. */
import { shortDate, shortDateTime } from '../../src/core/calendar/format';
import { button, card, reply, truncate } from '../../src/chat/replies';
import type { Button, Field, ListBlock, Reply } from '../../src/chat/types';
import { jstDateOf } from '../../src/core/calendar/jst';
import { URGENCY } from '../../src/core/vocabulary';
import type { SecondaryListItem } from '../../src/core/secondary/lists';
import { POST_KINDS, SECONDARY_STATUS_LABELS, type SecondaryStatus } from '../../src/core/secondary/policy';
import type { SecondaryView } from '../../src/core/secondary/view';

const statusLabel = (s: string) => SECONDARY_STATUS_LABELS[s as SecondaryStatus] ?? s;
const urgencyLabel = (u: string) => URGENCY[u as keyof typeof URGENCY] ?? u;
const postLabel = (k: string) => (k === 'transition' ? '経過' : (POST_KINDS[k as keyof typeof POST_KINDS] ?? k));

export function secondaryCard(v: SecondaryView): Reply {
  const r = v.row;
  const fields: Field[] = [];
  if (v.person) fields.push({ label: 'ケース', value: `${v.person.name}（${v.person.code}）` });
  else if (v.identityHidden) fields.push({ label: 'ケース', value: '非開示（情報共有の同意がないため匿名化しています）' });
  else fields.push({ label: 'ケース', value: 'ケース指定なし（匿名の状況説明）' });
  const profile = [v.profile.ageBand, v.profile.category].filter(Boolean).join('・');
  if (profile) fields.push({ label: '年代・障害種別', value: profile });
  if (v.profile.situation) fields.push({ label: '状況', value: v.profile.situation });
  fields.push(
    { label: '困りごと', value: r.difficulties.join('・') },
    { label: '希望する支援', value: r.helpWanted.join('・') },
    { label: 'これまでの対応', value: v.tried },
    { label: '相談したいこと', value: v.question },
    { label: '依頼', value: `${v.requesterOffice} / ${v.requesterName}（${shortDateTime(r.createdAt)}）` },
  );
  if (v.takerName) fields.push({ label: '担当', value: `${v.takerName}${r.takenAt ? `（${shortDateTime(r.takenAt)} 受付）` : ''}` });
  if (r.outcome) fields.push({ label: '結果', value: r.outcome });
  const thread = v.posts.filter((p) => p.kind !== 'transition' || p.body.startsWith('終結'));
  if (thread.length > 0) {
    fields.push({
      label: 'やりとり',
      value: thread
        .slice(-6)
        .map((p) => `${shortDateTime(p.at)} ${p.author}【${postLabel(p.kind)}】\n  ${truncate(p.body, 120)}`)
        .join('\n'),
    });
  }
  const buttons: Button[] = [];
  if (v.may.take) buttons.push(button('受付', 'niji:accept', r.id, 'primary'));
  if (v.may.start) buttons.push(button('対応開始', 'niji:start', r.id, 'primary'));
  if (v.may.post.length > 0) buttons.push(button('書き込む', 'niji:post', r.id));
  if (v.may.close) buttons.push(button('終結', 'niji:close', r.id, 'danger'));
  const subtitle = `${urgencyLabel(r.urgency)}${r.escalatedAt ? '（管理者へ連絡済み）' : ''}`;
  return reply(`二次相談 #${r.number}（${statusLabel(r.status)}）`, [
    card(`二次相談 #${r.number}【${statusLabel(r.status)}】`, fields, buttons.length ? buttons : undefined, subtitle),
  ]);
}

function waited(h: number): string {
  if (h < 1) return `${Math.round(h * 60)}分`;
  return `${Math.floor(h * 10) / 10}時間`;
}

export function secondaryList(title: string, items: SecondaryListItem[], empty: string, withWaiting: boolean): ListBlock {
  return {
    type: 'list',
    title: items.length === 0 ? `${title}: ${empty}` : `${title}（${items.length}件）`,
    items: items.map((i) => ({
      title: `#${i.number}${i.urgency === 'urgent' ? '【至急】' : ''} ${statusLabel(i.status)}${i.mine === 'taken' ? '（担当）' : ''}`,
      description: [
        `${i.office}　${i.difficulties.join('・')}`,
        withWaiting
          ? `${shortDate(jstDateOf(i.createdAt))} 依頼・業務時間で${waited(i.waitingHours)}待ち`
          : `${shortDate(jstDateOf(i.createdAt))} 依頼`,
      ].join('\n'),
      button: button('開く', 'niji:show', i.id),
    })),
  };
}
