/**
 * Kanji numerals as digits, for the number, date and address detectors: 昭和六十年四月一日 →
 * 昭和60年4月1日, 一丁目二番三号 → 1丁目2番3号, 北三条西四丁目 → 北3条西4丁目, 一の二の三 → 1の2の3,
 * 〇九〇―一二三四―五六七八 → 090-1234-5678, 千九百八十五年 → 1985年. Only where the numeral is a
 * number of a date, an address or a phone: before 年 月 丁目 丁 番 号 条 の+numeral, 日 after 月,
 * after an era name, or a run of digits (〇 or four or more of 一…九). 一人, 十分, 千代田区,
 * 四日市, 一郎 stay as they are (names are matched on the text before this step).
 * Each unit of the result remembers the range of its input it came from.
 */

const DIGIT: Record<string, number> = { 〇: 0, 零: 0, 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const UNIT: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };
const RUN = /[〇零一二三四五六七八九十百千]+/g;
const ERA_BEFORE = /(?:明治|大正|昭和|平成|令和)\s?$/;
const NUMBER_AFTER = /^\s?(?:年|月|丁目|丁|番|号|の\s?[〇一二三四五六七八九十\d])/;
/** 札幌's 北三条西四丁目, 旭川's 三条二丁目 (not 三条市). */
const JO_AFTER = /^条\s?(?:[東西南北]|[〇一二三四五六七八九十\d]+丁目)/;
const DIGIT_RUN = /^[〇零一二三四五六七八九]+$/;
const PHONE_GLUE = /^[\s\-‐‑‒–—―−ー()（）]{1,2}$/;

/** The value of a run: positional (千九百八十五, 六十, 二十三) or digit by digit (一九八五, 〇九〇). */
function value(run: string): string | null {
  if (![...run].some((c) => c in UNIT)) return [...run].map((c) => String(DIGIT[c])).join('');
  let total = 0;
  let current = 0;
  for (const c of run) {
    if (c in DIGIT) {
      if (current !== 0) return null; // 二三十: not a number
      current = DIGIT[c]!;
    } else {
      total += (current === 0 ? 1 : current) * UNIT[c]!;
      current = 0;
    }
  }
  return String(total + current);
}

function converts(t: string, start: number, end: number): boolean {
  const run = t.slice(start, end);
  if (/^[〇零一二三四五六七八九]+$/.test(run) && (run.includes('〇') || run.length >= 4)) return true;
  const after = t.slice(end, end + 6);
  if (NUMBER_AFTER.test(after)) return true;
  if (JO_AFTER.test(after) || (after.startsWith('条') && /[東西南北]\s?$/.test(t.slice(Math.max(0, start - 2), start)))) return true;
  if (after.startsWith('日') && /(?:月|\d)\s?$/.test(t.slice(Math.max(0, start - 2), start))) return true;
  if (ERA_BEFORE.test(t.slice(Math.max(0, start - 3), start))) return true;
  if (/(?:番地|丁目|番)\s?$/.test(t.slice(Math.max(0, start - 3), start))) return true;
  // The last number of 一の二の三, 1の2の三
  return /[\d〇一二三四五六七八九十]\s?の\s?$/.test(t.slice(Math.max(0, start - 3), start));
}

export interface NumeralView {
  text: string;
  /** Start / end (exclusive) in the input of the unit each output unit came from. */
  start: number[];
  end: number[];
}

export function numeralView(t: string): NumeralView {
  let text = '';
  const start: number[] = [];
  const end: number[] = [];
  let pos = 0;
  const copy = (to: number) => {
    for (; pos < to; pos++) {
      text += t[pos];
      start.push(pos);
      end.push(pos + 1);
    }
  };
  const runs = [...t.matchAll(RUN)].map((m) => ({
    s: m.index,
    e: m.index + m[0].length,
    run: m[0],
    on: converts(t, m.index, m.index + m[0].length),
  }));
  // Groups of a phone number: 〇四六七（一二）三四五六 — a digit run glued to a converted one.
  for (let changed = true; changed; ) {
    changed = false;
    runs.forEach((r, i) => {
      if (r.on || !DIGIT_RUN.test(r.run) || r.run.length < 2) return;
      const glued = (o: (typeof runs)[number] | undefined, a: number, b: number) =>
        o?.on && DIGIT_RUN.test(o.run) && PHONE_GLUE.test(t.slice(a, b));
      if (glued(runs[i - 1], runs[i - 1]?.e ?? 0, r.s) || glued(runs[i + 1], r.e, runs[i + 1]?.s ?? 0)) r.on = changed = true;
    });
  }
  for (const { s, e, run, on } of runs) {
    const v = on ? value(run) : null;
    if (v === null) continue;
    copy(s);
    text += v;
    for (let k = 0; k < v.length; k++) {
      start.push(s);
      end.push(e);
    }
    pos = e;
  }
  copy(t.length);
  return { text, start, end };
}
