/**
 * zod pieces for the forms of 支給決定, 利用者登録 and 同意: Japanese dates and months typed any way
 * the counselor writes them (令和8年4月1日, ４／１, 2026-04-01, 今日), bounded text, kana. Each
 * failure is a Japanese message on its field (parseForm).
 */
import { z } from 'zod';
import { parseJapaneseDate, parseJapaneseMonth } from '../src/core/calendar/parse-date';
import { isUserError } from '../src/core/errors';

const messageOf = (e: unknown, fallback: string) => (isUserError(e) ? e.userMessage : fallback);

/** Runs one of the domain's Japanese parsers inside a schema: its refusal becomes the field's message. */
function parsedWith<T>(parse: (s: string) => T, label: string, fallback: string) {
  return (s: string, ctx: z.RefinementCtx): T => {
    try {
      return parse(s);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `${label}: ${messageOf(e, fallback)}` });
      return z.NEVER;
    }
  };
}

const DATE_FALLBACK = '日付を確認してください。';

/** A required date, as an ISO date. */
export function jpDate(today: string, label: string) {
  return z
    .string({ error: `${label}を入力してください。` })
    .trim()
    .min(1, `${label}を入力してください。`)
    .max(40, `${label}を確認してください。`)
    .transform(parsedWith((s) => parseJapaneseDate(s, today), label, DATE_FALLBACK));
}

/** An optional date: an empty field is null. */
export function optionalJpDate(today: string, label: string) {
  const parse = parsedWith((s) => parseJapaneseDate(s, today), label, DATE_FALLBACK);
  return z
    .string()
    .trim()
    .max(40, `${label}を確認してください。`)
    .optional()
    .transform((s, ctx) => (s ? parse(s, ctx) : null));
}

/** An optional month: an empty field is undefined. */
export function optionalJpMonth(today: string, label: string) {
  const parse = parsedWith((s) => parseJapaneseMonth(s, today), label, '月を確認してください。');
  return z
    .string()
    .trim()
    .max(40, `${label}を確認してください。`)
    .optional()
    .transform((s, ctx) => (s ? parse(s, ctx) : undefined));
}

/** Text of at most `max` characters (counted as the user sees them). */
export function boundedText(label: string, max: number, required = true) {
  const base = z
    .string()
    .trim()
    .refine((s) => [...s].length <= max, `${label}は${max}文字以内で入力してください。`);
  return required ? base.refine((s) => s.length > 0, `${label}を入力してください。`) : base;
}

/** Hiragana or katakana (the long-vowel mark and spaces allowed), stored as typed after NFKC. */
export function kana(label: string) {
  return boundedText(label, 40)
    .transform((s) => s.normalize('NFKC'))
    .refine((s) => /^[\p{Script=Hiragana}\p{Script=Katakana}ー・ 　]+$/u.test(s), `${label}はひらがなかカタカナで入力してください。`);
}

/** A form value that may arrive as a list (multiselect) or a comma-separated string. */
export const listValue = z
  .union([z.array(z.string()), z.string()])
  .optional()
  .transform((v) => (Array.isArray(v) ? v : (v ?? '').split(/[,、，]/)).map((s) => s.trim()).filter(Boolean));
