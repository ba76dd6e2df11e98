/**
 * The normalised view the detectors read. Each unit of the original (a character with any
 * combining marks, so that ｶﾞ or か+゛ fold as one) is NFKC-normalised, stripped of variation
 * selectors and folded to the common form of a few name kanji (髙→高, 﨑→崎 …). Every UTF-16 unit
 * of the view remembers the original range it came from, so a match in the view replaces
 * exactly the original characters and the rest of the text stays as it was written.
 */

export type Kind = 'name' | 'phone' | 'postal' | 'address' | 'birthdate' | 'certificate' | 'email' | 'mynumber';

/** A match in view coordinates; `priority` breaks ties between equal spans (lower wins). */
export interface Span {
  start: number;
  end: number;
  kind: Kind;
  label: string;
  priority: number;
}

export interface TextView {
  text: string;
  /** Original start / end (exclusive) of the unit each view UTF-16 unit came from. */
  start: number[];
  end: number[];
}

/** Old or variant forms of kanji common in names, folded to the form people usually type. */
const VARIANT_KANJI: Record<string, string> = {
  髙: '高',
  﨑: '崎',
  嵜: '崎',
  齋: '斎',
  齊: '斎',
  斉: '斎',
  邊: '辺',
  邉: '辺',
  澤: '沢',
  濱: '浜',
  嶋: '島',
  嶌: '島',
  廣: '広',
  國: '国',
  櫻: '桜',
  德: '徳',
  惠: '恵',
  眞: '真',
  冨: '富',
  籐: '藤',
  﨔: '欅',
};

const VARIATION_SELECTORS = /[\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/gu;
const UNIT = /[\s\S](?:[\u3099\u309A\uFF9E\uFF9F]|\p{M})*/gu;

/** NFKC, no variation selectors, common name kanji. Used for the text and for known names. */
export function fold(s: string): string {
  const n = s.normalize('NFKC').replace(VARIATION_SELECTORS, '');
  let out = '';
  for (const c of n) out += VARIANT_KANJI[c] ?? c;
  return out;
}

export function makeView(original: string): TextView {
  let text = '';
  const start: number[] = [];
  const end: number[] = [];
  for (const m of original.matchAll(UNIT)) {
    const folded = fold(m[0]);
    text += folded;
    for (let k = 0; k < folded.length; k++) {
      start.push(m.index);
      end.push(m.index + m[0].length);
    }
  }
  return { text, start, end };
}

/** Character classes shared by the detectors (view text: ASCII digits, '-' for full-width). */
export const HAN = '\\p{sc=Han}々〆ヶ';
export const KATA = 'ァ-ヺー';
export const HIRA = 'ぁ-ゖ';
export const DASH = '\\-‐‑‒–—―−ー';

/** Spans of every match of `re` (flag g), or of its group `group` (flag d needed then). */
export function spansOf(t: string, re: RegExp, kind: Kind, label: string, priority: number, group = 0): Span[] {
  const out: Span[] = [];
  for (const m of t.matchAll(re)) {
    const range: [number, number] | undefined = group === 0 ? [m.index, m.index + m[0].length] : m.indices?.[group];
    if (range && range[1] > range[0]) out.push({ start: range[0], end: range[1], kind, label, priority });
  }
  return out;
}
