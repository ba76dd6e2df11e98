/**
 * LINE's limits, checked over many inputs (fast-check): whatever a handler answers, what goes to
 * LINE fits, and a button's Action comes back unchanged from its postback.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Reply } from '../../src/chat/types';
import { decodePostback, encodePostback, MAX_POSTBACK_DATA } from '../../src/platforms/line/postback';
import { LIMITS, renderReplies, splitText } from '../../src/platforms/line/render';
import { retryKeyFor } from '../../src/platforms/line/retry-key';

const graphemes = (s: string) => [...new Intl.Segmenter('ja', { granularity: 'grapheme' }).segment(s)].length;
// Japanese, emoji with modifiers and combining marks: the cases that break naive cutting.
const jaText = fc.string({
  unit: fc.constantFrom('あ', '山', '田', 'ア', 'a', ' ', '\n', '👍🏽', '👨‍👩‍👧', 'が', 'か\u3099', '𠮷'),
  maxLength: 400,
});
const actionId = fc.constantFrom('case:show', 'soudan:new', 'yotei:done', 'dialogue:answer', 'dialogue:date');

describe('LINE rendering limits', () => {
  it('splits long text into messages of at most 5,000 UTF-16 units without breaking a character', () => {
    fc.assert(
      fc.property(jaText, fc.integer({ min: 1, max: 40 }), (t, times) => {
        const text = t.repeat(times * 3);
        const parts = splitText(text, 500);
        expect(parts.join('')).toBe(text);
        for (const p of parts) {
          expect(p.length).toBeLessThanOrEqual(500);
          // No lone surrogate at either end of a piece.
          expect(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(p)).toBe(false);
        }
      }),
    );
    const long = '相談'.repeat(6000);
    const messages = renderReplies([{ visibility: 'ephemeral', blocks: [{ type: 'text', text: long }], summary: 's' }]);
    expect(messages.length).toBe(3);
    for (const m of messages) expect(m.type === 'text' && m.text.length <= LIMITS.text).toBe(true);
  });

  it('keeps labels within 20 characters, quick replies within 13 and carousels within 12 bubbles', () => {
    fc.assert(
      fc.property(fc.array(jaText, { minLength: 1, maxLength: 30 }), (labels) => {
        const buttons = labels.map((l, i) => ({ label: l || 'x', action: { kind: 'action' as const, id: 'case:show', value: String(i) } }));
        const reply: Reply = {
          visibility: 'ephemeral',
          summary: labels.join('').repeat(3),
          blocks: [{ type: 'list', items: buttons.map((b) => ({ title: b.label || 'x', button: b })) }],
          quickReplies: buttons,
        };
        const messages = renderReplies([reply]);
        const json = JSON.stringify(messages);
        for (const m of messages) {
          if (m.type === 'flex') {
            expect(m.altText.length).toBeLessThanOrEqual(LIMITS.altText);
            if (m.contents.type === 'carousel') expect(m.contents.contents.length).toBeLessThanOrEqual(LIMITS.carouselBubbles);
          }
        }
        const items = messages.at(-1)?.quickReply?.items ?? [];
        expect(items.length).toBeLessThanOrEqual(LIMITS.quickReplies);
        for (const match of json.matchAll(/"label":"((?:[^"\\]|\\.)*)"/g)) {
          expect(graphemes(JSON.parse(`"${match[1]}"`))).toBeLessThanOrEqual(LIMITS.label);
        }
      }),
    );
  });

  it('keeps every bubble and carousel under LINE’s size limits, falling back to text for a huge card', () => {
    const huge = '長い記録の本文。'.repeat(200);
    const card = {
      type: 'card' as const,
      title: '記録',
      fields: Array.from({ length: 12 }, (_, i) => ({ label: `項目${i}`, value: huge })),
    };
    const list = { type: 'list' as const, items: Array.from({ length: 15 }, (_, i) => ({ title: `候補${i}`, description: huge })) };
    const messages = renderReplies([{ visibility: 'ephemeral', summary: 's', blocks: [card, list] }]);
    for (const m of messages) {
      if (m.type !== 'flex') continue;
      const bytes = Buffer.byteLength(JSON.stringify(m.contents));
      expect(bytes).toBeLessThanOrEqual(m.contents.type === 'carousel' ? LIMITS.carouselBytes : LIMITS.bubbleBytes);
    }
    expect(messages[0]?.type).toBe('text');
    expect(JSON.stringify(messages)).toContain('ほかに3件あります');
  });

  it('carries every Action through postback data, or leaves the button out when it cannot fit', () => {
    fc.assert(
      fc.property(actionId, jaText, (id, value) => {
        const data = encodePostback({ kind: 'action', id, value });
        if (data === null) return;
        expect(data.length).toBeLessThanOrEqual(MAX_POSTBACK_DATA);
        expect(decodePostback(data)).toEqual({ kind: 'action', id, value });
      }),
    );
    const tooLong = { label: '開く', action: { kind: 'action' as const, id: 'case:show', value: 'x'.repeat(400) } };
    const messages = renderReplies([
      { visibility: 'ephemeral', summary: 's', blocks: [{ type: 'card', title: 't', fields: [], buttons: [tooLong] }] },
    ]);
    expect(JSON.stringify(messages)).not.toContain('postback');
  });

  it('derives one stable UUID retry key per delivery key', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(retryKeyFor(a)).toBe(retryKeyFor(a));
        expect(retryKeyFor(a)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        if (a !== b) expect(retryKeyFor(a)).not.toBe(retryKeyFor(b));
      }),
    );
  });
});
