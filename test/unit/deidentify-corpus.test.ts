import { describe, expect, it } from 'vitest';
import { deidentify } from '../../src/core/deidentify';
import { CORPUS, CORPUS_PERSONS, CORPUS_TODAY, type CorpusLine } from '../fixtures/deidentify-corpus';

// What a reader could still recognise: width, script, variant kanji and spaces ignored.
const hira = (s: string) => s.replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60));
const flat = (s: string) => hira(s.normalize('NFKC').replace(/髙/g, '高')).replace(/[\s・]/g, '');

interface LineResult {
  line: CorpusLine;
  out: string;
  missed: string[];
  lost: string[];
  /** Masked pieces of the original that hold nothing listed to go. */
  overMasked: string[];
}

/** The original text under each run of placeholders: the output's literal pieces walked through the input. */
function maskedRegions(input: string, out: string): { start: number; end: number }[] {
  const pieces = out.split(/(?:〔[^〔〕]+〕)+/);
  const regions: { start: number; end: number }[] = [];
  let cursor = pieces[0]!.length;
  pieces.slice(1).forEach((piece, i) => {
    const last = i === pieces.length - 2;
    const end = piece === '' && last ? input.length : input.indexOf(piece, cursor + 1);
    regions.push({ start: cursor, end });
    cursor = end + piece.length;
  });
  return regions;
}

function check(line: CorpusLine): LineResult {
  const out = deidentify(line.text, CORPUS_PERSONS, { today: CORPUS_TODAY }).text;
  const seen = flat(out);
  const lost = line.stays.filter((s) => !out.includes(s));
  const regions = maskedRegions(line.text, out);
  const at = (g: string) => {
    const found: [number, number][] = [];
    for (let i = line.text.indexOf(g); i >= 0; i = line.text.indexOf(g, i + 1)) found.push([i, i + g.length]);
    return found;
  };
  // Missed: still readable, or any character of it left outside a placeholder (〔氏名〕二 for 健二).
  const partly = (g: string) =>
    at(g).some(([s, e]) =>
      [...Array(e - s).keys()].some(
        (k) => /[^\s・（）()]/.test(line.text[s + k]!) && !regions.some((r) => r.start <= s + k && s + k < r.end),
      ),
    );
  const missed = line.gone.filter((g) => seen.includes(flat(g)) || partly(g));
  const goneAt = line.gone.flatMap(at);
  const overMasked = regions
    .filter((r) => r.end > r.start && !goneAt.some(([s, e]) => s < r.end && r.start < e))
    .map((r) => line.text.slice(r.start, r.end));
  return { line, out, missed, lost, overMasked };
}

describe('deidentify: corpus of 相談記録 / 地域課題 wording', () => {
  const results = CORPUS.map(check);
  const goneItems = CORPUS.reduce((n, l) => n + l.gone.length, 0);
  const staysItems = CORPUS.reduce((n, l) => n + l.stays.length, 0);
  const missed = results.flatMap((r) => r.missed.map((m) => `「${m}」 in ${r.out}`));
  const lost = results.flatMap((r) => r.lost.map((m) => `「${m}」 in ${r.out}`));
  const overMasked = results.flatMap((r) => r.overMasked.map((m) => `「${m}」 in ${r.line.text}`));

  it('prints its figures', () => {
    const figures = {
      lines: CORPUS.length,
      'items to mask': goneItems,
      'items masked': goneItems - missed.length,
      'items missed': missed.length,
      'items to keep': staysItems,
      'items wrongly masked': lost.length + overMasked.length,
    };
    console.log(`deidentify corpus: ${JSON.stringify(figures)}`);
    if (lost.length + overMasked.length > 0) console.log(`wrongly masked:\n  ${[...lost, ...overMasked].join('\n  ')}`);
    expect(CORPUS.length).toBeGreaterThanOrEqual(100);
  });

  it('misses nothing that must go', () => {
    expect(missed).toEqual([]);
  });

  it('keeps everything that must stay', () => {
    expect(lost).toEqual([]);
  });

  it('masks nothing else', () => {
    expect(overMasked).toEqual([]);
  });

  it('is idempotent: a de-identified line comes back unchanged', () => {
    for (const r of results) expect(deidentify(r.out, CORPUS_PERSONS, { today: CORPUS_TODAY }).text).toBe(r.out);
  });
});
