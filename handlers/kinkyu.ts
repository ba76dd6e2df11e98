import { formText } from '../src/chat/forms';
import type { CommandSpec } from '../src/chat/registry';
import { reply, textReply } from '../src/chat/replies';
import { hasScope } from '../src/core/access';
import { breakGlassOpenByCode, MIN_REASON } from '../src/core/abuse/break-glass';
import { caseCode } from '../src/core/cases/search';
import { UserError } from '../src/core/errors';
import { renderCase } from './case';

const CODE = /^(?:c-?)?(\d{1,8})$/i;

/**
 * 緊急閲覧 (break-glass): a 基幹 member opens a person without consent in an emergency, by case
 * code and a stated reason. The person's office managers are told at once; the audit log keeps it.
 */
export const kinkyuCommand: CommandSpec = {
  id: 'kinkyu',
  aliases: ['緊急閲覧', 'きんきゅう'],
  label: '緊急閲覧',
  description: '基幹: 同意のないケースを緊急時（虐待の疑いなど）に理由を記録して開きます。事業所の管理者に通知されます',
  usage: '緊急閲覧 C-0012',
  async onCommand(ctx, cmd) {
    if (!hasScope(ctx.actor, 'person', 'view', 'break_glass')) {
      throw new UserError('forbidden', 'この操作（緊急閲覧）を行う権限がありません。', 'break-glass by non-kikan');
    }
    const code = CODE.exec(cmd.text.normalize('NFKC').trim());
    if (!code) return [textReply('ケース番号を続けて入力してください。例: 緊急閲覧 C-0012')];
    return [
      reply('緊急閲覧', [
        {
          type: 'form',
          formId: 'kinkyu:open',
          title: `緊急閲覧 ${caseCode(Number(code[1]))}（同意なし）`,
          submitLabel: '理由を記録して開く',
          context: caseCode(Number(code[1])),
          fields: [
            {
              name: 'reason',
              label: `緊急の理由（${MIN_REASON}文字以上。事業所の管理者に通知されます）`,
              type: 'longtext',
              required: true,
              maxLength: 500,
            },
          ],
        },
      ]),
    ];
  },
  async onForm(ctx, form) {
    if (form.formId !== 'kinkyu:open')
      throw new UserError('unknown_form', 'このフォームには対応していません。', `unknown form ${form.formId}`);
    const view = await breakGlassOpenByCode(ctx.db, ctx.actor, form.context ?? '', formText(form, 'reason'), ctx.now);
    const card = renderCase(view);
    card.blocks.push({ type: 'text', text: '⚠ 緊急閲覧として記録し、事業所の管理者に通知しました（24時間有効）。' });
    return [card];
  },
};
