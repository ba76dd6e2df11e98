import { parseJapaneseDate } from '../calendar/parse-date';
import type { IsoDate } from '../calendar/jst';
import { isUserError } from '../errors';
import { resolveStaffName, type StaffOption } from './staff';

export interface ParsedActionItem {
  line: number;
  description: string;
  ownerId: string;
  dueOn: IsoDate;
}

const MAX_ACTION_TEXT = 200;
export const ACTION_LINE_FORMAT = '内容 / 担当者名 / 期限';

// A slash with spaces around it, a full-width ／, or a tab: a bare '/' belongs to dates (12/1).
const SEPARATOR = /\s+\/\s+|／|\t/;

/**
 * Reads the action items of minutes, one per line as `内容 / 担当者名 / 期限`. Every bad line is
 * reported with its line number (blank lines count, so the number matches what the user sees);
 * the caller stores nothing unless `errors` is empty.
 */
export function parseActionItemLines(
  text: string,
  staff: readonly StaffOption[],
  today: IsoDate,
): { items: ParsedActionItem[]; errors: string[] } {
  const items: ParsedActionItem[] = [];
  const errors: string[] = [];
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    const line = i + 1;
    const body = raw.trim().replace(/^(?:[・\-*●]|\d+[.)．）])\s*/, '');
    if (body === '') return;
    const parts = body.split(SEPARATOR).map((p) => p.trim());
    if (parts.length !== 3) {
      errors.push(`${line}行目: 「${ACTION_LINE_FORMAT}」の3つを「 / 」（前後に空白）か「／」で区切って書いてください。`);
      return;
    }
    const [description = '', ownerName = '', dueText = ''] = parts;
    const problems: string[] = [];
    if (description === '') problems.push('内容が空です。');
    else if ([...description].length > MAX_ACTION_TEXT) problems.push(`内容は${MAX_ACTION_TEXT}文字以内にしてください。`);
    let ownerId: string | null = null;
    if (ownerName === '') problems.push('担当者名が空です。');
    else {
      const owner = resolveStaffName(staff, ownerName, '担当者');
      if ('error' in owner) problems.push(owner.error);
      else ownerId = owner.id;
    }
    let dueOn: IsoDate | null = null;
    if (dueText === '') problems.push('期限が空です。');
    else {
      try {
        dueOn = parseJapaneseDate(dueText, today);
        if (dueOn < today) {
          problems.push(`期限「${dueText}」は過去の日付です。`);
          dueOn = null;
        }
      } catch (e) {
        if (!isUserError(e)) throw e;
        problems.push(`期限「${dueText}」を日付として読み取れませんでした（例: 12/1、2026-12-01、令和8年12月1日）。`);
      }
    }
    if (problems.length > 0 || ownerId === null || dueOn === null) {
      errors.push(`${line}行目: ${problems.join('')}`);
      return;
    }
    items.push({ line, description, ownerId, dueOn });
  });
  return { items, errors };
}
