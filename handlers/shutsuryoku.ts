import type { CommandSpec, HandlerContext } from '../src/chat/registry';
import { reply, textReply } from '../src/chat/replies';
import type { Reply } from '../src/chat/types';
import { shortDateTime } from '../src/chat/format/dates';
import { authorize, decide, personFacts } from '../src/core/access';
import { actorFor } from '../src/core/admin/grants';
import { resolvePerson } from '../src/core/cases/resolve';
import { createExportLink } from '../src/core/export/links';
import { exportUrl } from '../src/platforms/export/routes';
import { persons } from '../db/schema/index';
import { and, eq } from 'drizzle-orm';
import { auditRefusedView, refusalOf } from '../src/core/audit/refusals';
import { UserError } from '../src/core/errors';

async function links(ctx: HandlerContext, scope: 'person' | 'tenant', subjectId: string, what: string): Promise<Reply[]> {
  const csv = await createExportLink(ctx.db, ctx.actor, scope, subjectId, 'csv', ctx.now);
  const html = await createExportLink(ctx.db, ctx.actor, scope, subjectId, 'html', ctx.now);
  return [
    reply(`${what}の出力`, [
      {
        type: 'card',
        title: `${what}の出力（あなたにだけ表示）`,
        fields: [
          { label: 'Excel用（CSV）', value: exportUrl(csv.id, csv.expiresAt) },
          { label: '印刷用（PDF保存もできます）', value: exportUrl(html.id, html.expiresAt) },
          { label: '有効期限', value: `${shortDateTime(csv.expiresAt)}まで・各1回限り` },
        ],
      },
      { type: 'text', text: 'リンクは他の人に転送しないでください。出力は監査ログに記録されます。' },
    ]),
  ];
}

/** 出力: a person's full record (or, for an admin, the tenant's) as CSV and a printable document. */
export const shutsuryokuCommand: CommandSpec = {
  id: 'shutsuryoku',
  aliases: ['出力', 'エクスポート', 'export'],
  label: '出力',
  description: 'ケース記録（計画・相談記録・旧版・二次相談）をCSVと印刷用文書で出力します（本人にだけリンクを表示）',
  usage: '出力 C-0012　/　出力 全件（管理者）',
  async onCommand(ctx, cmd) {
    const text = cmd.text.trim();
    if (text === '') return [textReply('出力したいケースの番号か氏名を続けて入力してください。例: 出力 C-0012')];
    if (text === '全件') {
      authorize(ctx.actor, 'tenant', 'export', { tenantId: ctx.actor.tenantId }, '自治体データの出力');
      return links(ctx, 'tenant', ctx.actor.tenantId, '全データ');
    }
    const hit = await resolvePerson(ctx.db, ctx.actor, text, ctx.now);
    const [p] = await ctx.db.select().from(persons).where(and(eq(persons.id, hit.id), eq(persons.tenantId, ctx.actor.tenantId)));
    // An admin's grant in force counts like the standing rules (the download checks it again).
    const asker = p ? await actorFor(ctx.db, ctx.actor, p.id, ctx.now) : ctx.actor;
    if (!p || !decide(asker, 'person', 'view', personFacts(asker, p))) {
      await auditRefusedView(ctx.db, ctx.actor, hit.id, refusalOf(asker, p), 'export');
      throw new UserError('unknown_person', '該当するケースが見つかりません。', 'export: not visible');
    }
    authorize(asker, 'person', 'export', personFacts(asker, p), 'ケース記録の出力');
    return links(ctx, 'person', p.id, `${p.code} の記録`);
  },
};
