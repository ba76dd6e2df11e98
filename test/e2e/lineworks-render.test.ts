import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { button, card, reply, textReply } from '../../src/chat/replies';
import type { Button, Reply } from '../../src/chat/types';
import { decodeAction, encodeAction } from '../../src/platforms/lineworks/postback';
import { LIMITS, renderReply, splitText } from '../../src/platforms/lineworks/render';
import { signBody, verifySignature } from '../../src/platforms/lineworks/verify';

const hasLoneSurrogate = (s: string) => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe('LINE WORKS rendering stays within the platform limits', () => {
  it('long text is split into messages of at most 2,000 characters (UTF-16 units) without breaking emoji or surrogate pairs', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('あ', '𠮷', '👨‍👩‍👧', 'a', '\n', 'が'), { minLength: 1, maxLength: 6000 }), (parts) => {
        const text = parts.join('');
        for (const m of renderReply(textReply(text))) {
          const t = String(m.text);
          expect(t.length).toBeLessThanOrEqual(LIMITS.text);
          expect(hasLoneSurrogate(t)).toBe(false);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('splitting keeps every character of the text', () => {
    const text = Array.from({ length: 300 }, (_, i) => `${i}行目：𠮷野家で相談`).join('\n');
    expect(splitText(text).join('\n').replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
  });

  it('a card with more than 10 buttons keeps 10, with labels of at most 20 characters', () => {
    const buttons = Array.from({ length: 14 }, (_, i) => button(`とても長いボタンのラベルその${i}番目です`, 'case:show', `id-${i}`));
    const [m] = renderReply(reply('s', [card('カード', [{ label: '項目', value: '値' }], buttons)]));
    expect(m?.type).toBe('button_template');
    const actions = m?.actions as { type: string; label: string; postback: string }[];
    expect(actions).toHaveLength(LIMITS.buttons);
    for (const a of actions) {
      expect(a.type).toBe('message');
      expect(a.label.length).toBeLessThanOrEqual(20);
    }
    expect(String(m?.contentText).length).toBeLessThanOrEqual(LIMITS.buttonText);
  });

  it('a card too long for a template is sent as text, then its buttons', () => {
    const fields = Array.from({ length: 30 }, (_, i) => ({ label: `項目${i}`, value: 'あ'.repeat(60) }));
    const out = renderReply(reply('s', [card('長いカード', fields, [button('開く', 'case:show', 'x')])]));
    expect(out.at(-1)?.type).toBe('button_template');
    expect(out.slice(0, -1).every((m) => m.type === 'text')).toBe(true);
  });

  it('a card without buttons becomes a flex bubble with a short altText', () => {
    const [m] = renderReply(reply('ケースの概要'.repeat(100), [card('山田 太郎', [{ label: '担当', value: '事業所A' }])]));
    expect(m?.type).toBe('flex');
    expect(String(m?.altText).length).toBeLessThanOrEqual(LIMITS.altText);
    expect(Buffer.byteLength(JSON.stringify(m?.contents))).toBeLessThanOrEqual(LIMITS.flexBytes);
  });

  const list = (n: number, withButtons = true): Reply =>
    reply('s', [
      {
        type: 'list',
        title: '候補',
        items: Array.from({ length: n }, (_, i) => ({
          title: `項目${i}`,
          description: `説明${i}`,
          button: withButtons ? button('開く', 'case:show', `id-${i}`) : undefined,
        })),
      },
    ]);

  it('up to 4 items are a list template; 5 to 10 with buttons a carousel with postback actions; more, several carousels', () => {
    expect(renderReply(list(4))[0]?.type).toBe('list_template');
    expect((renderReply(list(4))[0]?.elements as unknown[]).length).toBe(4);
    const seven = renderReply(list(7));
    const carousel = seven.find((m) => m.type === 'carousel');
    const columns = carousel?.columns as { actions: { type: string; data: string }[] }[];
    expect(columns).toHaveLength(7);
    expect(columns[0]?.actions[0]).toMatchObject({ type: 'postback', data: 'case:show|id-0' });
    const many = renderReply(list(23)).filter((m) => m.type === 'carousel');
    expect(many.map((m) => (m.columns as unknown[]).length)).toEqual([10, 10, 3]);
  });

  it('a run of cards with the same buttons (a digest) becomes carousels of at most 10 columns of 3 actions', () => {
    const cards = Array.from({ length: 12 }, (_, i) =>
      card(
        `モニタリング ケース${i}`,
        [{ label: '期限', value: '2026年12月28日(月)' }],
        [
          button('完了', 'yotei:done', `r${i}`),
          button('翌営業日に再通知', 'yotei:snooze1d', `r${i}`),
          button('1週間後に再通知', 'yotei:snooze1w', `r${i}`),
        ],
      ),
    );
    const out = renderReply(reply('今日の予定', [{ type: 'text', text: '期限超過（12件）' }, ...cards]));
    expect(out.map((m) => m.type)).toEqual(['text', 'carousel', 'carousel']);
    const columns = out[1]?.columns as { title: string; text: string; actions: { type: string; label: string; data: string }[] }[];
    expect(columns).toHaveLength(10);
    expect(columns[0]?.actions.map((a) => a.data)).toEqual(['yotei:done|r0', 'yotei:snooze1d|r0', 'yotei:snooze1w|r0']);
    for (const c of columns) {
      expect(c.title.length).toBeLessThanOrEqual(LIMITS.carouselTitle);
      expect(c.text.length).toBeLessThanOrEqual(LIMITS.carouselText);
      expect(c.actions.every((a) => a.type === 'postback')).toBe(true);
    }
  });

  it('a long list without buttons is numbered text', () => {
    const out = renderReply(list(8, false));
    expect(out.every((m) => m.type === 'text')).toBe(true);
    expect(String(out[0]?.text)).toContain('8. 項目7');
  });

  it('quick replies are capped at 13 postback items on the last message, date pickers left out', () => {
    const qr: Button[] = [
      { label: '日付を選ぶ', action: { kind: 'action', id: 'dialogue:date', value: '2026-11-22' } },
      ...Array.from({ length: 20 }, (_, i) => button(`選択肢${i}`, 'dialogue:answer', `v${i}`)),
    ];
    const out = renderReply({ ...textReply('質問'), quickReplies: qr });
    const items = (out.at(-1)?.quickReply as { items: { action: { type: string; label: string; data: string; displayText: string } }[] })
      .items;
    expect(items).toHaveLength(LIMITS.quickReplies);
    expect(items[0]?.action).toEqual({ type: 'postback', label: '選択肢0', data: 'dialogue:answer|v0', displayText: '選択肢0' });
  });

  it('a button whose postback would pass 300 characters is left out rather than cut', () => {
    expect(encodeAction({ kind: 'action', id: 'case:show', value: 'x'.repeat(400) })).toBeNull();
    const [m] = renderReply(reply('s', [card('c', [], [button('長い', 'case:show', 'x'.repeat(400)), button('短い', 'case:show', 'ok')])]));
    expect((m?.actions as { label: string }[]).map((a) => a.label)).toEqual(['短い']);
  });
});

describe('postbacks map back to Actions', () => {
  it('any action id and value that fits comes back unchanged', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{1,10}:[a-z]{1,10}$/), fc.string({ maxLength: 200 }), (id, value) => {
        const data = encodeAction({ kind: 'action', id, value });
        expect(data).not.toBeNull();
        expect(decodeAction(data ?? '')).toEqual({ kind: 'action', id, value });
      }),
    );
  });

  it('postback data the bot did not make is no action', () => {
    for (const d of ['', 'hello', '|x', 'not an id|x', 'x'.repeat(301), 'action=buy']) expect(decodeAction(d)).toBeNull();
  });
});

describe('callback signature', () => {
  it('only the exact body signed with the bot secret verifies', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 500 }), fc.string({ minLength: 1 }), fc.nat(), (bytes, secret, flip) => {
        const body = Buffer.from(bytes);
        const sig = signBody(body, secret);
        expect(verifySignature(body, sig, secret)).toBe(true);
        expect(verifySignature(body, sig, `${secret}x`)).toBe(false);
        const tampered = Buffer.from(body);
        const i = flip % tampered.length;
        tampered[i] = (tampered[i] ?? 0) ^ 1;
        expect(verifySignature(tampered, sig, secret)).toBe(false);
      }),
    );
  });

  it('a missing or garbled signature does not verify', () => {
    const body = Buffer.from('{"type":"message"}');
    for (const s of [undefined, '', 'abc', '!!!!', signBody(body, 's').slice(0, 10)]) expect(verifySignature(body, s, 's')).toBe(false);
  });
});
