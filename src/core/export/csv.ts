import type { ExportRow } from './collect';
import { encodeCp932 } from './encoding';

const CSV_COLUMNS: [keyof ExportRow, string][] = [
  ['caseCode', 'ケース番号'],
  ['kind', '区分'],
  ['id', '記録ID'],
  ['version', '版'],
  ['state', '状態'],
  ['date', '日付'],
  ['author', '担当・記録者'],
  ['method', '方法'],
  ['type', '種別'],
  ['content', '内容'],
  ['minutes', '時間（分）'],
  ['nextAction', '次の対応'],
  ['due', '期限・終了日'],
  ['abuse', '虐待の疑い'],
  ['reason', '変更・削除の理由'],
  ['extra', 'その他'],
];

/**
 * A cell as Excel reads it safely: quoted, quotes doubled, and a leading = + - @ (or tab / CR)
 * defused with an apostrophe, so that a record's text can never run as a formula.
 */
function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replaceAll('"', '""')}"`;
}

function csvText(rows: ExportRow[]): string {
  const lines = [CSV_COLUMNS.map(([, label]) => csvCell(label)).join(',')];
  for (const r of rows) lines.push(CSV_COLUMNS.map(([k]) => csvCell(r[k])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * CRLF line ends, in one of the two encodings Excel on Japanese Windows opens without mojibake:
 * UTF-8 with a BOM (every character kept; Excel 2016 and later), or Shift_JIS (CP932, what older
 * Excel and most municipal systems expect; characters it lacks become 〓 and are counted).
 */
export function toCsv(rows: ExportRow[], encoding: 'utf-8-bom' | 'cp932' = 'utf-8-bom'): { body: Buffer; replaced: number } {
  const text = csvText(rows);
  if (encoding === 'cp932') {
    const { bytes, replaced } = encodeCp932(text);
    return { body: bytes, replaced };
  }
  return { body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]), replaced: 0 };
}
