import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDICATORS } from '../../src/core/indicators/count';
import { pdfPages } from '../helpers/pdf';
import { openWebChat, type WebChat } from '../helpers/web-chat';

/**
 * The outputs as a person meets them in the web chat, on the demo tenant 「みどり市（デモ）」 with
 * the sample year plan imported from Excel's Shift_JIS file: the 指標 chart, the printable
 * record (phone view and PDF) and the calendar links. With UPDATE_DOCS_SCREENSHOTS=1 the
 * screenshots are written to docs/images/ (the pictures in docs/outputs.md).
 */
const NOW = new Date('2026-11-22T01:00:00Z'); // Sunday 22 November 2026, 10:00 JST
const root = path.resolve(import.meta.dirname, '../..');
const shots = process.env.UPDATE_DOCS_SCREENSHOTS === '1' ? path.join(root, 'docs/images') : path.join(root, 'test-results/outputs');
let chat: WebChat;
let page: Page;

const lastBot = () => page.locator('#chat .msg.bot').last();
async function ask(line: string): Promise<string> {
  const before = await page.locator('#chat .msg.bot').count();
  await chat.send(line);
  await expect.poll(() => page.locator('#chat .msg.bot').count()).toBeGreaterThan(before);
  return (await lastBot().innerText()).trim();
}
async function waitForBot(before: number): Promise<string> {
  await expect.poll(() => page.locator('#chat .msg.bot').count()).toBeGreaterThan(before);
  return (await lastBot().innerText()).trim();
}

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  chat = await openWebChat({ now: () => NOW });
  page = chat.page;
});
afterAll(async () => {
  await chat?.close();
});

describe('Excel in: the year plan chosen as a Shift_JIS file', () => {
  it('is read from its bytes, checked, then imported', async () => {
    await chat.chooseStaff('小川');
    await ask('会議 取込');
    const sjis = fs.readFileSync(path.join(root, 'docs/samples/meeting-plan-sjis.csv'));
    expect(sjis.includes(Buffer.from('会議名'))).toBe(false); // not UTF-8
    const form = lastBot().locator('form.bot-form');
    await form.locator('input[type=file]').setInputFiles({ name: '年間計画.csv', mimeType: 'text/csv', buffer: sjis });
    await expect.poll(() => form.locator('.file-status').innerText()).toContain('年間計画.csv');
    let before = await page.locator('#chat .msg.bot').count();
    await form.locator('button[type=submit]').click();
    expect(await waitForBot(before)).toMatch(/2026年度の\d+件の会議に誤りはありません/);
    // Shown again to import: the chosen file is kept (named, not shown as base64).
    const again = lastBot().locator('form.bot-form');
    expect(await again.locator('.file-status').innerText()).toContain('前回選んだファイル');
    expect(await again.locator('textarea').inputValue()).toBe('');
    before = await page.locator('#chat .msg.bot').count();
    await again.locator('button[type=submit]').click();
    expect(await waitForBot(before)).toMatch(/年間計画を取り込みました。新しい会議\d+件/);
  });
});

describe('指標 as a picture in the web chat', () => {
  it('the chart is shown, with the numbers of the text answer', async () => {
    const text = await ask('指標');
    const img = lastBot().locator('figure.chart img');
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth)).toBe(560);
    const src = await img.evaluate((el) => (el as HTMLImageElement).src);
    const svg = await (await fetch(src)).text();
    for (const ind of INDICATORS) {
      const m = new RegExp(`data-key="${ind.key}" data-value="(\\d+)" data-target="(\\d+)"`).exec(svg);
      expect(m, ind.key).not.toBeNull();
      // In the card: 「専門部会の実施回数」 then 「⚠ 5回（目標 39回以上）」.
      const shown = new RegExp(`${ind.label}\\s*[✓⚠] (\\d+)${ind.unit}（目標 (?:1事業所あたり)?(\\d+)`).exec(text);
      expect([shown?.[1], shown?.[2]], ind.key).toEqual([m?.[1], m?.[2]]);
    }
    // The sample plan's meetings held by 22 November count: some indicator is above zero.
    expect([...svg.matchAll(/data-value="(\d+)"/g)].some((m) => Number(m[1]) > 0)).toBe(true);
    // The picture as Slack, LINE and LINE WORKS get it, and the web chat as a phone shows it.
    const png = Buffer.from(await (await fetch(src.replace('/indicators.svg', '/indicators.png'))).arrayBuffer());
    expect(png.readUInt32BE(16)).toBe(1120);
    fs.writeFileSync(path.join(shots, 'indicators-chart.png'), png);
    await img.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: path.join(shots, 'indicators-webchat.png') });
  });
});

describe('the printable record', () => {
  let links: Record<string, string> = {};

  it('出力 shows tappable links, absolute, for the PDF, the phone view and both CSVs', async () => {
    await chat.chooseStaff('青木');
    await ask('出力 C-0001');
    const anchors = lastBot().locator('.links a');
    expect(await anchors.count()).toBe(4);
    links = Object.fromEntries(await anchors.evaluateAll((els) => els.map((a) => [a.textContent ?? '', (a as HTMLAnchorElement).href])));
    for (const url of Object.values(links)) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/export\?t=/);
    expect(await anchors.first().getAttribute('target')).toBe('_blank');
  });

  it('the phone view reads on a phone: one column, nothing wider than the screen', async () => {
    const view = await browserOf(page).newPage({ viewport: { width: 390, height: 844 }, locale: 'ja-JP' });
    try {
      await view.goto(links.スマートフォンで読む ?? '');
      expect(await view.locator('h1').innerText()).toBe('支援経過記録');
      const body = await view.locator('body').innerText();
      expect(body).toContain('C-0001');
      expect(body).toContain('出力者 青木 さくら');
      expect(body).toContain('出力 2026年11月22日(日) 10:00（日本時間）');
      expect(body).not.toContain('生年月日=');
      expect(body).toMatch(/生年月日\s*昭和59年6月12日（1984年）/);
      expect(await view.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await view.screenshot({ path: path.join(shots, 'record-phone.png') });
    } finally {
      await view.close();
    }
  });

  it('the PDF: its text says what the record is, and its first page renders (pdf.js in Chromium)', async () => {
    const pdf = new Uint8Array(await (await fetch(links['印刷用PDF（A4）'] ?? '')).arrayBuffer());
    const pages = await pdfPages(pdf);
    expect(pages[0]).toContain('支援経過記録');
    expect(pages[0]).toContain('みどり市（デモ）');
    expect(pages[0]).toContain('ケース番号 C-0001');
    expect(pages[0]).toContain('山田 太郎');
    expect(pages[0]).toContain(`1 / ${pages.length}`);
    const png = await renderFirstPage(page, pdf);
    fs.writeFileSync(path.join(shots, 'record-pdf-page1.png'), png);
    expect(png.length).toBeGreaterThan(20_000);
  });
});

describe('calendars from the meeting card', () => {
  it('a meeting card links its .ics; 会議 カレンダー gives the subscription', async () => {
    await chat.chooseStaff('小川');
    await ask('会議');
    const before = await page.locator('#chat .msg.bot').count();
    await lastBot().getByRole('button', { name: '開く' }).first().click();
    await waitForBot(before);
    const ics = await lastBot().getByRole('link', { name: 'カレンダーに追加（.ics）' }).getAttribute('href');
    const file = await (await fetch(ics ?? '')).text();
    expect(file).toContain('BEGIN:VEVENT');
    expect(file).toContain('DTSTART;TZID=Asia/Tokyo:');
    await ask('会議 カレンダー');
    expect(await lastBot().getByRole('link', { name: 'iPhone・Macのカレンダーで購読' }).getAttribute('href')).toMatch(/^webcal:\/\//);
  });
});

function browserOf(p: Page): Browser {
  const b = p.context().browser();
  if (!b) throw new Error('no browser');
  return b;
}

/** Renders page 1 of a PDF with pdf.js in the test's Chromium, served from loopback, and returns a PNG. */
async function renderFirstPage(from: Page, pdf: Uint8Array): Promise<Buffer> {
  const require = createRequire(import.meta.url);
  const build = path.dirname(require.resolve('pdfjs-dist/build/pdf.mjs'));
  const files: Record<string, [string, Buffer | string]> = {
    '/': [
      'text/html; charset=utf-8',
      `<!doctype html><html><body style="margin:0;background:#888"><canvas id="c" style="display:block"></canvas><script type="module">
import * as pdfjs from '/pdf.mjs';
pdfjs.GlobalWorkerOptions.workerSrc = '/pdf.worker.mjs';
const doc = await pdfjs.getDocument({ url: '/doc.pdf', isEvalSupported: false }).promise;
const p = await doc.getPage(1);
const vp = p.getViewport({ scale: 1.4 });
const c = document.getElementById('c');
c.width = vp.width; c.height = vp.height;
await p.render({ canvasContext: c.getContext('2d'), viewport: vp }).promise;
document.body.dataset.done = String(doc.numPages);
</script></body></html>`,
    ],
    '/pdf.mjs': ['text/javascript', fs.readFileSync(path.join(build, 'pdf.mjs'))],
    '/pdf.worker.mjs': ['text/javascript', fs.readFileSync(path.join(build, 'pdf.worker.mjs'))],
    '/doc.pdf': ['application/pdf', Buffer.from(pdf)],
  };
  const server = http.createServer((req, res) => {
    const f = files[req.url ?? ''];
    if (!f) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': f[0] }).end(f[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const view = await browserOf(from).newPage({ viewport: { width: 840, height: 1180 } });
  try {
    await view.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await view.waitForSelector('body[data-done]', { timeout: 30_000 });
    return await view.locator('#c').screenshot();
  } finally {
    await view.close();
    server.close();
  }
}
