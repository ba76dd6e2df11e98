import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** The text of each page of a PDF, as a reader (or a screen reader) gets it: pdf.js, no OCR. */
export async function pdfPages(bytes: Uint8Array): Promise<string[]> {
  const doc = await getDocument({ data: new Uint8Array(bytes), disableFontFace: true, useSystemFonts: false, isEvalSupported: false })
    .promise;
  const pages: string[] = [];
  for (let i = 1; i <= doc.numPages; i++) {
    const page = await doc.getPage(i);
    const content = await page.getTextContent();
    pages.push(content.items.map((it) => ('str' in it ? it.str + (it.hasEOL ? '\n' : '') : '')).join(''));
  }
  await doc.destroy();
  return pages;
}

/** Names of the fonts a PDF embeds (subset prefix dropped): a font listed without FontFile is not embedded. */
export function embeddedFonts(bytes: Uint8Array): { names: string[]; allEmbedded: boolean } {
  const raw = Buffer.from(bytes).toString('latin1');
  const names = [...raw.matchAll(/\/FontName \/(?:[A-Z]{6}\+)?([\w-]+)/g)].map((m) => m[1] ?? '');
  const descriptors = raw.match(/\/Type \/FontDescriptor/g)?.length ?? 0;
  const files = raw.match(/\/FontFile[23]? /g)?.length ?? 0;
  return { names: [...new Set(names)], allEmbedded: descriptors > 0 && files >= descriptors };
}
