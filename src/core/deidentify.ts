/**
 * De-identification of free text before it goes to a shared channel (a regional issue, or the
 * 基幹's queue post of a secondary consultation without consent): domain.md, flows 2 and 3.
 *
 * Identifiers are replaced by placeholders: 〔氏名〕 〔電話番号〕 〔郵便番号〕 〔住所〕 〔生年月日〕 (〔日付〕 for
 * an old full date without a birth word) 〔受給者証番号〕 〔メール〕 〔個人番号〕. Detection runs on an NFKC
 * view of the text (full-width digits, half-width kana, variant name kanji), while the output keeps
 * every character that is not replaced exactly as written. Overlapping matches are merged into one
 * placeholder (the kind of the match that starts first). Numbers, dates and addresses are also
 * read with kanji numerals as digits (deidentify/numerals.ts). The rules of each kind are
 * documented in deidentify/names.ts, shapes.ts, numbers.ts, address.ts and dates.ts. In short:
 *  - names: registered persons (full, family, given; kanji / kana; honorifics absorbed; a name
 *    alone of a person of another office only where unambiguous), and names nobody registered,
 *    by their shape in context, read with a morphological analyzer (kuromoji + IPADIC): before an
 *    honorific (母の京子さん), after a relation (母・京子, 長男 太郎), a family name with a given name
 *    (鈴木一郎), a name before a particle (田中が), and a kana reading in brackets after any of them;
 *  - phone: 10 or 11 digits by the numbering plan, any separators, parentheses, +81;
 *  - postal: 〒123-4567, 郵便番号 1234567, or 123-4567 standing alone;
 *  - address: municipality (with or without prefecture) through block numbers and building/room,
 *    or a town with block numbers shaped like an address (一丁目二番三号, 北3条西4丁目1-2, 1の2の3);
 *  - birth dates: next to 生まれ/生年月日…, or any full date more than ten years before today,
 *    in 算用数字, 漢数字, 全角, 和暦 / 西暦 (also one with the other in brackets);
 *  - certificate: a number after 受給者証/手帳番号/被保険者番号, or any 10 digits run together;
 *  - 個人番号: 12 digits (4-4-4 with the same separator, or none); e-mail addresses.
 * Ages (42歳, 40代) are kept. This is a safety net, not a guarantee: free text can identify a
 * person in ways no pattern sees, so the poster still reads the preview.
 */
import { findAddresses } from './deidentify/address';
import { findDates } from './deidentify/dates';
import { findNames } from './deidentify/names';
import type { KnownPerson } from './deidentify/names';
import { findNumbers } from './deidentify/numbers';
import { numeralView } from './deidentify/numerals';
import { findNameShapes, readingsAfter } from './deidentify/shapes';
import { makeView } from './deidentify/view';
import type { Kind, Span } from './deidentify/view';

export type { KnownPerson } from './deidentify/names';
export { warmAnalyzer } from './deidentify/analyzer';

export interface DeidentifyResult {
  text: string;
  /** Kinds with at least one replacement, in a fixed order. */
  removed: { kind: Kind; count: number }[];
}

export interface DeidentifyOptions {
  /** 'YYYY-MM-DD' in Japan time, from the caller's clock; decides which dates are "more than ten years ago". */
  today: string;
  /**
   * Also names nobody registered, found by their shape (default true). Off only for fields the
   * system composed itself from closed values and staff names (a channel post's facts).
   */
  shapes?: boolean;
}

const KIND_ORDER: readonly Kind[] = ['name', 'phone', 'postal', 'address', 'birthdate', 'certificate', 'email', 'mynumber'];

export function deidentify(text: string, known: readonly KnownPerson[], options: DeidentifyOptions): DeidentifyResult {
  const view = makeView(text);
  const t = view.text;
  const today = options.today;
  // Numbers, dates and addresses on a view with kanji numerals as digits, mapped back to `t`.
  const n = numeralView(t);
  const back = (s: Span): Span => ({ ...s, start: n.start[s.start]!, end: n.end[s.end - 1]! });
  const numeric = [...findNumbers(n.text), ...findDates(n.text, today), ...findAddresses(n.text)].map(back);
  const names = [...findNames(t, known), ...(options.shapes === false ? [] : findNameShapes(t))];
  const spans: Span[] = [...numeric, ...names, ...readingsAfter(t, names)];
  spans.sort((a, b) => a.start - b.start || b.end - a.end || a.priority - b.priority);

  const merged: Span[] = [];
  for (const s of spans) {
    const last = merged.at(-1);
    if (last && s.start < last.end) last.end = Math.max(last.end, s.end);
    else merged.push({ ...s });
  }

  const counts = new Map<Kind, number>();
  let out = '';
  let pos = 0;
  for (const s of merged) {
    const start = Math.max(pos, view.start[s.start]!);
    out += text.slice(pos, start) + s.label;
    pos = Math.max(pos, view.end[s.end - 1]!);
    counts.set(s.kind, (counts.get(s.kind) ?? 0) + 1);
  }
  out += text.slice(pos);
  const removed = KIND_ORDER.filter((k) => counts.has(k)).map((kind) => ({ kind, count: counts.get(kind)! }));
  return { text: out, removed };
}

/**
 * The age band shown instead of a birth date: '10歳未満', '10代' … '70代', '80代以上'. Age is counted
 * in completed years, a birthday reached on the day itself (29 February: on 1 March in other
 * years). Throws RangeError on a malformed date or a birth date after today.
 */
export function ageBand(birthDate: string, today: string): string {
  const b = parseIsoDate(birthDate);
  const t = parseIsoDate(today);
  if (!b || !t) throw new RangeError(`ageBand: expected YYYY-MM-DD, got ${JSON.stringify([birthDate, today])}`);
  if (birthDate > today) throw new RangeError('ageBand: birth date after today');
  const age = t[0] - b[0] - (t[1] < b[1] || (t[1] === b[1] && t[2] < b[2]) ? 1 : 0);
  if (age < 10) return '10歳未満';
  if (age >= 80) return '80代以上';
  return `${Math.floor(age / 10) * 10}代`;
}

function parseIsoDate(s: string): [number, number, number] | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const check = new Date(Date.UTC(2000, mo - 1, d));
  check.setUTCFullYear(y);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  return [y, mo, d];
}
