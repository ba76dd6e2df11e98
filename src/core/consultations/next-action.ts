import { dateParts, isoDate, isValidDateParts, type IsoDate } from '../calendar/jst';
import { formatJpDate } from '../calendar/wareki';
import { UserError } from '../errors';

/**
 * A next action (次の対応) is due today or later, in Japan time, like the tasks of meeting minutes:
 * a date in the past is a slip (「8月1日」 typed in December reads as this year's August), and a
 * reminder for it would be overdue the moment it is stored. Returns the Japanese field message,
 * or null when the date is fine. When the same day next year exists, the message shows it.
 */
export function pastDueMessage(due: IsoDate, today: IsoDate): string | null {
  if (due >= today) return null;
  const { year, month, day } = dateParts(due);
  const nextYear = isValidDateParts(year + 1, month, day) ? isoDate(year + 1, month, day) : null;
  const hint = nextYear && nextYear >= today ? `来年のことでしたら「${year + 1}年${month}月${day}日」のように年も入力してください。` : '';
  return `次の対応の期限（${formatJpDate(due)}）が過去の日付です。今日（${formatJpDate(today)}）以降の日付を入力してください。${hint}`;
}

/** Throws the field error (nextActionDue) for a due date in the past. */
export function checkNextActionDue(due: IsoDate | null | undefined, today: IsoDate): void {
  if (!due) return;
  const message = pastDueMessage(due, today);
  if (message) throw new UserError('past_due', message, 'next action due in the past', { nextActionDue: message });
}
