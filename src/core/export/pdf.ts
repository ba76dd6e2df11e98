import PDFDocument from 'pdfkit';
import type { PersonRecord } from './collect';
import { documentOf, footerLine, type DocItem, type DocMeta } from './document';

import { FONTS } from './fonts';

const INK = '#111111';
const GREY = '#555555';
const ACCENT = '#1f3f5f';
const WARN = '#8a1c1c';
const MARGIN = { top: 42, bottom: 56, left: 44, right: 44 };

type Doc = PDFKit.PDFDocument;

function heading(doc: Doc, text: string): void {
  if (doc.y > doc.page.height - MARGIN.bottom - 60) doc.addPage();
  doc.moveDown(0.6);
  const y = doc.y;
  doc.rect(MARGIN.left, y, 4, 16).fill(ACCENT);
  doc
    .fillColor(INK)
    .font('bold')
    .fontSize(12)
    .text(text, MARGIN.left + 10, y + 1);
  doc.moveDown(0.3);
}

function fields(doc: Doc, rows: [string, string][], color = INK, labelWidth = 130): void {
  const width = doc.page.width - MARGIN.left - MARGIN.right;
  for (const [k, v] of rows) {
    doc.font('regular').fontSize(9.5);
    const h = Math.max(doc.heightOfString(k, { width: labelWidth - 6 }), doc.heightOfString(v || '—', { width: width - labelWidth }));
    if (doc.y + h > doc.page.height - MARGIN.bottom) doc.addPage();
    const y = doc.y;
    doc.fillColor(GREY).text(k, MARGIN.left, y, { width: labelWidth - 6 });
    doc.fillColor(color).text(v || '—', MARGIN.left + labelWidth, y, { width: width - labelWidth });
    doc.y = y + h + 2;
    doc
      .moveTo(MARGIN.left, doc.y)
      .lineTo(MARGIN.left + width, doc.y)
      .lineWidth(0.3)
      .strokeColor('#cccccc')
      .stroke();
    doc.y += 2;
  }
}

function entry(doc: Doc, it: DocItem, indent = 0): void {
  const x = MARGIN.left + indent;
  const width = doc.page.width - MARGIN.right - x;
  const color = it.state === 'old' ? GREY : INK;
  if (doc.y > doc.page.height - MARGIN.bottom - 50) doc.addPage();
  doc.moveDown(indent > 0 ? 0.3 : 0.7);
  doc.fillColor(color).font('bold').fontSize(10.5).text(it.title, x, doc.y, { width });
  if (it.meta) doc.fillColor(GREY).font('regular').fontSize(9).text(it.meta, x, doc.y, { width });
  if (it.body)
    doc
      .fillColor(color)
      .font('regular')
      .fontSize(10)
      .text(it.body, x, doc.y + 2, { width, strike: it.state === 'deleted', lineGap: 1.5 });
  for (const [k, v] of it.fields)
    doc
      .fillColor(color)
      .font('regular')
      .fontSize(9.5)
      .text(`${k}: ${v}`, x, doc.y + 1, { width });
  if (it.note)
    doc
      .fillColor(WARN)
      .font('regular')
      .fontSize(9)
      .text(it.note, x, doc.y + 1, { width });
  for (const child of it.children ?? []) entry(doc, child, indent + 14);
}

/**
 * The record as a paginated A4 PDF: the tenant, the person's code, who produced it and when (in
 * Japan time) and "page n / N" on every page; Japanese fonts embedded. Deterministic for the
 * same data and time (creation date = the time of output).
 */
export async function toPdf(meta: DocMeta, records: PersonRecord[]): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margins: MARGIN,
    bufferPages: true,
    autoFirstPage: true,
    lang: 'ja-JP',
    displayTitle: true,
    info: {
      Title: meta.title,
      Author: meta.tenantName,
      Subject: meta.subject,
      Creator: 'soudan-bot',
      Producer: 'soudan-bot',
      CreationDate: meta.generatedAt,
      ModDate: meta.generatedAt,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  // BIZ UDPGothic; only the glyphs the document uses are embedded (subset).
  doc.registerFont('regular', FONTS.regular);
  doc.registerFont('bold', FONTS.bold);

  doc.fillColor(ACCENT).font('bold').fontSize(18).text(meta.title);
  doc.fillColor(GREY).font('regular').fontSize(9).text(footerLine(meta));
  if (records.length === 0) doc.moveDown().fillColor(INK).fontSize(11).text('記録はありません。');
  records.forEach((r, i) => {
    const d = documentOf(r);
    if (i > 0) doc.addPage();
    doc.moveDown(0.8);
    doc.fillColor(INK).font('bold').fontSize(14).text(`${d.code}　${d.name}`, MARGIN.left);
    heading(doc, '基本情報');
    fields(doc, d.profile);
    for (const s of d.sections) {
      heading(doc, `${s.heading}（${s.items.length}件）`);
      if (s.items.length === 0) doc.fillColor(GREY).font('regular').fontSize(10).text(s.empty, MARGIN.left);
      for (const it of s.items) entry(doc, it);
    }
  });
  doc
    .moveDown(1)
    .fillColor(WARN)
    .font('regular')
    .fontSize(8.5)
    .text('この文書には個人情報が含まれます。取り扱いに注意してください。', MARGIN.left);

  // Page furniture, once the page count is known. The bottom margin is lifted while writing in
  // it, or pdfkit would start a new page for text below the content area.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const y = doc.page.height - 36;
    const width = doc.page.width - MARGIN.left - MARGIN.right;
    doc
      .moveTo(MARGIN.left, y - 6)
      .lineTo(MARGIN.left + width, y - 6)
      .lineWidth(0.5)
      .strokeColor('#999999')
      .stroke();
    doc
      .fillColor(GREY)
      .font('regular')
      .fontSize(8)
      .text(footerLine(meta), MARGIN.left, y, { width: width - 60, lineBreak: false, ellipsis: true });
    doc.text(`${i - range.start + 1} / ${range.count}`, MARGIN.left + width - 60, y, { width: 60, align: 'right', lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  await done;
  return Buffer.concat(chunks);
}
