/**
 * Names of known (registered) persons, in kanji and in kana (hiragana and katakana alike, full- or
 * half-width), as a full name with or without a space or ・ between family and given name (also
 * mixed: 佐藤 はなこ), or as the family or given name alone, with an honorific (さん 様 さま 氏 くん
 * 君 ちゃん 殿) absorbed. Short names collide with ordinary words, so:
 *  - a one-kanji name alone (林, 翔) is removed when it does not touch another kanji, or when an
 *    honorific follows it and no kanji precedes it (林さん, 翔くん: yes; 森林, 翔太, 小林さん: no);
 *  - a kana-only name of one or two kana alone (ゆい, レン) is removed only with an honorific;
 *  - longer names are removed wherever they occur.
 * Those rules are for the persons the writer works with (`otherOffice` unset: the writer's own
 * office, the person a request is about). For the other registered persons of the tenant, whom the
 * writer may not know, a family or given name alone is removed only where it is unambiguously a
 * name: with an honorific, or where the analyzer reads it as a word of its own that is a
 * person's name (田中が来所) or a word it does not know, or as one-character words that make no
 * word together (陽菜: 陽 菜); katakana of three or more that stand as a word. So a tenant of
 * thousands of persons does not mask 希望, 町田市, 実は or 大和 because someone is called so.
 * Full names are removed wherever they occur. Romanised names are not matched. Matching is a scan
 * over a name index (no giant regex, built once per list), so a tenant's whole case list can be
 * passed.
 */
import { tokenize, type Token } from './analyzer';
import { fold, HAN } from './view';
import type { Span } from './view';

export interface KnownPerson {
  familyName: string;
  givenName: string;
  familyKana?: string;
  givenKana?: string;
  /** A person of another office than the writer's: a name alone only where unambiguous. */
  otherOffice?: boolean;
}

interface Entry {
  name: string;
  /** Given names of the same person, when `name` is a family name (for the full name). */
  givens: string[];
  other: boolean;
}

const HONORIFICS = ['ちゃん', 'さん', 'さま', 'くん', 'どの', '様', '氏', '君', '殿'];
const IS_HAN = new RegExp(`[${HAN}]`, 'u');
const KANA_ONLY = /^[ぁ-ゖー]+$/;
const NAME_SEPARATOR = /[\s・]/;

/** Katakana as hiragana, code unit for code unit (so indices stay those of the view). */
const hiragana = (s: string) => s.replace(/[ァ-ヶ]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60));
const canonical = (s: string | undefined) => (s ? hiragana(fold(s)).replace(/[\s・]/g, '') : '');
const isHan = (c: string | undefined) => c !== undefined && IS_HAN.test(c);

const indexes = new WeakMap<readonly KnownPerson[], Map<string, Entry[]>>();

function buildIndex(known: readonly KnownPerson[]): Map<string, Entry[]> {
  const cached = indexes.get(known);
  if (cached) return cached;
  const index = new Map<string, Entry[]>();
  const add = (name: string, givens: string[], other: boolean) => {
    const list = index.get(name[0]!) ?? [];
    list.push({ name, givens, other });
    index.set(name[0]!, list);
  };
  for (const p of known) {
    const other = p.otherOffice === true;
    const givens = [canonical(p.givenName), canonical(p.givenKana)].filter(Boolean).sort((a, b) => b.length - a.length);
    for (const f of [canonical(p.familyName), canonical(p.familyKana)]) if (f) add(f, givens, other);
    for (const g of givens) add(g, [], other);
  }
  for (const list of index.values()) list.sort((a, b) => b.name.length - a.name.length || Number(a.other) - Number(b.other));
  indexes.set(known, index);
  return index;
}

function honorificEnd(t: string, i: number): number {
  const j = NAME_SEPARATOR.test(t[i] ?? '') ? i + 1 : i;
  const h = HONORIFICS.find((w) => t.startsWith(w, j));
  return h ? j + h.length : -1;
}

const isPersonToken = (x: Token) => x.pos1 === '固有名詞' && x.pos2 === '人名';

/** Whether the analyzer reads [i, end) as a name: see the header. */
function readAsName(view: string, tokens: Token[], i: number, end: number): boolean {
  const first = tokens.findIndex((x) => x.start === i);
  const last = tokens.findIndex((x) => x.end === end);
  if (first < 0 || last < first) return false;
  const words = tokens.slice(first, last + 1);
  // 田中病院, 町田市: a name followed by a noun names a place or a body, not a person.
  const next = tokens[last + 1];
  if (next && next.pos === '名詞' && !(next.pos1 === '接尾' && next.pos2 === '人名')) return false;
  if (/^[ァ-ヺー]{3,}$/.test(view.slice(i, end))) return true;
  if (words.some((x) => isPersonToken(x) || (x.unknown && x.pos === '名詞' && x.pos1 !== '数'))) return true;
  return words.length > 1 && words.every((x) => x.surface.length === 1 && isHan(x.surface));
}

/** End of the name `name` alone at i under the short-name rules, or -1. */
function aloneEnd(t: string, i: number, entry: Entry, analysed: () => { view: string; tokens: Token[] }): number {
  const name = entry.name;
  const end = i + name.length;
  const withHonorific = honorificEnd(t, end);
  if (entry.other) {
    if (withHonorific >= 0) return KANA_ONLY.test(name) || [...name].length > 1 || !isHan(t[i - 1]) ? withHonorific : -1;
    if (KANA_ONLY.test(name) && name.length <= 2) return -1;
    const { view, tokens } = analysed();
    return readAsName(view, tokens, i, end) ? end : -1;
  }
  if (KANA_ONLY.test(name)) return name.length <= 2 ? withHonorific : Math.max(end, withHonorific);
  if ([...name].length === 1) {
    if (isHan(t[i - 1])) return -1;
    return withHonorific >= 0 ? withHonorific : isHan(t[end]) ? -1 : end;
  }
  return Math.max(end, withHonorific);
}

function fullEnd(t: string, i: number, entry: Entry): number {
  let j = i + entry.name.length;
  for (let k = 0; k < 2 && NAME_SEPARATOR.test(t[j] ?? ''); k++) j++;
  const g = entry.givens.find((given) => t.startsWith(given, j));
  if (!g) return -1;
  return Math.max(j + g.length, honorificEnd(t, j + g.length));
}

export function findNames(text: string, known: readonly KnownPerson[]): Span[] {
  const index = buildIndex(known);
  const t = hiragana(text);
  let analysis: { view: string; tokens: Token[] } | null = null;
  const analysed = () => (analysis ??= { view: text, tokens: tokenize(text) });
  const out: Span[] = [];
  for (let i = 0; i < t.length; i++) {
    let best = -1;
    for (const entry of index.get(t[i]!) ?? []) {
      if (!t.startsWith(entry.name, i)) continue;
      best = Math.max(best, fullEnd(t, i, entry), aloneEnd(t, i, entry, analysed));
    }
    if (best > i) {
      out.push({ start: i, end: best, kind: 'name', label: '〔氏名〕', priority: 8 });
      i = best - 1;
    }
  }
  return out;
}
