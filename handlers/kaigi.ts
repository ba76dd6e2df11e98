import type { CommandSpec, HandlerContext } from '../src/chat/registry';
import { button, card, reply, textReply } from '../src/chat/replies';
import type { Button, FormSubmission, Reply } from '../src/chat/types';
import { shortDate } from '../src/core/calendar/format';
import { jstDateOf, jstToday } from '../src/core/calendar/jst';
import { UserError } from '../src/core/errors';
import { mayManage, mayRecordMinutes } from '../src/core/meetings/access';
import { buildAgenda } from '../src/core/meetings/agenda';
import { hasCaseRole, isCouncilStaff } from '../src/core/meetings/kinds';
import { completeActionItem, confirmMinutes, loadMinutes, recordMinutes } from '../src/core/meetings/minutes';
import { importMeetingPlan } from '../src/core/meetings/plan-import';
import { createMeeting } from '../src/core/meetings/schedule';
import { tenantStaff } from '../src/core/meetings/staff';
import { cancelMeeting, listUpcoming, loadMeetingFor, type MeetingDetail } from '../src/core/meetings/view';
import {
  IMPORT_FORM,
  importForm,
  MINUTES_FORM,
  minutesForm,
  meetingForm,
  NEW_FORM,
  readImportForm,
  readMeetingForm,
  readMinutesForm,
} from './kaigi/forms';
import { actionItemsNotice, agendaReply, attendeeNotice, meetingCard, meetingList, minutesReply } from './kaigi/render';
import { calendarReply, renewCalendar, stopCalendar, withIcsLink } from './kaigi/calendar';

const USAGE =
  '使い方: 会議（今後の会議）／会議 新規／会議 議題（次の運営会議）／会議 取込（年間計画CSV）／会議 カレンダー（スマートフォンのカレンダーで購読）';

async function listReply(ctx: HandlerContext): Promise<Reply[]> {
  const items = await listUpcoming(ctx.db, ctx.actor, ctx.now);
  const buttons: Button[] = mayScheduleAny(ctx) ? [button('会議を登録', 'kaigi:new', '', 'primary')] : [];
  if (isCouncilStaff(ctx.actor))
    buttons.push(button('運営会議の議題', 'kaigi:agenda', ''), button('年間計画を取り込む', 'kaigi:import', ''));
  buttons.push(button('カレンダーで購読', 'kaigi:calendar', ''));
  return [meetingList(items, buttons)];
}

const mayScheduleAny = (ctx: HandlerContext) => isCouncilStaff(ctx.actor) || hasCaseRole(ctx.actor);

async function newForm(ctx: HandlerContext, values?: FormSubmission['values']): Promise<Reply[]> {
  if (!mayScheduleAny(ctx)) throw new UserError('forbidden', '会議を登録する権限がありません。', 'no role to schedule meetings');
  return [reply('会議の登録', [meetingForm(ctx, await tenantStaff(ctx.db, ctx.actor.tenantId), values)])];
}

function detailButtons(ctx: HandlerContext, m: MeetingDetail): Button[] {
  const out: Button[] = [];
  if (m.cancelled) return out;
  if (m.kind === 'unei') out.push(button('議題', 'kaigi:agenda', m.id));
  const held = jstDateOf(m.startsAt) <= jstToday(ctx.now);
  if (m.hasMinutes) out.push(button('議事録', 'kaigi:viewminutes', m.id));
  else if (held && mayRecordMinutes(ctx.actor, m.scope)) out.push(button('議事録を登録', 'kaigi:minutes', m.id, 'primary'));
  if (mayManage(ctx.actor, m.scope)) out.push(button('中止する', 'kaigi:cancel', m.id, 'danger'));
  return out;
}

async function show(ctx: HandlerContext, id: string): Promise<Reply[]> {
  const m = await loadMeetingFor(ctx.db, ctx.actor, id);
  return [withIcsLink(ctx, meetingCard(m, detailButtons(ctx, m)), m)];
}

async function agenda(ctx: HandlerContext, meetingId: string): Promise<Reply[]> {
  const a = await buildAgenda(ctx.db, ctx.actor, meetingId === '' ? null : meetingId, ctx.now);
  return [agendaReply(a, mayManage(ctx.actor, a.meeting.scope))];
}

async function submitNew(ctx: HandlerContext, form: FormSubmission): Promise<Reply[]> {
  const input = await readMeetingForm(ctx, form);
  const m = await createMeeting(ctx.db, ctx.actor, input, ctx.now);
  const detail = await loadMeetingFor(ctx.db, ctx.actor, m.id);
  const note = `出席者${m.attendeeIds.length}人にお知らせし、リマインドを${m.reminders}件設定しました。`;
  const notices = m.attendeeIds.filter((id) => id !== ctx.actor.staffId).map((id) => attendeeNotice(id, { ...detail }, '会議のお知らせ'));
  return [withIcsLink(ctx, meetingCard(detail, detailButtons(ctx, detail), `会議を登録しました。${note}`), detail), ...notices];
}

async function cancel(ctx: HandlerContext, id: string, confirmed: boolean): Promise<Reply[]> {
  if (!confirmed) {
    const m = await loadMeetingFor(ctx.db, ctx.actor, id);
    if (!mayManage(ctx.actor, m.scope))
      throw new UserError('forbidden', 'この会議を中止できるのは登録した職員か協議会事務局です。', 'may not cancel meeting');
    return [
      reply('会議の中止', [
        card(
          `「${m.title}」を中止しますか？`,
          [{ label: '出席者', value: `${m.attendees.length}人に中止をお知らせします` }],
          [button('中止する', 'kaigi:cancelyes', m.id, 'danger')],
        ),
      ]),
    ];
  }
  const m = await cancelMeeting(ctx.db, ctx.actor, id, ctx.now);
  const notices = m.attendees.filter((a) => a.id !== ctx.actor.staffId).map((a) => attendeeNotice(a.id, m, '会議中止のお知らせ'));
  return [{ ...textReply(`「${m.title}」を中止しました。リマインドも取り消しました。`), replaceOriginal: true }, ...notices];
}

async function submitMinutes(ctx: HandlerContext, form: FormSubmission): Promise<Reply[]> {
  const meetingId = form.context ?? '';
  const saved = await recordMinutes(ctx.db, ctx.actor, meetingId, readMinutesForm(ctx, form), ctx.now);
  const m = await loadMeetingFor(ctx.db, ctx.actor, meetingId);
  // Each owner gets their own 宿題: what, and by when.
  const notices = [...new Set(saved.items.map((i) => i.ownerId))]
    .filter((id) => id !== ctx.actor.staffId)
    .map((id) =>
      actionItemsNotice(
        id,
        m,
        saved.items.filter((i) => i.ownerId === id),
      ),
    );
  return [textReply(`議事録を登録しました。宿題${saved.items.length}件を担当者に割り当て、期限のリマインドを設定しました。`), ...notices];
}

async function submitImport(ctx: HandlerContext, form: FormSubmission): Promise<Reply[]> {
  const today = jstToday(ctx.now);
  const { fiscalYear, mode, csv } = readImportForm(ctx, form);
  const dryRun = mode === 'check';
  const res = await importMeetingPlan(ctx.db, ctx.actor, csv, { fiscalYear, dryRun, includePast: mode === 'import-past' }, ctx.now);
  if (res.errors.length > 0) {
    const text = `誤りが${res.errors.length}件あります。何も登録していません。直してからもう一度送信してください。\n${res.errors.join('\n')}`;
    return [
      reply(`年間計画: 誤り${res.errors.length}件`, [
        { type: 'text', text },
        importForm(today, { ...form.values, mode: 'check' }, { csv: res.errors.join('\n') }),
      ]),
    ];
  }
  const skipped = res.skipped > 0 ? `登録済みの${res.skipped}件は取り込みません（同じ種別・会議名・日時の会議がすでにあります）。` : '';
  const pastWarning = res.past.length > 0 ? pastText(res.past) : '';
  const next = res.past.length > 0 ? 'import-past' : 'import';
  if (dryRun) {
    const text = [
      `${fiscalYear}年度の${res.rows.length}件の会議に誤りはありません。`,
      skipped,
      pastWarning,
      res.rows.length === res.skipped
        ? '新しく登録する会議はありません。'
        : `取り込むには「${next === 'import' ? '確認して取り込む' : '過去の会議も含めて取り込む'}」を選んで送信してください。`,
    ]
      .filter(Boolean)
      .join('\n');
    return [reply('年間計画: 誤りなし', [{ type: 'text', text }, importForm(today, { ...form.values, mode: next })])];
  }
  if (res.created === 0 && res.past.length > 0) {
    // Asked to import, but the file has past meetings: nothing is written without a clear yes.
    const text = `${pastWarning}\n何も登録していません。過去の会議も登録してよければ「過去の会議も含めて取り込む」を選んで送信してください。${skipped ? `\n${skipped}` : ''}`;
    return [reply('年間計画: 過去の会議があります', [{ type: 'text', text }, importForm(today, { ...form.values, mode: 'import-past' })])];
  }
  const pastDone = res.past.length > 0 ? `（うち過去の日付の会議${res.past.length}件は記録として登録し、リマインドは送りません）` : '';
  return [
    textReply(
      `${fiscalYear}年度の年間計画を取り込みました。新しい会議${res.created}件${pastDone}。${skipped}出席者へのリマインドも設定しました。`,
    ),
  ];
}

/** The warning about past meetings in a plan: how many and which lines. */
function pastText(past: { line: number; date: string }[]): string {
  const shown = past
    .slice(0, 10)
    .map((r) => `${r.line}行目（${shortDate(r.date)}）`)
    .join('、');
  return `⚠ 今日より前の日付の会議が${past.length}件あります: ${shown}${past.length > 10 ? ' ほか' : ''}。取り込むと過去の会議として登録されます（リマインドは送りません）。`;
}

async function onSub(ctx: HandlerContext, text: string): Promise<Reply[]> {
  const word = text.normalize('NFKC').trim();
  if (word === '') return listReply(ctx);
  if (['新規', '登録', 'new', 'しんき'].includes(word)) return newForm(ctx);
  if (['議題', 'agenda', 'ぎだい'].includes(word)) return agenda(ctx, '');
  if (['カレンダー', 'かれんだー', 'calendar', 'ics'].includes(word.toLowerCase())) return calendarReply(ctx);
  if (['取込', '取り込み', '取込み', 'import', 'とりこみ'].includes(word)) {
    if (!isCouncilStaff(ctx.actor))
      throw new UserError(
        'forbidden',
        '年間計画を取り込めるのは協議会事務局・行政・基幹相談支援センターの職員です。',
        'plan import by non-council staff',
      );
    return [reply('年間計画の取り込み', [importForm(jstToday(ctx.now))])];
  }
  return [textReply(USAGE)];
}

export const kaigiCommand: CommandSpec = {
  id: 'kaigi',
  aliases: ['会議', 'かいぎ'],
  label: '会議',
  description: '会議の予定・登録・運営会議の議題・議事録と宿題（本人にだけ表示）',
  usage: '会議　/　会議 新規　/　会議 議題　/　会議 取込　/　会議 カレンダー',
  menu: true,
  onCommand: (ctx, cmd) => onSub(ctx, cmd.text),
  async onAction(ctx, action) {
    switch (action.id) {
      case 'kaigi:new':
        return newForm(ctx);
      case 'kaigi:show':
        return show(ctx, action.value);
      case 'kaigi:agenda':
        return agenda(ctx, action.value);
      case 'kaigi:import':
        return onSub(ctx, '取込');
      case 'kaigi:minutes': {
        const m = await loadMeetingFor(ctx.db, ctx.actor, action.value);
        if (!mayRecordMinutes(ctx.actor, m.scope))
          throw new UserError('forbidden', '議事録を登録できるのは出席者か会議を登録した職員です。', 'may not record minutes');
        return [reply('議事録の登録', [minutesForm(m.id, m.title)])];
      }
      case 'kaigi:viewminutes': {
        const m = await loadMeetingFor(ctx.db, ctx.actor, action.value);
        const v = await loadMinutes(ctx.db, ctx.actor, m.id);
        if (!v) return [textReply('この会議の議事録はまだ登録されていません。')];
        return [minutesReply(m.title, v, (ownerId) => ownerId === ctx.actor.staffId || mayManage(ctx.actor, m.scope))];
      }
      case 'kaigi:calendar':
        return calendarReply(ctx);
      case 'kaigi:calrenew':
        return renewCalendar(ctx);
      case 'kaigi:calstop':
        return stopCalendar(ctx);
      case 'kaigi:cancel':
        return cancel(ctx, action.value, false);
      case 'kaigi:cancelyes':
        return cancel(ctx, action.value, true);
      case 'kaigi:done': {
        const done = await completeActionItem(ctx.db, ctx.actor, action.value, ctx.now);
        return [textReply(`宿題「${done.description}」を完了にしました。`)];
      }
      case 'kaigi:confirm':
        await confirmMinutes(ctx.db, ctx.actor, action.value, ctx.now);
        return [textReply('前回の議事録を確認済みにしました。')];
      default:
        throw new UserError('unknown_action', 'この操作には対応していません。', `unknown action ${action.id}`);
    }
  },
  async onForm(ctx, form) {
    if (form.formId === NEW_FORM) return submitNew(ctx, form);
    if (form.formId === MINUTES_FORM) return submitMinutes(ctx, form);
    if (form.formId === IMPORT_FORM) return submitImport(ctx, form);
    throw new UserError('unknown_form', 'このフォームには対応していません。', `unknown form ${form.formId}`);
  },
};
