import type { CommandSpec, HandlerContext } from '../src/chat/registry';
import { button, reply, textReply } from '../src/chat/replies';
import { ROLE_LABELS, type Reply, type Role } from '../src/chat/types';
import { authorize } from '../src/core/access';
import { listStaff, parseRoles, setRoles, staffByNameOrId, type AdminContext } from '../src/core/admin/directory';
import { grantAccessByCode } from '../src/core/admin/grants';
import { verifyAuditChain } from '../src/core/audit/verify';
import { UserError } from '../src/core/errors';
import { createLinkCode } from '../src/core/staff/link';

const USAGE = [
  '管理 職員 … 職員と役割・連携状況の一覧',
  '管理 連携コード 氏名 … 連携用の一回限りのコード（30分有効）',
  '管理 役割 氏名 相談支援専門員・事業所管理者 … 役割の変更（主任、基幹、事務局、行政、虐待防止窓口、管理者も可）',
  '管理 閲覧許可 氏名 C-0012 日数 理由 … 行政などへの期間限定の閲覧許可',
  '管理 監査 … 監査ログの改ざん検査',
].join('\n');

const ctxOf = (ctx: HandlerContext): AdminContext => ({ by: ctx.actor.staffId, platform: ctx.actor.platform });

async function staffList(ctx: HandlerContext): Promise<Reply[]> {
  const rows = await listStaff(ctx.db, ctx.actor.tenantId);
  return [
    reply(`職員 ${rows.length}名`, [
      {
        type: 'list',
        title: `職員 ${rows.length}名（役割・チャット連携）`,
        items: rows.slice(0, 50).map((s) => ({
          title: `${s.name}${s.active ? '' : '（無効）'}`,
          description: `${s.office}　${s.roles.map((r) => ROLE_LABELS[r as Role] ?? r).join('・')}　${s.linked > 0 ? '連携済み' : '未連携'}`,
          button: s.active ? button('連携コード', 'admin:code', s.id) : undefined,
        })),
      },
    ]),
  ];
}

async function linkCode(ctx: HandlerContext, who: string): Promise<Reply[]> {
  const s = await staffByNameOrId(ctx.db, ctx.actor.tenantId, who);
  const code = await createLinkCode(ctx.db, ctx.actor.tenantId, s.id, ctx.now);
  return [
    textReply(
      `${s.name} さんの連携コード: ${code}\n30分以内に、本人のチャットアカウントからボットへ「連携 ${code}」と送ってもらってください。コードは本人にだけ伝えてください。`,
    ),
  ];
}

/** 管理: administration for a tenant's admins, on any platform. Every change is audited in core. */
export const adminCommand: CommandSpec = {
  id: 'admin',
  aliases: ['管理', 'かんり'],
  label: '管理',
  description: '管理者: 職員の一覧・役割・チャット連携コード・閲覧許可・監査ログの検査',
  usage: '管理 職員　/　管理 連携コード 青木さくら',
  async onCommand(ctx, cmd) {
    authorize(ctx.actor, 'tenant', 'administer', { tenantId: ctx.actor.tenantId }, '管理');
    const [verb = '', ...args] = cmd.text.split(/\s+/).filter(Boolean);
    switch (verb) {
      case '':
        return [textReply(`使い方:\n${USAGE}`)];
      case '職員':
        return staffList(ctx);
      case '連携コード':
        if (!args[0]) return [textReply('職員の氏名を続けて入力してください。例: 管理 連携コード 青木さくら')];
        return linkCode(ctx, args.join(''));
      case '役割': {
        if (args.length < 2) return [textReply('例: 管理 役割 青木さくら 相談支援専門員・事業所管理者')];
        const s = await staffByNameOrId(ctx.db, ctx.actor.tenantId, args.slice(0, -1).join(''));
        const roles = parseRoles(args.at(-1) ?? '');
        await setRoles(ctx.db, ctxOf(ctx), ctx.actor.tenantId, s.id, roles);
        return [textReply(`${s.name} さんの役割を ${roles.map((r) => ROLE_LABELS[r]).join('・')} にしました。`)];
      }
      case '閲覧許可': {
        const [who, code, days, ...reason] = args;
        if (!who || !code || !days || reason.length === 0)
          return [textReply('例: 管理 閲覧許可 小川ゆい C-0012 7 虐待対応の事実確認のため')];
        const s = await staffByNameOrId(ctx.db, ctx.actor.tenantId, who);
        await grantAccessByCode(
          ctx.db,
          ctx.actor,
          { staffId: s.id, code, days: Number(days.normalize('NFKC')), reason: reason.join(' ') },
          ctx.now,
        );
        return [textReply(`${s.name} さんに ${code} の閲覧を${days}日間許可しました（監査ログに記録）。`)];
      }
      case '監査': {
        const r = await verifyAuditChain(ctx.db, { tenantId: ctx.actor.tenantId });
        const head = r.heads[0];
        return [
          textReply(
            r.ok
              ? `監査ログは改ざんされていません（${head?.rows ?? 0}件、最新 #${head?.seq ?? 0}）。`
              : `⚠ 監査ログに不整合があります: ${r.problems
                  .slice(0, 5)
                  .map((p) => `#${p.seq} ${p.kind}`)
                  .join('、')}。運用担当者に連絡してください。`,
          ),
        ];
      }
      default:
        return [textReply(`使い方:\n${USAGE}`)];
    }
  },
  async onAction(ctx, action) {
    authorize(ctx.actor, 'tenant', 'administer', { tenantId: ctx.actor.tenantId }, '管理');
    if (action.id === 'admin:code') return linkCode(ctx, action.value);
    throw new UserError('unknown_action', 'この操作には対応していません。', `unknown action ${action.id}`);
  },
};
