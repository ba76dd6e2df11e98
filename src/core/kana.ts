/** Kana and width normalisation for search: 「ヤマダ」「やまだ」「ﾔﾏﾀﾞ」「yamada」 all find 山田. */
import { toHiragana as romajiToKana } from 'wanakana';

function toHiragana(s: string): string {
  return s.replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60));
}

export function toKatakana(s: string): string {
  return s.replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60));
}

/** NFKC (half-width kana, full-width letters), no spaces, katakana as hiragana, lower case. */
export function normalizeForSearch(s: string): string {
  return toHiragana(s.normalize('NFKC').replace(/[\s\u3000・]/g, '')).toLowerCase();
}

/** The text a person is found by: name and kana, normalised the same way as a query. */
export function personSearchText(p: { familyName: string; givenName: string; familyKana: string; givenKana: string }): string {
  return [p.familyName + p.givenName, p.familyKana + p.givenKana].map(normalizeForSearch).join(' ');
}

const MACRONS: Record<string, string> = { ā: 'aa', ī: 'ii', ū: 'uu', ē: 'ee', ō: 'ou', â: 'aa', î: 'ii', û: 'uu', ê: 'ee', ô: 'ou' };

/**
 * A name typed in romaji (「yamada」「Yamada Tarou」「Itō」「sinzyuku」: Hepburn, kunrei, the IME's
 * spellings, macrons) as hiragana, normalised like a query; null when the text is not romaji
 * (anything but Latin letters, spaces, apostrophes and hyphens) or does not read as kana.
 */
export function romajiToHiragana(s: string): string | null {
  const t = s.normalize('NFKC').trim().toLowerCase();
  if (!/^[a-zāīūēōâîûêô' -]+$/.test(t) || !/[a-zāīūēōâîûêô]/.test(t)) return null;
  const plain = t.replace(/[āīūēōâîûêô]/g, (c) => MACRONS[c] ?? c).replace(/[\s-]+/g, '');
  const kana = romajiToKana(plain);
  return /[a-z]/.test(kana) ? null : normalizeForSearch(kana);
}

/**
 * The script runs of a normalised query (「山だ」 → 山 | だ; 「やま田たろう」 → やま | 田 | たろう): a
 * name typed half in kanji, half in kana, which no single substring of the stored text matches.
 */
export function scriptRuns(q: string): string[] {
  return q.match(/\p{Script=Han}+|\p{Script=Hiragana}+|[^\p{Script=Han}\p{Script=Hiragana}]+/gu) ?? [];
}
