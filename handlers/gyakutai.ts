import { z } from 'zod';
import type { CommandSpec, HandlerContext } from '../src/chat/registry';
import { button, reply, textReply } from '../src/chat/replies';
import type { Reply } from '../src/chat/types';
import { shortDate, shortDateTime } from '../src/core/calendar/format';
import { acknowledgeAlert, alertPerson, listAlerts } from '../src/core/abuse/alerts';
import { openPerson } from '../src/core/admin/grants';
import { UserError } from '../src/core/errors';
import { renderCase } from './case';

const alertId = (v: string): string => {
  const p = z.uuid().safeParse(v);
  if (!p.success) throw new UserError('unknown_alert', 'その通報は見つかりません。', 'malformed alert id');
  return p.data;
};

async function list(ctx: HandlerContext, all: boolean): Promise<Reply[]> {
  const alerts = await listAlerts(ctx.db, ctx.actor, { includeAcknowledged: all });
  if (alerts.length === 0) return [textReply(all ? '虐待の疑いの通報はありません。' : '未確認の虐待の疑いの通報はありません。')];
  return [
    reply(`虐待の疑いの通報 ${alerts.length}件`, [
      {
        type: 'list',
        title: all ? '虐待の疑いの通報（未確認が先）' : '未確認の虐待の疑いの通報。内容を確認し「確認しました」を押してください。',
        items: alerts.map((a) => ({
          title: `${a.label} ${a.officeName}`,
          description: `${a.personCode ?? '一般相談'}　相談日 ${shortDate(a.occurredOn)}　${a.acknowledgedAt ? `確認済み ${shortDateTime(a.acknowledgedAt)}` : `未確認（通知 ${shortDateTime(a.createdAt)}${a.escalations > 0 ? `、再通知${a.escalations}回` : ''}）`}`,
          button: a.acknowledgedAt ? button('記録を開く', 'gyakutai:open', a.id) : button('確認しました', 'gyakutai:ack', a.id, 'primary'),
        })),
      },
    ]),
  ];
}

/** 虐待: the 虐待防止センター contact's list of alerts, acknowledgement, and the record behind one. */
export const gyakutaiCommand: CommandSpec = {
  id: 'gyakutai',
  aliases: ['虐待', '虐待通報', 'ぎゃくたい'],
  label: '虐待通報',
  description: '虐待の疑いの通報を一覧し、確認済みにします（虐待防止窓口）',
  usage: '虐待　/　虐待 すべて',
  async onCommand(ctx, cmd) {
    return list(ctx, /すべて|全部|all/i.test(cmd.text));
  },
  async onAction(ctx, action) {
    if (action.id === 'gyakutai:ack') {
      const r = await acknowledgeAlert(ctx.db, ctx.actor, alertId(action.value), ctx.now);
      return [
        {
          ...textReply(r.already ? `${r.label} は確認済みです。` : `${r.label} を確認済みにしました。再通知は止まります。`),
          replaceOriginal: true,
        },
      ];
    }
    if (action.id === 'gyakutai:open') {
      const { personId } = await alertPerson(ctx.db, ctx.actor, alertId(action.value));
      if (!personId) return [textReply('この通報は一般相談（ケース未登録）の記録です。記録した事業所に確認してください。')];
      return [renderCase(await openPerson(ctx.db, ctx.actor, personId, ctx.now))];
    }
    throw new UserError('unknown_action', 'この操作には対応していません。', `unknown action ${action.id}`);
  },
};
