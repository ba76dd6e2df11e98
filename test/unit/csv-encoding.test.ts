import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { csvFromUpload, decodeCsv, encodeCp932, GETA } from '../../src/core/export/encoding';
import { toCsv } from '../../src/core/export/csv';
import type { ExportRow } from '../../src/core/export/collect';

const text = '会議名,種別,日付,時間\r\n第1回 運営会議,運営会議,4/15,14:00～16:00\r\n髙橋さん①ｶﾅ,事例検討,5/20,10:00\r\n';

describe('reading a CSV as Japanese Excel saves it', () => {
  it('Shift_JIS (CP932, with NEC and IBM extensions and half-width kana)', () => {
    const bytes = iconv.encode(text, 'cp932');
    expect(bytes.includes(0xfb)).toBe(true); // 髙 is an IBM extension
    expect(decodeCsv(bytes)).toEqual({ text, encoding: 'cp932' });
  });

  it('UTF-8 with and without a BOM', () => {
    expect(decodeCsv(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).toEqual({ text, encoding: 'utf-8-bom' });
    expect(decodeCsv(Buffer.from(text))).toEqual({ text, encoding: 'utf-8' });
  });

  it('refuses what it cannot read, saying how to save the file', () => {
    const err = (b: Uint8Array) => {
      try {
        decodeCsv(b);
        return null;
      } catch (e) {
        return e as { code: string; userMessage: string };
      }
    };
    expect(err(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14]))?.userMessage).toContain('.xlsx');
    expect(err(Buffer.from([0xff, 0xfe, 0x41, 0x00]))?.userMessage).toContain('UTF-16');
    // Neither UTF-8 nor CP932: a lead byte with a wrong trail byte, a lead byte cut off at the end.
    expect(err(Buffer.from([0x89, 0xef, 0x81, 0x20]))?.code).toBe('csv_encoding');
    expect(err(Buffer.from([0x89, 0xef, 0x8b]))?.code).toBe('csv_encoding');
    expect(err(Buffer.from([0xef, 0xbb, 0xbf, 0xff]))?.code).toBe('csv_encoding');
    expect(err(Buffer.from([0x89, 0xef, 0x8b]))?.userMessage).toContain('CSV UTF-8（コンマ区切り）');
  });

  it('a chosen file comes as a data: URL; typed text stays as it is', () => {
    const url = `data:text/csv;base64,${iconv.encode(text, 'cp932').toString('base64')}`;
    expect(csvFromUpload(url)).toEqual({ text, encoding: 'cp932' });
    expect(csvFromUpload('data:;base64,')).toEqual({ text: '', encoding: 'utf-8' });
    expect(csvFromUpload(text)).toEqual({ text, encoding: null });
  });
});

describe('writing Shift_JIS for Excel', () => {
  it('round-trips what CP932 has, maps Mac/JIS look-alikes, and marks what it lacks with 〓', () => {
    const { bytes, replaced } = encodeCp932('髙橋 ①〜−𠮷😀');
    expect(replaced).toBe(2);
    expect(iconv.decode(bytes, 'cp932')).toBe(`髙橋 ①～－${GETA}${GETA}`);
  });

  it('the export CSV in both encodings holds the same cells', () => {
    const row = {
      caseCode: 'C-0001',
      kind: '相談記録',
      id: 'x',
      version: 1,
      state: '現行',
      date: '2026-11-20',
      author: '佐藤',
      method: '訪問',
      type: 'モニタリング',
      content: '髙橋さんと面談〜',
      minutes: '30',
      nextAction: '',
      due: '',
      abuse: '',
      reason: '',
      extra: '',
    } satisfies ExportRow;
    const utf8 = toCsv([row]);
    const sjis = toCsv([row], 'cp932');
    expect([...utf8.body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(sjis.replaced).toBe(0);
    expect(decodeCsv(sjis.body).encoding).toBe('cp932');
    expect(decodeCsv(sjis.body).text).toBe(utf8.body.subarray(3).toString('utf8').replace('〜', '～'));
  });
});
