import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deliveryReply } from '../../handlers/notices/render';
import { buildChannelNotice } from '../../src/core/secondary/channel-post';
import { queuePostFields } from '../../src/core/secondary/queue-post';

// The one path to a channel: whatever the counselor typed, the post holds none of the
// registered person's name (kanji, hiragana, katakana), phone number, postal code, address,
// birth date (西暦 or 和暦) or certificate number.
const FAMILIES: [string, string][] = [
  ['山田', 'やまだ'],
  ['佐藤', 'さとう'],
  ['高橋', 'たかはし'],
  ['渡辺', 'わたなべ'],
  ['伊藤', 'いとう'],
];
const GIVENS: [string, string][] = [
  ['太郎', 'たろう'],
  ['花子', 'はなこ'],
  ['健一', 'けんいち'],
  ['美咲', 'みさき'],
  ['大輔', 'だいすけ'],
];
const kata = (s: string) => s.replace(/[ぁ-ゖ]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60));
const ERAS = [
  ['昭和', 1926],
  ['平成', 1989],
] as const;

const digits = (n: number) => fc.array(fc.constantFrom(...'0123456789'), { minLength: n, maxLength: n }).map((d) => d.join(''));

const caseArb = fc.record({
  family: fc.constantFrom(...FAMILIES),
  given: fc.constantFrom(...GIVENS),
  nameForm: fc.constantFrom('kanji', 'hira', 'kata', 'family', 'given'),
  phone: fc
    .tuple(fc.constantFrom('090', '080', '070'), digits(4), digits(4), fc.constantFrom('-', '', ' '))
    .map(([a, b, c, sep]) => `${a}${sep}${b}${sep}${c}`),
  postal: fc.tuple(digits(3), digits(4)).map(([a, b]) => `〒${a}-${b}`),
  address: fc
    .tuple(
      fc.constantFrom('緑市', '青葉区', '港区'),
      fc.constantFrom('中央', '本町', '旭町'),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 30 }),
      fc.integer({ min: 1, max: 20 }),
    )
    .map(([city, town, a, b, c]) => `${city}${town}${a}丁目${b}番${c}号`),
  birth: fc
    .tuple(
      fc.constantFrom(...ERAS),
      fc.integer({ min: 2, max: 30 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 28 }),
      fc.boolean(),
    )
    .map(([[era, start], y, m, d, wareki]) => (wareki ? `${era}${y}年${m}月${d}日生まれ` : `${start + y - 1}年${m}月${d}日生まれ`)),
  cert: digits(10).map((d) => `受給者証番号${d}`),
});

describe('the channel post of a 二次相談', () => {
  it('carries none of the identifiers typed into the free text', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const [fk, fr] = c.family;
        const [gk, gr] = c.given;
        const name = { kanji: `${fk}${gk}`, hira: `${fr} ${gr}`, kata: kata(`${fr}${gr}`), family: `${fk}さん`, given: `${gk}さん` }[
          c.nameForm
        ];
        const question = `${name}（${c.birth}、${c.phone}、${c.postal} ${c.address}、${c.cert}）が訪問を拒む。`;
        const post = queuePostFields({
          id: 'x',
          number: 7,
          officeName: '相談支援事業所あおぞら',
          difficulties: ['支援拒否'],
          urgency: 'urgent',
          helpWanted: ['助言'],
          consentedProfile: null,
          question,
        });
        const notice = buildChannelNotice(
          {
            tenantId: 't',
            channel: 'kikan-queue',
            kind: 'niji_posted',
            idempotencyKey: 'k',
            title: post.title,
            facts: post.facts,
            freeText: post.free,
            today: '2026-11-24',
          },
          [{ familyName: fk, givenName: gk, familyKana: fr, givenKana: gr }],
        );
        // What the channel shows: the notice as the sender renders it.
        const reply = deliveryReply({ notice }, { recipientId: null, channel: 'kikan-queue' });
        const out = JSON.stringify(reply);
        for (const secret of [fk, gk, fr, gr, kata(fr), kata(gr), c.phone, c.postal.slice(1), c.address, c.cert.slice(6)]) {
          expect(out, `${secret} in ${question}`).not.toContain(secret);
        }
        expect(out).not.toMatch(/\d{4}年\d{1,2}月\d{1,2}日|(昭和|平成)\d+年\d+月\d+日/);
        expect(reply.visibility).toBe('channel');
        expect(out).toContain('相談支援事業所あおぞら');
      }),
      { numRuns: 300 },
    );
  });

  it('shows age band and category only when the person consented', () => {
    const base = {
      id: 'x',
      number: 1,
      officeName: 'A',
      difficulties: ['家族関係'],
      urgency: 'normal' as const,
      helpWanted: ['助言'],
      question: '相談',
    };
    const without = queuePostFields({ ...base, consentedProfile: null });
    const withConsent = queuePostFields({ ...base, consentedProfile: { ageBand: '40代', category: '知的' } });
    expect(without.facts.map((f) => f.label)).toEqual(['依頼元', '困りごと', '緊急度', '希望する支援']);
    expect(withConsent.facts.map((f) => f.label)).toEqual(['依頼元', '困りごと', '緊急度', '希望する支援', '年代', '障害種別']);
    expect(without.title).toBe('二次相談 #1');
  });
});
