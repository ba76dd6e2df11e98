import { describe, expect, it } from 'vitest';
import type { ChartBlock, LinksBlock, Reply } from '../../src/chat/types';
import { renderReplies as renderLine } from '../../src/platforms/line/render';
import { renderReply as renderLineWorks } from '../../src/platforms/lineworks/render';
import { renderMessage as renderSlack } from '../../src/platforms/slack/render';

const links: LinksBlock = {
  type: 'links',
  title: 'C-0001 の記録の出力',
  links: [
    { label: '印刷用PDF（A4）', url: 'https://bot.example.jp/export?t=a', note: 'ページ番号入り' },
    { label: 'カレンダーに登録', url: 'webcal://bot.example.jp/calendar/feed.ics?t=b' },
  ],
};
const chart = (base: string): ChartBlock => ({
  type: 'chart',
  title: '令和8年度 活動指標（グラフ）',
  alt: '令和8年度 活動指標。未達 専門部会の実施回数: 2回（目標 39回以上）。',
  svgUrl: `${base}/chart/indicators.svg?t=x`,
  pngUrl: `${base}/chart/indicators.png?t=x`,
  width: 720,
  height: 1300,
  bars: [
    { label: '専門部会の実施回数', value: 2, target: 39, unit: '回', met: false },
    { label: '専門部会の設置数', value: 5, target: 4, unit: '部会', met: true },
  ],
});
const reply = (...blocks: Reply['blocks']): Reply => ({ visibility: 'ephemeral', summary: '出力', blocks });

describe('links and charts on each platform', () => {
  it('Slack: links in its own syntax; the chart as an image block only at an https address', () => {
    const m = renderSlack(reply(links, chart('https://bot.example.jp')));
    const json = JSON.stringify(m.blocks);
    expect(json).toContain('<https://bot.example.jp/export?t=a|印刷用PDF（A4）>');
    expect(m.blocks.find((b) => b.type === 'image')).toMatchObject({
      image_url: 'https://bot.example.jp/chart/indicators.png?t=x',
      alt_text: expect.stringContaining('専門部会の実施回数: 2回'),
    });
    const local = renderSlack(reply(chart('http://127.0.0.1:3000')));
    expect(local.blocks.some((b) => b.type === 'image')).toBe(false);
    expect(JSON.stringify(local.blocks)).toContain('<http://127.0.0.1:3000/chart/indicators.png?t=x|グラフを開く（PNG）>');
  });

  it('LINE: uri buttons (webcal as https), the picture, and Flex progress bars with the same numbers', () => {
    const messages = renderLine([reply(links, chart('https://bot.example.jp'))]);
    const json = JSON.stringify(messages);
    expect(json).toContain('"uri":"https://bot.example.jp/export?t=a"');
    expect(json).toContain('"uri":"https://bot.example.jp/calendar/feed.ics?t=b"');
    expect(messages.find((m) => m.type === 'image')).toMatchObject({
      originalContentUrl: 'https://bot.example.jp/chart/indicators.png?t=x',
    });
    expect(json).toContain('"width":"5%"'); // 2 of 39
    expect(json).toContain('"width":"100%"'); // 5 of 4: full, not past the end
    expect(json).toContain('⚠ 2/39回');
    expect(json).toContain('✓ 5/4部会');
    const plain = renderLine([reply(chart('http://127.0.0.1:3000'))]);
    expect(plain.some((m) => m.type === 'image')).toBe(false);
  });

  it('LINE WORKS: uri buttons, the picture at an https address, the chart in words', () => {
    const out = renderLineWorks(reply(links, chart('https://bot.example.jp')));
    const json = JSON.stringify(out);
    expect(json).toContain('"type":"uri","label":"印刷用PDF（A4）","uri":"https://bot.example.jp/export?t=a"');
    expect(json).toContain('"uri":"https://bot.example.jp/calendar/feed.ics?t=b"');
    expect(out.find((c) => c.type === 'image')).toMatchObject({ originalContentUrl: 'https://bot.example.jp/chart/indicators.png?t=x' });
    expect(json).toContain('⚠ 専門部会の実施回数: 2/39回');
  });
});
