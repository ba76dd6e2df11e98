/**
 * The Japanese morphological analyzer behind name detection: kuromoji 0.1.2 (npm, Apache-2.0)
 * with the IPADIC dictionary that ships inside the package (dict/*.dat.gz, 17 MB): no download,
 * no install script, works offline. IPADIC tags person names 名詞,固有名詞,人名,姓 / 名, knows the
 * common words that take さん (お母さん, 大家, ヘルパー …) and picks the reading that fits the
 * context (田中が来所: a name; 東口が混雑: a name too — see names.ts for what is trusted alone).
 *
 * The dictionary is loaded once per process, synchronously, on first use (≈ 2 s, ≈ 250 MB; the
 * files are read and gunzipped here instead of through kuromoji's asynchronous builder, so that
 * `deidentify` stays a plain function). `warmAnalyzer()` loads it ahead of the first post.
 * Tokenising a 200-character post costs about 1 ms (bench/deidentify.ts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface Token {
  surface: string;
  /** Offset in the analysed text (UTF-16 units). */
  start: number;
  end: number;
  /** IPADIC part of speech: 名詞, 助詞 …, and its details (固有名詞, 人名, 姓 …; '*' when none). */
  pos: string;
  pos1: string;
  pos2: string;
  pos3: string;
  /** Not in the dictionary (kuromoji guessed it from the character class). */
  unknown: boolean;
}

interface RawToken {
  surface_form: string;
  pos: string;
  pos_detail_1: string;
  pos_detail_2: string;
  pos_detail_3: string;
  word_type: 'KNOWN' | 'UNKNOWN';
}

interface Dictionaries {
  trie: { commonPrefixSearch(key: string): { k: string; v: number }[] };
  token_info_dictionary: { target_map: Record<number, number[]>; getFeatures(id: string | number): string | undefined };
  loadTrie(base: Int32Array, check: Int32Array): void;
  loadTokenInfoDictionaries(info: Uint8Array, pos: Uint8Array, targetMap: Uint8Array): void;
  loadConnectionCosts(cc: Int16Array): void;
  loadUnknownDictionaries(
    unk: Uint8Array,
    pos: Uint8Array,
    map: Uint8Array,
    cat: Uint8Array,
    compat: Uint32Array,
    invoke: Uint8Array,
  ): void;
}

interface Analyzer {
  dic: Dictionaries;
  tokenizer: { tokenize(text: string): RawToken[] };
}

const require = createRequire(import.meta.url);
let analyzer: Analyzer | null = null;

function load(): Analyzer {
  const dir = join(dirname(require.resolve('kuromoji/package.json')), 'dict');
  const file = (name: string) => {
    const b = gunzipSync(readFileSync(join(dir, name)));
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  };
  const DynamicDictionaries = require('kuromoji/src/dict/DynamicDictionaries') as new () => Dictionaries;
  const Tokenizer = require('kuromoji/src/Tokenizer') as new (dic: Dictionaries) => Analyzer['tokenizer'];
  const dic = new DynamicDictionaries();
  dic.loadTrie(new Int32Array(file('base.dat.gz')), new Int32Array(file('check.dat.gz')));
  dic.loadTokenInfoDictionaries(
    new Uint8Array(file('tid.dat.gz')),
    new Uint8Array(file('tid_pos.dat.gz')),
    new Uint8Array(file('tid_map.dat.gz')),
  );
  dic.loadConnectionCosts(new Int16Array(file('cc.dat.gz')));
  dic.loadUnknownDictionaries(
    new Uint8Array(file('unk.dat.gz')),
    new Uint8Array(file('unk_pos.dat.gz')),
    new Uint8Array(file('unk_map.dat.gz')),
    new Uint8Array(file('unk_char.dat.gz')),
    new Uint32Array(file('unk_compat.dat.gz')),
    new Uint8Array(file('unk_invoke.dat.gz')),
  );
  return { dic, tokenizer: new Tokenizer(dic) };
}

function get(): Analyzer {
  analyzer ??= load();
  return analyzer;
}

/** Loads the dictionary now (e.g. at start-up) rather than on the first de-identification. */
export function warmAnalyzer(): void {
  get();
}

/** Tokens of `text`, with their offsets. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let pos = 0;
  for (const r of get().tokenizer.tokenize(text)) {
    const at = text.indexOf(r.surface_form, pos);
    const start = at < 0 ? pos : at;
    const end = start + r.surface_form.length;
    out.push({
      surface: r.surface_form,
      start,
      end,
      pos: r.pos,
      pos1: r.pos_detail_1,
      pos2: r.pos_detail_2,
      pos3: r.pos_detail_3,
      unknown: r.word_type === 'UNKNOWN',
    });
    pos = end;
  }
  return out;
}

export interface Entry {
  length: number;
  /** IPADIC features: surface, pos, pos1, pos2, pos3, … */
  features: string[];
}

/** Every dictionary word that starts at `text[i]`, whatever the context. */
export function wordsAt(text: string, i: number, maxLength = 12): Entry[] {
  const { dic } = get();
  const out: Entry[] = [];
  for (const { k, v } of dic.trie.commonPrefixSearch(text.slice(i, i + maxLength))) {
    for (const id of dic.token_info_dictionary.target_map[v] ?? []) {
      const f = dic.token_info_dictionary.getFeatures(id);
      if (f) out.push({ length: k.length, features: f.split(',') });
    }
  }
  return out;
}

/** The dictionary entries of exactly `word`. */
export function entriesOf(word: string): string[][] {
  return wordsAt(word, 0, word.length)
    .filter((e) => e.length === word.length)
    .map((e) => e.features);
}

export const isPersonName = (features: readonly string[]) => features[2] === '固有名詞' && features[3] === '人名';
