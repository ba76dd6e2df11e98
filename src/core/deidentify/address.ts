/**
 * Street addresses: from the prefecture or municipality through the block numbers and the
 * building / room, e.g. 神奈川県綾瀬市深谷中1-2-3, 綾瀬市深谷中一丁目2番3号, 東京都千代田区丸の内1丁目,
 * 〇〇市〇〇町1-2 ハイツ綾瀬101号室, 札幌市中央区北3条西4丁目1-2, 寺尾1の2の3. Block numbers are
 * required: a municipality alone (綾瀬市では…) stays, because regional issues talk about the region.
 * After 住所 / 居所 / 所在地 a town with block numbers is removed even without a municipality, and
 * so are block numbers that are an address by their shape (N丁目N番N号, N丁目N-N, 北N条西N丁目,
 * N番地, NのNのN) with the town before them. Kanji numerals arrive as digits (numerals.ts).
 */
import { DASH, HAN, HIRA, KATA, spansOf } from './view';
import type { Span } from './view';

const KANJI_NUMBER = '[一二三四五六七八九十]+';
const N = '\\d{1,5}';
const D = `[${DASH}]`;
/** Words that would make a number a count, an age or a date rather than a block number. */
const NOT_BLOCK_AFTER = `(?![\\d${DASH}件人回歳時分日月年名割代円目台枚通個本度週箇ヵ%]|[かヶケ][所月国条])`;
const CHOME_TAIL = `(?:\\s?${N}(?:番地?(?:の?${N}号?)?|(?:${D}${N}){1,2}|号))`;
/** 札幌's 北3条西4丁目1-2, 旭川's 3条2丁目: 条 with a direction or a 丁目. */
const JO = `${N}条(?:\\s?[東西南北]\\s?${N}丁目|\\s?${N}丁目)?${CHOME_TAIL}?`;
const BLOCK =
  `(?!(?:19|20)\\d\\d${D}\\d{1,2}${D}\\d{1,2}(?!\\d))` + // not a date written 2026-11-22
  `(?:${N}(?:${D}${N}){1,3}(?:号室?|番地?)?` + // 1-2-3, 1-2-3-101
  `|(?:\\d{1,2}|${KANJI_NUMBER})丁目${CHOME_TAIL}?` + // 一丁目2番3号
  `|${JO}` +
  `|${N}(?:の${N}){1,3}(?:号|番地?)?` + // 1の2の3
  `|${N}番地?(?:の?${N}(?:号|番地?)?(?:${D}${N})?)?)` + // 1234番地5, 2番3号
  NOT_BLOCK_AFTER;
/**
 * Block numbers that are an address by their shape alone, with the town before them:
 * 深谷中1丁目2番3号, 中央2丁目3-4, 北3条西4丁目1-2, 中津1234番地5, 寺尾1の2の3.
 */
const STRONG_BLOCK =
  `(?:(?:\\d{1,2}|${KANJI_NUMBER})丁目${CHOME_TAIL}` +
  `|(?:[東西南北]\\s?)?${N}条\\s?(?:[東西南北]\\s?)?${N}丁目${CHOME_TAIL}?` +
  `|${N}番地(?:の?${N}(?:号|番地?)?)?` +
  `|${N}(?:の${N}){2,3}(?:号|番地?)?)` +
  NOT_BLOCK_AFTER;
const BUILDING_WORD =
  'マンション|ハイツ|アパート|コーポ|ビル|荘|レジデンス|メゾン|ハウス|タワー|団地|住宅|寮|コート|パレス|ヒルズ|プラザ|テラス|ホーム';
const BUILDING_NAME = `[${HAN}${KATA}A-Za-z・]`;
const ROOM = `(?:${N}号?棟\\s?)?${N}(?:号室|号|室)`;
const BUILDING =
  `(?:\\s?${BUILDING_NAME}{0,20}?(?:${BUILDING_WORD})${BUILDING_NAME}{0,10}(?:\\s?(?:${ROOM}|${N}(?![\\d${DASH}])))?` +
  `|\\s?${BUILDING_NAME}{0,20}?\\s?${ROOM})?`;
const PREFECTURE = `(?:北海道|東京都|京都府|大阪府|(?:神奈川|和歌山|鹿児島|\\p{sc=Han}{2})県)`;
/** Municipalities whose names are written in hiragana. */
const KANA_MUNICIPALITY =
  'さいたま|つくばみらい|つくば|ひたちなか|いわき|かすみがうら|あきる野|ふじみ野|みよし|みやま|うきは|えびの|いなべ|たつの|あま|みどり|南あわじ|いちき串木野|かほく|あわら|おいらせ|むつ|つがる|にかほ|みなかみ|ときがわ|さくら';
/**
 * A municipality: starting where a word starts (so 自宅綾瀬市 takes 自宅 along, a price for never
 * leaving the address), or, when it is glued to a long run of kanji, the last 2–3 kanji before
 * the suffix. Several may follow one another (横浜市港北区, 愛甲郡愛川町).
 */
const MUNICIPALITY = `(?:(?<![${HAN}${KATA}])[${HAN}${KATA}]{1,6}?|[${HAN}]{2,3}|${KANA_MUNICIPALITY})(?:市|区|町|村|郡)`;
const TOWN = `(?![はでにをがのへともや])[${HAN}${KATA}${HIRA}・]{0,12}?`;

const FULL_ADDRESS = new RegExp(`(?:${PREFECTURE}\\s?)?(?:${MUNICIPALITY}\\s?)+${TOWN}\\s?${BLOCK}${BUILDING}`, 'gu');
const STANDALONE = new RegExp(`(?:[${HAN}${KATA}・]{1,10}?\\s?)?${STRONG_BLOCK}${BUILDING}`, 'gu');
const AFTER_ADDRESS_WORD = new RegExp(
  `(?<=(?:住所|居所|所在地|住まい)[\\s:：は]{0,3})${TOWN.replace('{0,12}', '{1,12}')}\\s?${BLOCK}${BUILDING}`,
  'gu',
);

export function findAddresses(t: string): Span[] {
  return [
    ...spansOf(t, FULL_ADDRESS, 'address', '〔住所〕', 7),
    ...spansOf(t, AFTER_ADDRESS_WORD, 'address', '〔住所〕', 7),
    ...spansOf(t, STANDALONE, 'address', '〔住所〕', 7),
  ];
}
