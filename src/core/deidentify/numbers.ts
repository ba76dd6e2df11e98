/** Phone numbers, postal codes, e-mail addresses, certificate and individual (My Number) numbers. */
import { DASH, spansOf } from './view';
import type { Span } from './view';

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const PHONE_SEPARATORS = new Set([...' \t.()', ...'-‐‑‒–—―−ー']);
const INTERNATIONAL = /^\+ ?81[ -]*(?:\(0\)[ -]*)?/;

/**
 * End of a phone number starting at `i` ('0…' or '+81…'), or -1. Digit groups may be joined by
 * up to three separator characters (hyphens, spaces, dots, parentheses). The number has 10 or 11
 * digits (counting the trunk 0, which +81 stands for); where the numbering plan fixes the length
 * (11 for 050/070/080/090 and 0800, else 10) the number stops there even if more groups follow.
 */
function phoneEnd(t: string, i: number): number {
  let j = i;
  let digits = '';
  const intl = INTERNATIONAL.exec(t.slice(i, i + 12));
  if (intl) {
    j += intl[0].length;
    digits = '0';
    if (t[j] === '0') j++; // "+81 090…" is a common mistake; the 0 is the trunk prefix
  } else if (t[j] !== '0') return -1;
  let expected = 0;
  for (;;) {
    while (isDigit(t[j])) digits += t[j++];
    if (!expected && digits.length >= 4) expected = /^0[5789]0|^0800/.test(digits) ? 11 : 10;
    const n = digits.length;
    if (n > 11) return -1;
    if (n === expected) return j;
    let k = j;
    while (k < j + 3 && PHONE_SEPARATORS.has(t[k] ?? '')) k++;
    if (k === j || !isDigit(t[k])) return n >= 10 ? j : -1;
    j = k;
  }
}

/** Whether position i continues a number written before it (digits, maybe a few separators back). */
function continuesNumber(t: string, i: number, lastPhoneEnd: number): boolean {
  let k = i - 1;
  while (k >= i - 3 && k >= 0 && PHONE_SEPARATORS.has(t[k]!)) k--;
  return isDigit(t[k]) && k >= lastPhoneEnd;
}

function findPhones(t: string): Span[] {
  const out: Span[] = [];
  let lastEnd = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if ((c !== '0' && c !== '+') || isDigit(t[i - 1]) || continuesNumber(t, i, lastEnd)) continue;
    const end = phoneEnd(t, i);
    if (end < 0) continue;
    let start = i;
    const inner = t.slice(i, end);
    if (t[i - 1] === '(' && inner.includes(')') && !inner.includes('(')) start--; // (03)1234-5678
    out.push({ start, end, kind: 'phone', label: '〔電話番号〕', priority: 2 });
    lastEnd = end;
    i = end - 1;
  }
  return out;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
/** After 〒 the code is always 7 digits, so digits glued after it are not part of it. */
const POSTAL_MARKED = new RegExp(`〒 ?\\d{3}(?:[${DASH}] ?)?\\d{4}`, 'g');
const POSTAL_KEYWORD = /郵便番号[ :：は]{0,3}(\d{7})(?!\d)/dg;
/** 123-4567 on its own (not inside a longer run of numbers, dates or phone numbers). */
const POSTAL_BARE = new RegExp(`(?<![\\d${DASH}./])\\d{3}[${DASH}]\\d{4}(?!\\d|[${DASH}./]\\d)`, 'g');
const MY_NUMBER = /(?<![\d-])\d{4}([ -]?)\d{4}\1\d{4}(?![\d-])/g;
/**
 * A number after a certificate word: 受給者証番号：1234567890, 受給者証 12345 67890 …; when more digits
 * are glued on (12345678902026年), the first ten, the length of a 受給者証番号.
 */
const CERTIFICATE_KEYWORD =
  /(?:受給者証|受給者番号|手帳番号|被保険者番号|被保険者証)[\s:：()（）番号はがの第No.#]{0,6}?((?:\d[ -]?){5,9}\d(?![ -]?\d)|(?:\d[ -]?){9}\d)/dg;
/** Ten digits run together: the length of a 受給者証番号 (a leading 0 makes it a phone number). */
const TEN_DIGITS = /(?<![\d-])\d{10}(?![\d-])/g;

export function findNumbers(t: string): Span[] {
  return [
    ...spansOf(t, EMAIL, 'email', '〔メール〕', 0),
    ...spansOf(t, CERTIFICATE_KEYWORD, 'certificate', '〔受給者証番号〕', 1, 1),
    ...findPhones(t),
    ...spansOf(t, POSTAL_MARKED, 'postal', '〔郵便番号〕', 3),
    ...spansOf(t, POSTAL_KEYWORD, 'postal', '〔郵便番号〕', 3, 1),
    ...spansOf(t, POSTAL_BARE, 'postal', '〔郵便番号〕', 3),
    ...spansOf(t, MY_NUMBER, 'mynumber', '〔個人番号〕', 4),
    ...spansOf(t, TEN_DIGITS, 'certificate', '〔受給者証番号〕', 5),
  ];
}
