import { z } from 'zod';
import type { CommandSpec, HandlerContext } from '../src/chat/registry';
import { button, card, reply, textReply, truncate } from '../src/chat/replies';
import type { Field, Reply } from '../src/chat/types';
import { formatJpDate } from '../src/core/calendar/wareki';
import { searchPersons } from '../src/core/cases/search';
import { mayLookUpCases, openPerson } from '../src/core/admin/grants';
import { UNKNOWN_COMMAND_MESSAGE } from '../src/chat/parse';
import type { CaseView } from '../src/core/cases/view';
import { auditRefusedView } from '../src/core/audit/refusals';
import { UserError } from '../src/core/errors';
import { monthLabel, shortDate, shortDateTime } from '../src/core/calendar/format';

const MONITORING_STATUS: Record<string, string> = {
  due: '今月・未実施',
  overdue: '未実施のまま経過',
  upcoming: '予定',
  done: '実施済み',
};
const CERT_STATUS: Record<string, string> = { valid: '', renewal_due: '（更新手続きの時期です）', expired: '（期限切れ）' };
const SECONDARY_STATUS: Record<string, string> = { requested: '依頼中', accepted: '受付済み', in_progress: '対応中', closed: '終結' };

function monitoringLine(plan: NonNullable<CaseView['plan']>): string {
  const overdue = plan.monitoring.months.filter((m) => m.status === 'overdue').map((m) => monthLabel(m.month));
  const next = plan.monitoring.nextMonitoringMonth;
  const nextStatus = plan.monitoring.months.find((m) => m.month === next)?.status;
  const parts = [next ? `${monthLabel(next)} ${MONITORING_STATUS[nextStatus ?? 'upcoming']}` : '今期の予定なし'];
  parts.push(`（${plan.ruleLabel}）`);
  if (overdue.length > 0) parts.push(`\n⚠ 未実施: ${overdue.join('、')}`);
  for (const w of plan.monitoringWarnings) {
    parts.push(
      w.kind === 'last_month_added'
        ? `\n⚠ 実施標準月に支給決定期間の最終月がないため、${monthLabel(w.month)}を加えています（終期月には必ずモニタリングを行います）。市町村の指定を確認してください。`
        : `\n⚠ ${monthLabel(w.month)}は${monthLabel(w.from)}からの変更で、過ぎてからモニタリング月になりました（未記録）。`,
    );
  }
  return parts.join('');
}

/** The case card: everything a counselor needs on a phone, in about a dozen lines. */
export function renderCase(view: CaseView): Reply {
  const p = view.person;
  const fields: Field[] = [{ label: '担当', value: `${view.officeName}${view.counselorName ? ` / ${view.counselorName}` : ''}` }];
  if (view.plan) {
    fields.push({ label: '次回モニタリング', value: monitoringLine(view.plan) });
    if (view.plan.next) {
      const n = view.plan.next;
      fields.push({
        label: '次の支給決定',
        value: `${formatJpDate(n.periodStart)}〜${formatJpDate(n.periodEnd)}（${n.ruleLabel}）\nモニタリング月: ${n.months.map(monthLabel).join('・')}`,
      });
    }
    if (view.plan.certificateEnd) {
      fields.push({
        label: '受給者証',
        value: `${formatJpDate(view.plan.certificateEnd)}まで${CERT_STATUS[view.plan.certificateStatus ?? 'valid']}`,
      });
    }
  } else {
    fields.push({ label: '計画', value: '登録されている計画はありません' });
  }
  fields.push({
    label: '直近の記録',
    value:
      view.recent.length === 0
        ? 'まだありません'
        : view.recent
            .map((r) => `${shortDate(r.occurredOn)} ${r.method}・${r.kind}${r.edited ? '（編集済み）' : ''}\n  ${truncate(r.summary, 40)}`)
            .join('\n'),
  });
  if (view.openSecondary.length > 0) {
    fields.push({
      label: '二次相談',
      value: view.openSecondary
        .map((s) => `#${s.number} ${SECONDARY_STATUS[s.status] ?? s.status}${s.urgency === 'urgent' ? '（至急）' : ''}`)
        .join('、'),
    });
  }
  if (view.upcomingMeetings.length > 0) {
    fields.push({ label: '会議', value: view.upcomingMeetings.map((m) => `${shortDateTime(m.startsAt)} ${m.title}`).join('\n') });
  }
  const subtitle = `${p.code}　${p.familyKana} ${p.givenKana}${view.grant === 'kikan_consent' ? '　※同意に基づく閲覧' : ''}`;
  return reply(`${p.code} のケース情報`, [
    // 「記録する」 only for those who may record about this person: never a form that will be refused.
    // 支給決定 and 同意 likewise: only the person's own office enters them.
    card(
      `${p.familyName} ${p.givenName}`,
      fields,
      view.canRecord
        ? [button('記録する', 'soudan:new', p.id, 'primary'), button('支給決定', 'shikyu:menu', p.id), button('同意', 'doui:show', p.id)]
        : undefined,
      subtitle,
    ),
  ]);
}

const idSchema = z.uuid();

/** Free text that is neither a command nor anyone's name or code. */
const IMPLICIT_NOT_FOUND =
  'コマンドが分かりませんでした。該当するケースも見つかりません（氏名・かな・ローマ字・ケース番号で探せます）。「ヘルプ」と送ると使えるコマンドが表示されます。';

async function showCase(ctx: HandlerContext, personId: string): Promise<Reply[]> {
  if (!idSchema.safeParse(personId).success) {
    await auditRefusedView(ctx.db, ctx.actor, personId, 'malformed_id', 'case_card');
    throw new UserError('unknown_person', '該当するケースが見つかりません。', 'malformed person id');
  }
  // openPerson applies admin grants and abuse-alert access on top of the ordinary rule.
  return [renderCase(await openPerson(ctx.db, ctx.actor, personId, ctx.now))];
}

export const caseCommand: CommandSpec = {
  id: 'case',
  aliases: ['ケース', 'けーす', '検索'],
  label: 'ケース',
  description: '担当ケースを氏名・かな・ローマ字・ケース番号で探します（本人にだけ表示）。氏名やケース番号だけを送っても探せます',
  usage: 'ケース 山田　/　/case C-0012　/　山田　/　C-0012',
  menu: true,
  async onCommand(ctx, cmd) {
    if (cmd.text === '') {
      return [
        textReply(
          '探したい方の氏名（漢字・かなの一部でも可）かケース番号を続けて入力してください。\n例: ケース 山田　/　ケース やまだ　/　ケース C-0012',
        ),
      ];
    }
    // Free text (「山田」 with no command word) is a lookup only for those who may search cases.
    if (cmd.implicit && !(await mayLookUpCases(ctx.db, ctx.actor, ctx.now))) return [textReply(UNKNOWN_COMMAND_MESSAGE)];
    const { hits, fuzzy } = await searchPersons(ctx.db, ctx.actor, cmd.text, ctx.now);
    if (hits.length === 0) {
      return [
        textReply(
          cmd.implicit ? IMPLICIT_NOT_FOUND : '該当するケースが見つかりません。氏名の一部・かな・ケース番号でもう一度お試しください。',
        ),
      ];
    }
    const only = hits[0];
    if (hits.length === 1 && !fuzzy && only) return showCase(ctx, only.id);
    return [
      reply(fuzzy ? 'もしかして' : `${hits.length}件見つかりました`, [
        {
          type: 'list',
          title: fuzzy ? '完全に一致するケースはありません。もしかして:' : `${hits.length}件見つかりました。選んでください:`,
          items: hits.map((h) => ({
            title: `${h.familyName} ${h.givenName}`,
            description: `${h.code}　${h.familyKana} ${h.givenKana}`,
            button: button('開く', 'case:show', h.id),
          })),
        },
      ]),
    ];
  },
  async onAction(ctx, action) {
    if (action.id === 'case:show') return showCase(ctx, action.value);
    throw new UserError('unknown_action', 'この操作には対応していません。', `unknown action ${action.id}`);
  },
};
