/**
 * Birth dates. A date is removed when
 *  1. it has at least a year and a month and stands next to a birth word — after it 生まれ / 生 /
 *     誕生 / 出生, or before it 生年月日 / 誕生日 / 生年 / 出生日 (〔生年月日〕); or
 *  2. it is a full date (year, month, day) more than ten years before today, in any form, with or
 *     without a birth word: a full date that old in a consultation note is most likely a birth
 *     date, and an old event date is identifying too (〔日付〕, counted as 'birthdate').
 * Recent dates (a visit on 2026年11月22日), old dates followed by 施行 / 公布 / 改正 / 制定 / 告示 / 通知
 * (a law's dates) and a year alone (昭和55年生まれ: an age, like 42歳) stay.
 * Forms: 1980年4月1日, 1980/4/1, 1980-04-01, 1980.4.1; 昭和55年4月1日, 令和元年5月1日, S55.4.1,
 * H3/12/5 (eras 明治 大正 昭和 平成 令和 and M T S H R), with the other calendar in brackets
 * (1985（昭和60）年4月1日, 昭和60年（1985年）4月1日). Digits are ASCII here (NFKC view), kanji numerals
 * too (昭和六十年四月一日: numerals.ts).
 */
import type { Span } from './view';

const ERA_START: Record<string, number> = { 明治: 1868, 大正: 1912, 昭和: 1926, 平成: 1989, 令和: 2019 };
const ERA_LETTER: Record<string, string> = { M: '明治', T: '大正', S: '昭和', H: '平成', R: '令和' };

/** The other calendar in brackets: 1985（昭和60）年, 昭和60年（1985年）. */
const OTHER = String.raw`(?:\s?\((?:(?:明治|大正|昭和|平成|令和|[MTSHR])\s?(?:元|\d{1,2})|\d{4})\s?年?\))?`;
const YMD =
  OTHER +
  String.raw`(?:\s?年` +
  OTHER +
  String.raw`\s?(?<m>\d{1,2})\s?月(?:\s?(?<d>\d{1,2})\s?日)?|(?<sep>[-/.])(?<m2>\d{1,2})(?:\k<sep>(?<d2>\d{1,2}))?)(?!\d)`;
const SEIREKI = new RegExp(String.raw`(?<![\d.\-/])(?<y>(?:1[89]|20)\d\d)` + YMD, 'g');
const WAREKI = new RegExp(
  String.raw`(?:(?<era>明治|大正|昭和|平成|令和)|(?<![A-Za-z])(?<letter>[MTSHRmtshr])\.?)\s?(?<y>元|\d{1,2})` + YMD,
  'g',
);
const BIRTH_AFTER = /^\s?[)）]?\s?(?:生まれ|生|誕生|うまれ|産まれ|出生)/;
const BIRTH_BEFORE = /(?:生年月日|誕生日|生年|出生日?|DOB)\s?[:：はがの(（]?\s?(?:[(（]?(?:西暦|和暦)[)）]?)?\s?$/i;

/** A law's dates (平成25年4月1日施行) are not about a person. */
const LAW_AFTER = /^\s?(?:に|から|より|付け?で?)?\s?(?:施行|公布|改正|制定|告示|通知)/;

const pad = (n: number) => String(n).padStart(2, '0');

export function findDates(t: string, today: string): Span[] {
  const tenYearsAgo = `${Number(today.slice(0, 4)) - 10}${today.slice(4)}`;
  const out: Span[] = [];
  for (const re of [SEIREKI, WAREKI]) {
    for (const m of t.matchAll(re)) {
      const g = m.groups ?? {};
      const era = g.era ?? (g.letter ? ERA_LETTER[g.letter.toUpperCase()] : undefined);
      const eraYear = g.y === '元' ? 1 : Number(g.y);
      const year = era ? ERA_START[era]! + eraYear - 1 : eraYear;
      const month = Number(g.m ?? g.m2);
      const dayText = g.d ?? g.d2;
      const day = dayText === undefined ? undefined : Number(dayText);
      if (month < 1 || month > 12 || (day !== undefined && (day < 1 || day > 31))) continue;
      const start = m.index;
      const end = start + m[0].length;
      const birthWord = BIRTH_AFTER.test(t.slice(end, end + 6)) || BIRTH_BEFORE.test(t.slice(Math.max(0, start - 14), start));
      const old = day !== undefined && `${year}-${pad(month)}-${pad(day)}` < tenYearsAgo && !LAW_AFTER.test(t.slice(end, end + 8));
      if (birthWord || old) {
        out.push({ start, end, kind: 'birthdate', label: birthWord ? '〔生年月日〕' : '〔日付〕', priority: 6 });
      }
    }
  }
  return out;
}
