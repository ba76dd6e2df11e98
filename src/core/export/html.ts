import type { PersonRecord } from './collect';
import { documentOf, footerLine, outputTime, type DocItem, type DocMeta, type DocPerson } from './document';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const fieldList = (fields: [string, string][]) =>
  fields.length === 0 ? '' : `<dl>${fields.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join('')}</dl>`;

function item(it: DocItem): string {
  const cls = it.state ? ` class="entry ${it.state}"` : ' class="entry"';
  return `<article${cls}>
<h4>${escapeHtml(it.title)}</h4>${it.meta ? `<p class="meta">${escapeHtml(it.meta)}</p>` : ''}
${it.body ? `<p class="body">${escapeHtml(it.body)}</p>` : ''}${fieldList(it.fields)}${it.note ? `<p class="note">${escapeHtml(it.note)}</p>` : ''}${
  it.children && it.children.length > 0
    ? `<div class="thread"><h5>経過（${it.children.length}件）</h5>${it.children.map(item).join('\n')}</div>`
    : ''
}
</article>`;
}

function person(d: DocPerson): string {
  return `<section class="person">
<h2>${escapeHtml(d.code)}　${escapeHtml(d.name)}</h2>
<h3>基本情報</h3>${fieldList(d.profile)}
${d.sections.map((s) => `<h3>${escapeHtml(s.heading)}（${s.items.length}件）</h3>${s.items.length === 0 ? `<p class="empty">${escapeHtml(s.empty)}</p>` : s.items.map(item).join('\n')}`).join('\n')}
</section>`;
}

/**
 * The record as a web page a phone reads (one column, text at reading size, each entry a
 * block) and a browser prints on A4. Self-contained: no scripts, no external resources; every
 * value escaped.
 */
export function toHtml(meta: DocMeta, records: PersonRecord[]): Buffer {
  const html = `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(meta.title)}</title>
<style>
:root { color-scheme: light; }
body { font-family: "BIZ UDPGothic", "Hiragino Sans", "Yu Gothic", "Noto Sans CJK JP", "Noto Sans JP", sans-serif; font-size: 16px; line-height: 1.6; color: #111; margin: 0 auto; padding: 12px; max-width: 46rem; overflow-wrap: anywhere; }
header { border-bottom: 2px solid #1f3f5f; margin-bottom: 12px; }
h1 { font-size: 1.35rem; margin: 0 0 4px; } header p { margin: 0 0 8px; font-size: .85rem; color: #333; }
h2 { font-size: 1.2rem; background: #1f3f5f; color: #fff; padding: 6px 10px; border-radius: 4px; margin: 20px 0 8px; }
h3 { font-size: 1.05rem; border-left: 5px solid #1f3f5f; padding-left: 8px; margin: 18px 0 8px; }
h4 { font-size: 1rem; margin: 0; } h5 { font-size: .9rem; margin: 8px 0 4px; color: #333; }
dl { margin: 4px 0; } dl > div { display: flex; gap: 8px; border-bottom: 1px solid #e3e3e3; padding: 3px 0; }
dt { flex: 0 0 9.5em; color: #444; font-size: .9rem; } dd { margin: 0; flex: 1; white-space: pre-wrap; }
.entry { border: 1px solid #c9c9c9; border-radius: 6px; padding: 8px 10px; margin: 8px 0; break-inside: avoid; }
.meta { margin: 0; font-size: .85rem; color: #444; } .body { margin: 6px 0; white-space: pre-wrap; }
.note { margin: 4px 0 0; font-size: .85rem; color: #8a1c1c; }
.old { background: #f4f4f4; color: #555; } .deleted .body { text-decoration: line-through; }
.thread { margin-left: 10px; border-left: 3px solid #d6d6d6; padding-left: 8px; } .thread .entry { border-style: dashed; }
.empty { color: #555; }
@media (max-width: 30rem) { dl > div { flex-direction: column; gap: 0; } dt { flex: none; } }
@page { size: A4; margin: 15mm 12mm; }
@media print { body { font-size: 10.5pt; max-width: none; padding: 0; } h2 { break-after: avoid; } .person + .person { break-before: page; } }
</style></head><body>
<header><h1>${escapeHtml(meta.title)}</h1><p>${escapeHtml(footerLine(meta))}</p></header>
${records.length === 0 ? '<p>記録はありません。</p>' : records.map((r) => person(documentOf(r))).join('\n')}
<footer><p class="meta">出力 ${escapeHtml(outputTime(meta.generatedAt))}・この文書には個人情報が含まれます。取り扱いに注意してください。</p></footer>
</body></html>
`;
  return Buffer.from(html, 'utf8');
}
