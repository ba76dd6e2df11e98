import type { CommandSpec, HandlerContext } from '../src/chat/registry';
import { reply, textReply } from '../src/chat/replies';
import type { Reply } from '../src/chat/types';
import { shortDateTime } from '../src/core/calendar/format';
import { authorize } from '../src/core/access';
import type { ExportFormat } from '../src/core/export/export';
import { createExportLink } from '../src/core/export/links';
import { exportUrl } from '../src/http/outputs/routes';
import { personToExport } from '../src/core/export/subject';

/** What each link gives, in the order offered. A tenant's whole record has no PDF (thousands of pages). */
const OFFERS: { format: ExportFormat; label: string; note: string; person: boolean; tenant: boolean }[] = [
  { format: 'pdf', label: '印刷用PDF（A4）', note: 'ページ番号・出力日時・出力者入り。監査や保存用', person: true, tenant: false },
  { format: 'html', label: 'スマートフォンで読む', note: 'ブラウザで開きます（印刷もできます）', person: true, tenant: true },
  {
    format: 'csv-sjis',
    label: 'Excel用CSV（Shift_JIS）',
    note: 'どのExcelでもそのまま開けます。表せない文字は〓になります',
    person: true,
    tenant: true,
  },
  { format: 'csv', label: 'Excel用CSV（UTF-8）', note: 'Excel 2016以降。すべての文字をそのまま保存します', person: true, tenant: true },
];

async function links(ctx: HandlerContext, scope: 'person' | 'tenant', subjectId: string, what: string): Promise<Reply[]> {
  const made: { label: string; url: string; note: string }[] = [];
  let expiresAt: Date | null = null;
  for (const o of OFFERS.filter((x) => x[scope])) {
    const link = await createExportLink(ctx.db, ctx.actor, scope, subjectId, o.format, ctx.now);
    expiresAt = link.expiresAt;
    made.push({ label: o.label, url: exportUrl(link.id, link.expiresAt), note: o.note });
  }
  return [
    reply(`${what}の出力`, [
      { type: 'links', title: `${what}の出力（あなたにだけ表示）`, links: made },
      {
        type: 'text',
        text: `リンクは${expiresAt ? `${shortDateTime(expiresAt)}まで` : ''}有効で、それぞれ1回限りです。他の人に転送しないでください。出力は監査ログに記録されます。`,
      },
    ]),
  ];
}

/** 出力: a person's full record (or, for an admin, the tenant's) as CSV and a printable document. */
export const shutsuryokuCommand: CommandSpec = {
  id: 'shutsuryoku',
  aliases: ['出力', 'エクスポート', 'export'],
  label: '出力',
  description:
    '支援経過記録（計画・相談記録・旧版・二次相談）を印刷用PDF・スマートフォン用・Excel用CSVで出力します（本人にだけリンクを表示）',
  usage: '出力 C-0012　/　出力 全件（管理者）',
  async onCommand(ctx, cmd) {
    const text = cmd.text.trim();
    if (text === '') return [textReply('出力したいケースの番号か氏名を続けて入力してください。例: 出力 C-0012')];
    if (text === '全件') {
      authorize(ctx.actor, 'tenant', 'export', { tenantId: ctx.actor.tenantId }, '自治体データの出力');
      return links(ctx, 'tenant', ctx.actor.tenantId, '全データ');
    }
    const p = await personToExport(ctx.db, ctx.actor, text, ctx.now);
    return links(ctx, 'person', p.id, `${p.code} の記録`);
  },
};
