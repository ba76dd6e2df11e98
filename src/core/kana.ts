/** Kana and width normalisation for search: 「ヤマダ」「やまだ」「ﾔﾏﾀﾞ」 all find 山田. */

export function toHiragana(s: string): string {
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
export function personSearchText(p: {
  familyName: string;
  givenName: string;
  familyKana: string;
  givenKana: string;
}): string {
  return [p.familyName + p.givenName, p.familyKana + p.givenKana].map(normalizeForSearch).join(' ');
}
