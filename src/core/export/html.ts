import { formatJpDate } from '../calendar/wareki';
import { jstDateOf } from '../calendar/jst';
import type { ExportData, ExportRow } from './collect';
import { CSV_COLUMNS } from './csv';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function dateCell(s: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) ? formatJpDate(s) : s;
}

function section(rows: ExportRow[]): string {
  const cols = CSV_COLUMNS.filter(([k]) => k !== 'caseCode' && k !== 'id' && rows.some((r) => r[k] !== '' && r[k] !== null));
  const head = cols.map(([, label]) => `<th>${escapeHtml(label)}</th>`).join('');
  const body = rows
    .map((r) => `<tr class="${r.state === '旧版' ? 'old' : r.state === '削除済み' ? 'deleted' : ''}">${cols.map(([k]) => `<td>${escapeHtml(k === 'date' || k === 'due' ? dateCell(String(r[k] ?? '')) : String(r[k] ?? ''))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/**
 * A printable document in Japanese (A4 landscape when printed from a browser to PDF): one
 * section per case, earlier versions and deletions shown and marked. Self-contained: no scripts,
 * no external resources.
 */
export function toHtml(data: ExportData): Buffer {
  const byCase = new Map<string, ExportRow[]>();
  for (const r of data.rows) byCase.set(r.caseCode, [...(byCase.get(r.caseCode) ?? []), r]);
  const sections = [...byCase.entries()].map(([code, rows]) => `<section><h2>${escapeHtml(code)}</h2>${section(rows)}</section>`).join('\n');
  const html = `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>${escapeHtml(data.title)}</title>
<style>
@page { size: A4 landscape; margin: 12mm; }
body { font-family: "Hiragino Kaku Gothic ProN", "Yu Gothic", "Noto Sans JP", sans-serif; font-size: 10pt; color: #000; }
h1 { font-size: 14pt; } h2 { font-size: 12pt; border-bottom: 1px solid #000; break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin-bottom: 8mm; }
th, td { border: 1px solid #666; padding: 2px 4px; vertical-align: top; white-space: pre-wrap; }
th { background: #eee; } tr { break-inside: avoid; }
tr.old td { color: #555; } tr.deleted td { text-decoration: line-through; }
</style></head><body>
<h1>${escapeHtml(data.title)}</h1>
<p>${escapeHtml(data.tenantName)}　出力日 ${escapeHtml(formatJpDate(jstDateOf(data.generatedAt)))}　全${data.rows.length}件（旧版・削除済みを含む）</p>
${sections || '<p>記録はありません。</p>'}
</body></html>
`;
  return Buffer.from(html, 'utf8');
}
