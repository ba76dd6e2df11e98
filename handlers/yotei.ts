import { formList, formText } from '../src/chat/forms';
import { shortDateTime } from '../src/core/calendar/format';
import type { CommandSpec, HandlerContext } from '../src/chat/registry';
import { button, card, reply } from '../src/chat/replies';
import type { Block, FormBlock, Reply } from '../src/chat/types';
import { writeAudit } from '../src/core/audit/write';
import { isIsoDate, jstToday, WEEKDAYS_JA } from '../src/core/calendar/jst';
import { parseJapaneseDate } from '../src/core/calendar/parse-date';
import { formatJpDate } from '../src/core/calendar/wareki';
import { UserError } from '../src/core/errors';
import { completeReminder, reminderForActor, snoozeReminder, type ActResult } from '../src/core/reminders/actions';
import { UNDO_MINUTES, undoCompletion, undoValue } from '../src/core/reminders/undo';
import { CONTACT_METHODS } from '../src/core/vocabulary';
import { monthOf } from '../src/core/calendar/jst';
import { groupDigest } from '../src/core/reminders/digest';
import { renderDigest } from './notices/digest';
import { labelReminders, openReminders } from '../src/core/reminders/items';
import { isHhmm, type StaffPrefs } from '../src/core/reminders/settings';
import { myReminderPrefs, saveMyReminderPrefs, tenantReminderSettings } from '../src/core/reminders/preferences';
import { myMeetingsBetween } from '../src/core/meetings/view';
import { MONITORING_KIND } from '../src/core/vocabulary';
import { soudanForm } from './soudan';

const SETTINGS_FORM = 'yotei:settings';
const DONE_FORM = 'yotei:done';
const MEETING_DAYS = 14;

const tenantSettings = (ctx: HandlerContext) => tenantReminderSettings(ctx.db, ctx.actor);

/**
 * My deadlines: everything still to do (snoozed items too, marked with the day they come back),
 * plus my meetings of the next two weeks. `note` (what a button just did) goes first. Audited
 * (it names persons).
 */
async function myDeadlines(ctx: HandlerContext, note?: string): Promise<Reply[]> {
  const today = jstToday(ctx.now);
  const rows = await openReminders(ctx.db, ctx.actor.tenantId, [ctx.actor.staffId]);
  const items = await labelReminders(ctx.db, ctx.actor.tenantId, rows);
  const sections = groupDigest(items, today, 'listing');
  const heading = `${note ? `${note}\n` : ''}${formatJpDate(today)}時点のあなたの予定です。`;
  const digest = renderDigest(sections, today, { visibility: 'ephemeral', heading });
  const until = new Date(ctx.now.getTime() + MEETING_DAYS * 86_400_000);
  const attending = await myMeetingsBetween(ctx.db, ctx.actor, ctx.now, until);
  const blocks: Block[] = [...digest.blocks];
  // A meeting with a reminder card above is not listed again.
  const listed = new Set(
    [...sections.overdue, ...sections.now, ...sections.coming].filter((i) => i.kind === 'meeting').map((i) => i.subjectId),
  );
  const mine = attending.filter((m) => !listed.has(m.id));
  if (mine.length > 0) {
    blocks.push({
      type: 'list',
      title: `出席予定の会議（${MEETING_DAYS}日以内）`,
      items: mine.map((m) => ({ title: m.title, description: `${shortDateTime(m.startsAt)}${m.place ? `　${m.place}` : ''}` })),
    });
  }
  blocks.push({ type: 'text', text: '通知の時刻やお休みの日は「予定 設定」で変えられます。' });
  await writeAudit(ctx.db, {
    tenantId: ctx.actor.tenantId,
    actorStaffId: ctx.actor.staffId,
    platform: ctx.actor.platform,
    action: 'view',
    resourceType: 'reminder_list',
    detail: { reminders: items.length, meetings: mine.length },
  });
  return [{ ...digest, blocks }];
}

function settingsForm(prefs: StaffPrefs, defaultTime: string, errors?: Record<string, string>): FormBlock {
  return {
    type: 'form',
    formId: SETTINGS_FORM,
    title: '予定の通知の設定',
    submitLabel: '保存する',
    errors,
    fields: [
      {
        name: 'digestTime',
        label: '毎朝の通知の時刻（HH:MM）',
        type: 'text',
        initial: prefs.digestTime ?? defaultTime,
        placeholder: '08:30',
        hint: '営業日（平日・祝日以外）に届きます',
      },
      {
        name: 'quietWeekdays',
        label: '通知しない曜日（勤務のない曜日）',
        type: 'multiselect',
        initial: prefs.quietWeekdays.map(String),
        options: [1, 2, 3, 4, 5].map((d) => ({ value: String(d), label: `${WEEKDAYS_JA[d]}曜日` })),
      },
      {
        name: 'quietDates',
        label: '通知しない日（休暇・研修など。カンマ区切り）',
        type: 'text',
        initial: prefs.quietDates.join(', '),
        placeholder: '12/1, 2026-12-2',
      },
    ],
  };
}

async function openSettings(ctx: HandlerContext): Promise<Reply[]> {
  return [reply('予定の通知の設定', [settingsForm(await myReminderPrefs(ctx.db, ctx.actor), (await tenantSettings(ctx)).digestTime)])];
}

async function saveSettings(ctx: HandlerContext, form: Parameters<NonNullable<CommandSpec['onForm']>>[1]): Promise<Reply[]> {
  const errors: Record<string, string> = {};
  const time = formText(form, 'digestTime')
    .normalize('NFKC')
    .replace(/^(\d):/, '0$1:');
  if (!isHhmm(time)) errors.digestTime = '時刻は 08:30 のように HH:MM で入力してください。';
  const weekdays = formList(form, 'quietWeekdays').map(Number);
  if (weekdays.some((d) => !Number.isInteger(d) || d < 0 || d > 6)) errors.quietWeekdays = '曜日を選び直してください。';
  const today = jstToday(ctx.now);
  const dates: string[] = [];
  for (const text of formText(form, 'quietDates')
    .split(/[,、，\s]+/)
    .filter(Boolean)) {
    try {
      dates.push(parseJapaneseDate(text, today));
    } catch (e) {
      errors.quietDates = e instanceof UserError ? e.userMessage : '日付を確認してください。';
    }
  }
  if (Object.keys(errors).length > 0) {
    throw new UserError(
      'invalid_form',
      `入力内容を確認してください。${Object.values(errors)[0]}`,
      `invalid yotei settings: ${Object.keys(errors).join(',')}`,
      errors,
    );
  }
  const quietDates = [...new Set(dates.filter(isIsoDate))].sort();
  await saveMyReminderPrefs(ctx.db, ctx.actor, { digestTime: time, quietWeekdays: weekdays, quietDates });
  const days = weekdays.length > 0 ? weekdays.map((d) => WEEKDAYS_JA[d]).join('・') : 'なし';
  return [
    reply('通知の設定を保存しました', [
      card('通知の設定を保存しました', [
        { label: '毎朝の通知', value: `${time}（営業日）` },
        { label: '通知しない曜日', value: days },
        { label: '通知しない日', value: quietDates.length > 0 ? quietDates.map(formatJpDate).join('、') : 'なし' },
      ]),
    ]),
  ];
}

const ACT_TEXT = {
  done: '✓ 完了にしました',
  snoozed: '⏰ 再通知を設定しました',
  already: 'この予定はすでに完了または取り消し済みです',
} as const;

async function renderActResult(ctx: HandlerContext, r: ActResult): Promise<Reply[]> {
  if (r.kind === 'needs_record') {
    const today = jstToday(ctx.now);
    return [
      reply('実施日を入力して記録してください', [
        {
          type: 'text',
          text: `${r.item.detail}は期限を過ぎています。実際に実施した日付で記録してください（実施月の記録だけがモニタリングとして数えられます）。`,
        },
        soudanForm(today, r.personCode, undefined, { person: r.personCode, kind: MONITORING_KIND, occurredOn: '' }),
      ]),
    ];
  }
  const note = r.kind === 'snoozed' && r.until ? `（${formatJpDate(r.until)}の朝にもう一度お知らせします）` : '';
  const what = `${ACT_TEXT[r.kind]}${note}: ${r.item.title}${r.item.detail ? `（${r.item.detail}）` : ''}`;
  // A 完了 that wrote a record can be taken back from the same message for a few minutes.
  const undo =
    r.kind === 'done' && r.consultationId
      ? card(
          `${ACT_TEXT.done}`,
          [{ label: '押し間違いの場合', value: `${UNDO_MINUTES}分以内なら取り消せます（記録も取り消します）` }],
          [button('取り消す', 'yotei:undo', undoValue(r.item.reminderId, r.consultationId), 'danger')],
        )
      : null;
  // One's own reminder: the message pressed on (予定, the morning digest) becomes the updated list,
  // in place where the platform can, so that nothing else on it disappears.
  if (r.recipientId === ctx.actor.staffId) {
    return (await myDeadlines(ctx, what)).map((x) => ({ ...x, blocks: undo ? [undo, ...x.blocks] : x.blocks, replaceOriginal: true }));
  }
  // A manager acting on a colleague's reminder (from the escalation message): a new answer; the
  // message with the office's other items stays.
  return [
    reply(`${ACT_TEXT[r.kind]}: ${r.item.title}`, [
      card(`${ACT_TEXT[r.kind]}${note}`, [{ label: r.item.detail || '予定', value: r.item.title }]),
    ]),
  ];
}

/**
 * 完了 on a monitoring of this month asks first for the date and method (prefilled: today in
 * Japan, 訪問), so that the record says what happened. Other reminders complete at once; an
 * overdue month asks for its record through the record form (completeReminder).
 */
async function doneForm(ctx: HandlerContext, reminderId: string): Promise<Reply[] | null> {
  const row = await reminderForActor(ctx.db, ctx.actor, reminderId);
  const today = jstToday(ctx.now);
  if (row.kind !== 'monitoring' || (row.status !== 'open' && row.status !== 'snoozed') || monthOf(row.dueOn) !== monthOf(today))
    return null;
  return [doneFormReply(row.id, today)];
}

function doneFormReply(reminderId: string, today: string, values?: Record<string, string | string[] | undefined>): Reply {
  const v = (name: string, fallback: string) => (typeof values?.[name] === 'string' ? (values[name] as string) : fallback);
  return reply('モニタリングの実施を記録', [
    {
      type: 'form',
      formId: DONE_FORM,
      title: 'モニタリングの実施',
      submitLabel: '完了にする',
      context: reminderId,
      fields: [
        {
          name: 'occurredOn',
          label: '実施日',
          type: 'date',
          required: true,
          initial: v('occurredOn', today),
          hint: 'モニタリング月の日付（例: 今日 / 12/3 / 令和8年12月3日）',
        },
        {
          name: 'method',
          label: '方法',
          type: 'select',
          required: true,
          initial: v('method', '訪問'),
          options: CONTACT_METHODS.map((m) => ({ value: m, label: m })),
        },
      ],
    },
  ]);
}

async function submitDone(ctx: HandlerContext, form: Parameters<NonNullable<CommandSpec['onForm']>>[1]): Promise<Reply[]> {
  const today = jstToday(ctx.now);
  const errors: Record<string, string> = {};
  let occurredOn = '';
  try {
    occurredOn = parseJapaneseDate(formText(form, 'occurredOn'), today, { field: 'occurredOn' });
    if (occurredOn > today) errors.occurredOn = '実施日に未来の日付は指定できません。';
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    errors.occurredOn = e.fieldErrors?.occurredOn ?? e.userMessage;
  }
  const method = formText(form, 'method');
  if (!(CONTACT_METHODS as readonly string[]).includes(method)) errors.method = '方法を選んでください。';
  if (Object.keys(errors).length > 0) {
    throw new UserError(
      'invalid_form',
      `入力内容を確認してください。${Object.values(errors)[0]}`,
      `invalid done form: ${Object.keys(errors).join(',')}`,
      errors,
    );
  }
  return renderActResult(ctx, await completeReminder(ctx.db, ctx.actor, form.context ?? '', ctx.now, { occurredOn, method }));
}

export const yoteiCommand: CommandSpec = {
  id: 'yotei',
  aliases: ['予定', 'よてい'],
  label: '予定',
  description: 'モニタリング・受給者証の更新・宿題・会議など、あなたの期限の一覧（本人にだけ表示）。「予定 設定」で通知の時刻を変更',
  usage: '予定　/　予定 設定',
  menu: true,
  async onCommand(ctx, cmd) {
    const text = cmd.text.normalize('NFKC').trim();
    if (text === '') return myDeadlines(ctx);
    if (['設定', 'せってい', 'settings'].includes(text)) return openSettings(ctx);
    throw new UserError('unknown_subcommand', '「予定」だけで期限の一覧、「予定 設定」で通知の設定です。', 'unknown yotei subcommand');
  },
  async onAction(ctx, action) {
    const tenant = await tenantSettings(ctx);
    switch (action.id) {
      case 'yotei:done':
        return (
          (await doneForm(ctx, action.value)) ?? renderActResult(ctx, await completeReminder(ctx.db, ctx.actor, action.value, ctx.now))
        );
      case 'yotei:undo': {
        await undoCompletion(ctx.db, ctx.actor, action.value, ctx.now);
        return (await myDeadlines(ctx, '↩ 完了を取り消しました（記録も取り消しました）。')).map((x) => ({ ...x, replaceOriginal: true }));
      }
      case 'yotei:snooze1d':
      case 'yotei:snooze':
        return renderActResult(ctx, await snoozeReminder(ctx.db, ctx.actor, action.value, '1d', ctx.now, tenant.calendar));
      case 'yotei:snooze1w':
        return renderActResult(ctx, await snoozeReminder(ctx.db, ctx.actor, action.value, '1w', ctx.now, tenant.calendar));
      case SETTINGS_FORM:
        return openSettings(ctx);
      default:
        throw new UserError('unknown_action', 'この操作には対応していません。', `unknown action ${action.id}`);
    }
  },
  async onForm(ctx, form) {
    if (form.formId === DONE_FORM) return submitDone(ctx, form);
    if (form.formId !== SETTINGS_FORM)
      throw new UserError('unknown_form', 'このフォームには対応していません。', `unknown form ${form.formId}`);
    return saveSettings(ctx, form);
  },
};
