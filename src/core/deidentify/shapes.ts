/**
 * Names the registry does not know, found by their shape in context (a mother 京子さん, a
 * grandmother 大野さん, 長男 太郎（15歳）), with the morphological analyzer (analyzer.ts):
 *  1. honorific: さん さま 様 くん 君 ちゃん 氏 殿 after a name-like word. The word is the run of
 *     kanji / katakana (or else hiragana) just before it, less leading role or relation words
 *     (祖母大野さん → 大野) and, for hiragana, a leading particle (母のゆかりちゃん → ゆかり). It stays when
 *     it is a word that takes an honorific without being a name: a role, a relative, a place
 *     (ヘルパーさん, 相談員さん, お母さん, 大家さん, 包括さん, 皆さん: the list below, a dictionary
 *     word of two or more characters with a kanji that is no name, a word ending in a suffix such
 *     as 員 師 所), a letter standing for a person (Aさん) or a mark (〇〇さん). A kana word or a
 *     single kanji is a name there even where the dictionary knows it as a word (さくらさん,
 *     マリアさん, 空くん). The honorific must stand as one (様子, 氏名, たくさん, 同様, ちゃんと are
 *     words of their own);
 *  2. relation (続柄: 母 父 妻 夫 祖母 … 長男 長女, 同居人, 隣人 …) followed by a name: after 「・」,
 *     a space, 「：」 or 「（」 any word that is not a common noun of the サ変 kind (母・京子, 長女 さくら,
 *     but 母 入院中); after 「の」 or directly, only what the analyzer reads as a person's name or
 *     does not know (母の京子, 母京子, but 母の介護, 母の死); and, after any of them, whatever word
 *     stands before an age or school year in brackets (弟の湊（小3）, 長男 太一（15歳）);
 *  3. a family name followed by a given name as the analyzer reads them (鈴木一郎, 江藤 まこと,
 *     田中陽菜), and a family or given name of two or more characters that the analyzer reads
 *     as a person's name before a particle (田中が来所, 京子と同居; not 田中病院, not 夏祭り).
 * Bare one-character names (林は) and bare kana names are left to the registry (names.ts).
 */
import { entriesOf, isPersonName, tokenize, wordsAt, type Token } from './analyzer';
import { HAN } from './view';
import type { Span } from './view';

const SHAPE_HONORIFICS = ['ちゃん', 'さん', 'さま', 'くん', '先生', '様', '氏', '君', '殿'];
/** Kanji that may follow a kanji honorific: 田中様宅, 鈴木氏方, 佐藤君達. */
const AFTER_KANJI_HONORIFIC = ['宅', '方', '達', '家', '邸', '一家', '夫妻', '夫婦', '親子', '本人', '自身', '側', '等', '宛'];

/** 続柄 and other people close to the person, after which a name is written. */
const RELATIONS = [
  '母',
  '父',
  '妻',
  '夫',
  '祖母',
  '祖父',
  '兄',
  '姉',
  '弟',
  '妹',
  '長男',
  '長女',
  '次男',
  '次女',
  '三男',
  '三女',
  '四男',
  '四女',
  '息子',
  '娘',
  '母親',
  '父親',
  '実母',
  '実父',
  '義母',
  '義父',
  '養母',
  '養父',
  '継母',
  '継父',
  '叔父',
  '叔母',
  '伯父',
  '伯母',
  '義兄',
  '義姉',
  '義弟',
  '義妹',
  '孫',
  '甥',
  '姪',
  '従兄',
  '従姉',
  '従弟',
  '従妹',
  'いとこ',
  '配偶者',
  '内縁の夫',
  '内縁の妻',
  '元夫',
  '元妻',
  '前夫',
  '前妻',
  '婚約者',
  '同居人',
  '隣人',
  '知人',
  '友人',
  '交際相手',
  '曾祖母',
  '曽祖母',
  '曾祖父',
  '曽祖父',
];

/** Words that take an honorific without being a name (besides any non-name dictionary word). */
const NOT_NAMES = new Set([
  ...RELATIONS,
  'お母',
  'お父',
  'お兄',
  'お姉',
  '母',
  '父',
  '兄',
  '姉',
  '奥',
  '旦那',
  '主人',
  'ご主人',
  'お子',
  '子',
  '赤',
  'お孫',
  '親御',
  '両親',
  'ご両親',
  '家族',
  'ご家族',
  '本人',
  'ご本人',
  '皆',
  'みな',
  'みんな',
  '皆々',
  'お客',
  '客',
  '利用者',
  '患者',
  '相談者',
  '当事者',
  '支援者',
  '担当',
  '担当者',
  'ご担当',
  '大家',
  '家主',
  '管理人',
  'ヘルパー',
  'ケアマネ',
  'ケアマネジャー',
  'ケアマネージャー',
  'ワーカー',
  'ケースワーカー',
  'ソーシャルワーカー',
  'サビ管',
  'サ責',
  '相談員',
  '支援員',
  '指導員',
  '職員',
  '先生',
  '医師',
  'お医者',
  '看護師',
  '保健師',
  '事務員',
  '店員',
  '駅員',
  '運転手',
  '民生委員',
  '委員',
  '隣',
  'お隣',
  '近所',
  'ご近所',
  '業者',
  '事業所',
  '作業所',
  '施設',
  '病院',
  '包括',
  '基幹',
  '社協',
  '役所',
  '市役所',
  '区役所',
  '学校',
  '保育園',
  '幼稚園',
  'ホーム',
  'グループホーム',
  '後見人',
  '弁護士',
  '司法書士',
  '警察',
  'お巡り',
  'おまわり',
  '神',
  '仏',
  '王',
  'お疲れ',
  'ご苦労',
  'お世話',
  '相手',
  '先方',
  '当方',
  '各位',
  '訪看',
  '訪問看護',
  'ステーション',
  '薬局',
  '主治医',
  '担任',
  'B型',
  'A型',
  'お嬢',
  'お坊',
  'おばあ',
  'おじい',
  'ばあ',
  'じい',
  'おば',
  'おじ',
  'おにい',
  'おねえ',
  '兄弟',
  '姉妹',
  '夫婦',
  'デイ',
  'ショート',
  'ショートステイ',
  'デイサービス',
  'デイケア',
  '地域包括',
  '訪問介護',
  '生活介護',
  '相談支援',
  '行政',
  '保健センター',
  'ガイヘル',
  'サービス',
  'センター',
  'クリニック',
  'スタッフ',
  'ボランティア',
  'パート',
  'バイト',
  'オーナー',
  'マネージャー',
]);

/** Suffixes that make a word a role or a place: 相談員, 保健師, 作業所, 八百屋. */
const ROLE_SUFFIX = /^(?:員|師|士|者|所|課|係|長|官|局|園|院|店|屋|会|館|署|部|室|校|科|班|団|協|医)$/;
/** 弟の湊（小3）: a word after 「の」 with an age or school year in brackets is a name. */
const AGE_AFTER = /^\s?\((?:\d{1,3}\s?(?:歳|才|か月|ヶ月|代)|[小中高]\d|年[長中少]|\d歳児)/;
const IS_HAN = new RegExp(`[${HAN}]`, 'u');
const isHan = (c: string | undefined) => c !== undefined && c !== '〇' && IS_HAN.test(c);
const isKata = (c: string | undefined) => c !== undefined && /[ァ-ヺー]/.test(c);
const isHira = (c: string | undefined) => c !== undefined && /[ぁ-ゖ]/.test(c);
const isLatin = (c: string | undefined) => c !== undefined && /[A-Za-z]/.test(c);
const isNameChar = (c: string | undefined) => isHan(c) || isKata(c);
const SEPARATOR = /[ ・\u3000]/;
const MAX_CHUNK = 12;

const isPersonToken = (t: Token) => t.pos1 === '固有名詞' && t.pos2 === '人名';
const isParticle = (t: Token) => t.pos === '助詞';
const isCommonSahen = (t: Token) => !t.unknown && t.pos1 === 'サ変接続';

/** A dictionary noun none of whose readings is a name (病院, パート; but not 京子, 大野). */
function isCommonWord(word: string): boolean {
  const entries = entriesOf(word);
  return entries.length > 0 && !entries.some(isPersonName) && entries.some((f) => f[1] === '名詞');
}

/**
 * A word before an honorific that is no name: in the list, or a common word of two or more
 * characters with a kanji in it (病院, 学校). Kana words and single kanji are names there:
 * さくらさん, ひかりちゃん, マリアさん, 空くん are names though the dictionary knows them as words.
 */
function isNotName(word: string): boolean {
  if (NOT_NAMES.has(word)) return true;
  return [...word].length >= 2 && /\p{sc=Han}/u.test(word) && isCommonWord(word);
}

/**
 * Whether the honorific at h is only part of a longer word: one that starts with it (様子, 氏名,
 * ちゃんと) or one that starts where the name would and takes it in (たくさん, 同様, 母さん, 彼氏).
 */
function honorificInsideWord(t: string, h: number, len: number, nameStart: number): boolean {
  if (wordsAt(t, h).some((e) => e.length > len)) return true;
  return wordsAt(t, nameStart, h - nameStart + len + 2).some((e) => nameStart + e.length >= h + len && !isPersonName(e.features));
}

/** Start of the name in the chunk [s, h): leading role / relation words and particles dropped. */
function nameStart(t: string, s: number, h: number): number {
  const chunk = t.slice(s, h);
  const tokens = tokenize(chunk);
  if (isHira(chunk[0]) && !isNameChar(chunk.at(-1))) {
    let k = 0;
    while (k < tokens.length - 1 && (isParticle(tokens[k]!) || tokens[k]!.pos1 === '代名詞' || tokens[k]!.pos === '助動詞')) k++;
    return s + (tokens[k]?.start ?? 0);
  }
  // 祖母大野, 相談員田中: what stands before a person's name is a role; before a word the
  // dictionary does not know (相談員ユウキ, but not 小鳥遊), only a listed one or a suffixed word.
  const firstName = tokens.findIndex(isPersonToken);
  const firstUnknown = tokens.findIndex((x) => x.unknown);
  const rolePrefix = (k: number) => {
    const prefix = chunk.slice(0, tokens[k]!.start);
    return NOT_NAMES.has(prefix) || (tokens[k - 1]?.pos1 === '接尾' && !isPersonToken(tokens[k - 1]!));
  };
  const nounsBefore = (k: number) => tokens.slice(0, k).every((x) => x.pos === '名詞');
  let k = firstName > 0 && nounsBefore(firstName) ? firstName : firstUnknown > 0 && rolePrefix(firstUnknown) ? firstUnknown : 0;
  while (k < tokens.length - 1 && NOT_NAMES.has(tokens[k]!.surface)) k++;
  return s + (tokens[k]?.start ?? 0);
}

function honorificSpans(t: string): Span[] {
  const out: Span[] = [];
  for (let h = 1; h < t.length; h++) {
    const hon = SHAPE_HONORIFICS.find((w) => t.startsWith(w, h));
    if (!hon) continue;
    const after = h + hon.length;
    if (isHan(hon) && isHan(t[after]) && !AFTER_KANJI_HONORIFIC.some((w) => t.startsWith(w, after))) continue;
    let s = h;
    if (isNameChar(t[h - 1])) while (s > 0 && h - s < MAX_CHUNK && isNameChar(t[s - 1])) s--;
    else if (isHira(t[h - 1])) while (s > 0 && h - s < MAX_CHUNK && isHira(t[s - 1])) s--;
    else if (isLatin(t[h - 1])) while (s > 0 && h - s < MAX_CHUNK && isLatin(t[s - 1])) s--;
    if (s === h || (isLatin(t[s]) && h - s < 2)) continue;
    if (honorificInsideWord(t, h, hon.length, s)) continue;
    if (isHira(t[s]) && isNameChar(t[s - 1]) && /[のとはがをにもへやで]/.test(t[s]!) && h - s > 2) s++;
    s = nameStart(t, s, h);
    const word = t.slice(s, h);
    if (word === '' || isNotName(word) || honorificInsideWord(t, h, hon.length, s)) continue;
    const tokens = tokenize(word);
    if (tokens.every((x) => x.pos === '助詞' || x.pos === '助動詞')) continue;
    const last = tokens.at(-1);
    if (tokens.length > 1 && last && ROLE_SUFFIX.test(last.surface) && !tokens.some(isPersonToken)) continue;
    // 田中 一郎さん: a family name before a space belongs to the name too.
    if (SEPARATOR.test(t[s - 1] ?? '') && isNameChar(t[s - 2])) {
      let f = s - 1;
      while (f > 0 && s - 1 - f < 5 && isNameChar(t[f - 1])) f--;
      const family = tokenize(t.slice(f, s - 1));
      if (family.length > 0 && family.every(isPersonToken)) s = f;
    }
    out.push({ start: s, end: after, kind: 'name', label: '〔氏名〕', priority: 8 });
    h = after - 1;
  }
  return out;
}

/** Index of the token starting exactly at `pos`, or -1. */
function tokenAt(tokens: Token[], pos: number): number {
  return tokens.findIndex((x) => x.start === pos);
}

function relationSpans(t: string, tokens: Token[]): Span[] {
  const out: Span[] = [];
  const sorted = [...RELATIONS].sort((a, b) => b.length - a.length);
  for (let i = 0; i < tokens.length; i++) {
    // The relation is one token (父母, 母子, 母親 are words of their own) or a run of them (内縁の夫).
    const rel = sorted.find((r) => t.startsWith(r, tokens[i]!.start) && tokenAt(tokens, tokens[i]!.start + r.length) >= 0);
    if (!rel) continue;
    let pos = tokens[i]!.start + rel.length;
    const sep = t[pos] ?? '';
    const strong = /[ ・\u3000:(]/.test(sep);
    if (strong || sep === 'の') pos++;
    if (strong && SEPARATOR.test(t[pos] ?? '')) pos++;
    let k = tokenAt(tokens, pos);
    if (k < 0) continue;
    const start = pos;
    let end = pos;
    let n = 0;
    for (; k < tokens.length && n < 3; k++, n++) {
      const x = tokens[k]!;
      const nameLike = isPersonToken(x) || (x.unknown && x.pos === '名詞' && x.pos1 !== '数' && /^[\p{sc=Han}ァ-ヺー]+$/u.test(x.surface));
      const loose = strong && x.pos === '名詞' && !['数', '接尾', '代名詞', '非自立'].includes(x.pos1) && !x.unknown;
      if (!nameLike && !(loose && (n === 0 || x.surface.length === 1))) break;
      if (n === 0 && !nameLike && (isCommonSahen(x) || NOT_NAMES.has(x.surface))) break;
      end = x.end;
    }
    // 父：健二: a given name ending in a numeral the analyzer reads as a number.
    const numeral = tokens[k];
    if (end > start && numeral && numeral.start === end && /^[一二三四五六七八九十]+$/.test(numeral.surface) && !isHan(t[numeral.end])) {
      end = numeral.end;
      k++;
    }
    // 長男 太一（15歳）, 弟の湊（小3）: whatever stands between the relation and an age is a name.
    const run = /^(?:[\p{sc=Han}ァ-ヺー]{1,6}|[ぁ-ゖ]{1,6})/u.exec(t.slice(start))?.[0] ?? '';
    const aged = run !== '' && AGE_AFTER.test(t.slice(start + run.length, start + run.length + 8));
    if (aged && (strong || sep === 'の') && !NOT_NAMES.has(run) && (strong || !isNotName(run))) {
      out.push({ start, end: start + run.length, kind: 'name', label: '〔氏名〕', priority: 8 });
      continue;
    }
    if (end === start) continue;
    // 母・陽菜: a loose word of several tokens must not be a common compound (母 精神疾患).
    const word = t.slice(start, end);
    const bracketAfter = /^\s?\(/.test(t.slice(end, end + 2));
    if (strong && !bracketAfter && !tokens.slice(tokenAt(tokens, start), k).some(isPersonToken) && word.length > 1 && isNotName(word))
      continue;
    out.push({ start, end, kind: 'name', label: '〔氏名〕', priority: 8 });
    i = k - 1;
  }
  return out;
}

const NOT_AFTER_NAME = new Set(['接尾']);

function bareNameSpans(_t: string, tokens: Token[]): Span[] {
  const out: Span[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const x = tokens[i]!;
    if (!isPersonToken(x)) continue;
    let j = i + 1;
    let end = x.end;
    if (x.pos3 === '姓') {
      // 鈴木一郎, 江藤 まこと, 田中陽菜 (陽 菜: a given name the dictionary splits).
      const sep = tokens[j] && SEPARATOR.test(tokens[j]!.surface) && tokens[j]!.surface.length === 1 ? 1 : 0;
      const g = tokens[j + sep];
      if (g && isPersonToken(g)) {
        end = g.end;
        j += sep + 1;
        while (
          tokens[j] &&
          tokens[j]!.surface.length === 1 &&
          isHan(tokens[j]!.surface) &&
          tokens[j]!.pos === '名詞' &&
          !NOT_AFTER_NAME.has(tokens[j]!.pos1)
        )
          end = tokens[j++]!.end;
        out.push({ start: x.start, end, kind: 'name', label: '〔氏名〕', priority: 8 });
        i = j - 1;
        continue;
      }
    }
    const next = tokens[j];
    if (NOT_NAMES.has(x.surface)) continue;
    if ([...x.surface].length >= 2 && (!next || isParticle(next) || next.surface === '(' || next.pos === '記号')) {
      out.push({ start: x.start, end, kind: 'name', label: '〔氏名〕', priority: 8 });
    }
  }
  return out;
}

export function findNameShapes(t: string): Span[] {
  if (!/[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}]/u.test(t)) return [];
  const tokens = tokenize(t);
  return [...honorificSpans(t), ...relationSpans(t, tokens), ...bareNameSpans(t, tokens)];
}

/** A reading in brackets right after a name: 田中一郎さん（タナカイチロウ）. */
export function readingsAfter(t: string, names: readonly Span[]): Span[] {
  const out: Span[] = [];
  for (const s of names) {
    const m = /^\s?\(([\s・ぁ-ゖァ-ヺー]{2,24})\)/.exec(t.slice(s.end));
    // 京子（パート）: a word in brackets is no reading.
    if (m && !isCommonWord(m[1]!.replace(/[\s・]/g, ''))) {
      const start = s.end + m[0].indexOf('(') + 1;
      out.push({ start, end: start + m[1]!.length, kind: 'name', label: '〔氏名〕', priority: 8 });
    }
  }
  return out;
}
