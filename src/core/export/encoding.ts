import iconv from 'iconv-lite';
import { UserError, type UserErrorCode } from '../errors';

/**
 * CSV as Japanese Excel reads and writes it. 「CSV UTF-8（コンマ区切り）」 is UTF-8 with a BOM;
 * plain 「CSV（コンマ区切り）」 is Shift_JIS as Windows has it (CP932: NEC and IBM extensions,
 * ～ as U+FF5E). Files from elsewhere are often UTF-8 without a BOM.
 */
export type CsvEncoding = 'utf-8' | 'utf-8-bom' | 'cp932';

const SAVE_AS = 'Excelの「名前を付けて保存」で「CSV UTF-8（コンマ区切り）」か「CSV（コンマ区切り）」を選んで保存し直してください。';
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function refuse(code: UserErrorCode, message: string, log: string): never {
  throw new UserError(code, message, log);
}

/**
 * Bytes of a CSV file → its text, whichever of the three encodings it is in. Anything else (an
 * .xlsx, UTF-16, a file of another encoding or broken bytes) is refused with what to do.
 */
export function decodeCsv(bytes: Uint8Array): { text: string; encoding: CsvEncoding } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) {
    refuse('csv_is_xlsx', `Excelのブック（.xlsx）はそのまま読み込めません。${SAVE_AS}`, 'csv upload is a zip/xlsx');
  }
  if (b.length >= 2 && ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff))) {
    refuse('csv_utf16', `「Unicode テキスト」（UTF-16）の形式は読み込めません。${SAVE_AS}`, 'csv upload is UTF-16');
  }
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
    try {
      return { text: utf8.decode(b.subarray(3)), encoding: 'utf-8-bom' };
    } catch {
      refuse(
        'csv_encoding',
        `ファイルの先頭はUTF-8の印がありますが、途中に読めない文字があります。${SAVE_AS}`,
        'csv upload: BOM but invalid UTF-8',
      );
    }
  }
  if (b.includes(0)) refuse('csv_binary', `CSV（文字だけのファイル）ではないようです。${SAVE_AS}`, 'csv upload has NUL bytes');
  try {
    return { text: utf8.decode(b), encoding: 'utf-8' };
  } catch {
    // Not UTF-8: Shift_JIS, if every byte sequence is one CP932 defines.
  }
  const text = iconv.decode(b, 'cp932');
  if (!text.includes('\uFFFD')) return { text, encoding: 'cp932' };
  return refuse(
    'csv_encoding',
    `ファイルの文字コードを読み取れませんでした（UTF-8でもShift_JISでもありません）。${SAVE_AS}`,
    'csv upload: neither UTF-8 nor CP932',
  );
}

/** Characters typed on a Mac or taken from JIS-mapped text, as CP932 spells the same glyph. */
const TO_CP932: Record<string, string> = {
  '\u301C': '\uFF5E', // 〜 WAVE DASH → ～
  '\u2016': '\u2225', // ‖ → ∥
  '\u2212': '\uFF0D', // − MINUS SIGN → －
  '\u00A2': '\uFFE0', // ¢ → ￠
  '\u00A3': '\uFFE1', // £ → ￡
  '\u00AC': '\uFFE2', // ¬ → ￢
  '\u2014': '\u2015', // — EM DASH → ―
};
/** What Japanese documents have long put where a character cannot be written: 〓 (geta). */
export const GETA = '\u3013';

const encodable = new Map<string, boolean>();
function inCp932(ch: string): boolean {
  let ok = encodable.get(ch);
  if (ok === undefined) {
    const bytes = iconv.encode(ch, 'cp932');
    ok = !(bytes.length === 1 && bytes[0] === 0x3f && ch !== '?');
    if (encodable.size < 10_000) encodable.set(ch, ok);
  }
  return ok;
}

/**
 * Text → CP932 bytes. Characters CP932 lacks (𠮷, emoji, some names' variant kanji) become 〓
 * and are counted, so that the person exporting is told to use the UTF-8 file for those.
 */
export function encodeCp932(text: string): { bytes: Buffer; replaced: number } {
  let replaced = 0;
  let out = '';
  for (const ch of text) {
    const c = TO_CP932[ch] ?? ch;
    if (c.charCodeAt(0) < 0x80 || inCp932(c)) out += c;
    else {
      out += GETA;
      replaced++;
    }
  }
  return { bytes: iconv.encode(out, 'cp932'), replaced };
}

/**
 * A CSV as the chat carries it: typed or pasted text as it is, or a file chosen in the browser,
 * which the page sends as a `data:` URL of its bytes (so that the encoding is read here, from the
 * bytes, not guessed by the browser).
 */
export function csvFromUpload(value: string): { text: string; encoding: CsvEncoding | null } {
  const m = /^data:[^,;]*(?:;[^,;]*)*;base64,([A-Za-z0-9+/=\s]*)$/.exec(value);
  if (!m) return { text: value, encoding: null };
  return decodeCsv(Buffer.from(m[1] ?? '', 'base64'));
}
