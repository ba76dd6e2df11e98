import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ageBand, deidentify } from '../../src/core/deidentify';
import type { KnownPerson } from '../../src/core/deidentify';

const TODAY = '2026-11-22';
const run = (text: string, known: KnownPerson[] = []) => deidentify(text, known, { today: TODAY });
const clean = (text: string, known: KnownPerson[] = []) => run(text, known).text;

// ---------------------------------------------------------------------------------------------
// Helpers of the test (independent of the implementation)

const hira = (s: string) => s.replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60));
const kata = (s: string) => s.replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60));
/** What a reader could still recognise: width, script and variant kanji ignored. */
const OLD_FORMS: Record<string, string> = { 高: '髙', 斎: '齋', 辺: '邊' };
const flat = (s: string) =>
  hira(
    s
      .normalize('NFKC')
      .replace(/[髙齋邊]/g, (c) => Object.keys(OLD_FORMS).find((k) => OLD_FORMS[k] === c)!)
      .replace(/[\s・]/g, ''),
  );
/** The same name as people also write it in registers: 髙橋, 齋藤, 渡邊. */
const oldForm = (s: string) => s.replace(/[高斎辺]/g, (c) => OLD_FORMS[c]!);
const digitsOf = (s: string) => s.normalize('NFKC').replace(/\D/g, '');
const FULL = '０１２３４５６７８９';
const wide = (s: string) => s.replace(/[0-9]/g, (d) => FULL[Number(d)]!).replace(/-/g, '－');
const HALF_SRC = 'アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンァィゥェォッャュョー';
const HALF_DST = 'ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｧｨｩｪｫｯｬｭｮｰ';
const halfKata = (s: string) =>
  [...kata(s).normalize('NFD')].map((c) => (c === '\u3099' ? 'ﾞ' : c === '\u309a' ? 'ﾟ' : (HALF_DST[HALF_SRC.indexOf(c)] ?? c))).join('');

// ---------------------------------------------------------------------------------------------
// Examples

const SATO: KnownPerson = { familyName: '佐藤', givenName: '花子', familyKana: 'サトウ', givenKana: 'ハナコ' };
const HAYASHI: KnownPerson = { familyName: '林', givenName: '翔', familyKana: 'はやし', givenKana: 'しょう' };
const TAKAHASHI: KnownPerson = { familyName: '高橋', givenName: '結衣', familyKana: 'たかはし', givenKana: 'ゆい' };

describe('deidentify: names of known persons', () => {
  it('removes full names with or without a space, in kanji and kana, with honorifics', () => {
    const text = '佐藤花子さん、佐藤 花子様、佐藤　花子、佐藤・花子氏、さとうはなこ、ｻﾄｳ ﾊﾅｺちゃん、佐藤 はなこ、サトウ花子。';
    expect(clean(text, [SATO])).toBe('〔氏名〕、〔氏名〕、〔氏名〕、〔氏名〕、〔氏名〕、〔氏名〕、〔氏名〕、〔氏名〕。');
    expect(run(text, [SATO]).removed).toEqual([{ kind: 'name', count: 8 }]);
  });

  it('removes the family or the given name alone', () => {
    expect(clean('佐藤さんは花子と来所。はなこちゃんも。サトウ様、さとうくん。', [SATO])).toBe(
      '〔氏名〕は〔氏名〕と来所。〔氏名〕も。〔氏名〕、〔氏名〕。',
    );
  });

  it('matches variant kanji and widths but keeps the rest of the text as written', () => {
    expect(clean('ＡＢＣ相談支援事業所の髙橋さん（ﾀｶﾊｼ）', [TAKAHASHI])).toBe('ＡＢＣ相談支援事業所の〔氏名〕（〔氏名〕）');
  });

  it('removes a one-kanji name only as a word of its own or with an honorific', () => {
    expect(clean('林さんと翔くん。林は翔が来たと言う。', [HAYASHI])).toBe('〔氏名〕と〔氏名〕。〔氏名〕は〔氏名〕が来たと言う。');
    const ordinary = '森林公園で林業の話。翔太の名前の一字。';
    expect(clean(ordinary, [HAYASHI])).toBe('森林公園で林業の話。〔氏名〕の名前の一字。');
    // 翔太くん and 小林さん are other people: taken whole by their shape, not as 翔 or 林.
    expect(clean('翔太くんと小林さんに会った。', [HAYASHI])).toBe('〔氏名〕と〔氏名〕に会った。');
  });

  it('removes a two-kana name alone only with an honorific', () => {
    expect(clean('ゆいさんとユイちゃん。ぐあいがわるい、ゆいいつの', [TAKAHASHI])).toBe('〔氏名〕と〔氏名〕。ぐあいがわるい、ゆいいつの');
  });

  it('removes names nobody registered by their shape: honorific, relation, full name', () => {
    expect(clean('鈴木さんが来所。', [SATO])).toBe('〔氏名〕が来所。');
    expect(clean('母の京子さんと祖母の大野さんが同席。')).toBe('母の〔氏名〕と祖母の〔氏名〕が同席。');
    expect(clean('母・京子（70代）、長男 太郎（15歳）、妻の美香と同居。')).toBe(
      '母・〔氏名〕（70代）、長男 〔氏名〕（15歳）、妻の〔氏名〕と同居。',
    );
    expect(clean('祖父大野源次郎と面談。鈴木一郎が同席。')).toBe('祖父〔氏名〕と面談。〔氏名〕が同席。');
  });

  it('keeps words that take an honorific without being a name', () => {
    const text =
      '相談員さんとヘルパーさん、お母さん、大家さん、包括さん、皆さん、Aさん、〇〇さん。たくさんの様子、同様の氏名欄。母の介護、母 入院中、父母と同居。';
    expect(clean(text)).toBe(text);
  });

  it('matches a person of another office alone only where it is a name', () => {
    const other: KnownPerson = { familyName: '町田', givenName: '希望', familyKana: 'まちだ', givenKana: 'のぞみ', otherOffice: true };
    expect(clean('町田市で本人の希望を聞いた。', [other])).toBe('町田市で本人の希望を聞いた。');
    expect(clean('町田希望、マチダノゾミ、町田さんが来所。', [other])).toBe('〔氏名〕、〔氏名〕、〔氏名〕が来所。');
    expect(clean('町田市で本人の希望を聞いた。', [{ ...other, otherOffice: false }])).toBe('〔氏名〕市で本人の〔氏名〕を聞いた。');
  });

  it('leaves staff names in fields composed by the system when shapes are off', () => {
    expect(deidentify('江藤 まこと', [SATO], { today: TODAY, shapes: false }).text).toBe('江藤 まこと');
    expect(deidentify('佐藤花子', [SATO], { today: TODAY, shapes: false }).text).toBe('〔氏名〕');
  });
});

describe('deidentify: phone numbers', () => {
  const forms = [
    '03-1234-5678',
    '0467-12-3456',
    '046-123-4567',
    '090-1234-5678',
    '080 1234 5678',
    '07012345678',
    '０９０－１２３４－５６７８',
    '03(1234)5678',
    '(03)1234-5678',
    '+81-90-1234-5678',
    '+81 (0)3 1234 5678',
    '+81312345678',
    '0312345678',
    '0120-123-456',
    '050-1234-5678',
    '03.1234.5678',
  ];
  it.each(forms)('removes %s', (phone) => {
    expect(clean(`電話：${phone}に連絡。`)).toBe('電話：〔電話番号〕に連絡。');
  });

  it('keeps counts, times and dates', () => {
    const text = '10:00に来所、0歳児、電話相談は月120件、2026-11-22、03月。';
    expect(clean(text)).toBe(text);
  });

  it.each(['〇九〇―一二三四―五六七八', '〇九〇一二三四五六七八', '〇四六七（一二）三四五六', '〇三－一二三四－五六七八'])(
    'removes %s in kanji numerals',
    (phone) => {
      expect(clean(`電話：${phone}に連絡。`)).toBe('電話：〔電話番号〕に連絡。');
    },
  );

  it('keeps public numbers and counts in kanji', () => {
    const text = '189に通告、#7119に相談、一人暮らし、十分に説明、千代田区、四日市市、第一号被保険者。';
    expect(clean(text)).toBe(text);
  });

  it('finds two numbers written one after the other', () => {
    expect(clean('0467-12-3456 090-1234-5678')).toBe('〔電話番号〕 〔電話番号〕');
  });
});

describe('deidentify: postal codes and addresses', () => {
  it('removes postal codes', () => {
    expect(clean('〒242-0001、〒２４２－０００１、郵便番号 2420001、（242-0001）')).toBe(
      '〔郵便番号〕、〔郵便番号〕、郵便番号 〔郵便番号〕、（〔郵便番号〕）',
    );
  });

  it.each([
    ['神奈川県綾瀬市深谷中1-2-3に住む。', '〔住所〕に住む。'],
    ['綾瀬市深谷中一丁目2番3号で一人暮らし。', '〔住所〕で一人暮らし。'],
    ['東京都千代田区丸の内1丁目。', '〔住所〕。'],
    ['大和市中央1-2 グリーンマンション101号室に転居。', '〔住所〕に転居。'],
    ['横浜市港北区日吉本町1-2-3 コーポ日吉203', '〔住所〕'],
    ['愛甲郡愛川町中津1234番地5の自宅', '〔住所〕の自宅'],
    ['さいたま市浦和区高砂３－４－５', '〔住所〕'],
    ['住所：深谷中1-2-3', '住所：〔住所〕'],
    ['〒242-0001 神奈川県綾瀬市深谷中1-2-3', '〔郵便番号〕 〔住所〕'],
  ])('removes %s', (text, expected) => {
    expect(clean(text)).toBe(expected);
  });

  it.each([
    ['深谷中一丁目二番三号に住む。', '〔住所〕に住む。'],
    ['綾瀬市深谷中一丁目二番三号', '〔住所〕'],
    ['北3条西4丁目1-2に転居。', '〔住所〕に転居。'],
    ['札幌市中央区北三条西四丁目一番地二', '〔住所〕'],
    ['寺尾1の2の3', '〔住所〕'],
    ['住所は綾瀬市寺尾一の二の三', '住所は〔住所〕'],
    ['中央2丁目3-4 コーポ中央203', '〔住所〕'],
  ])('removes an address in any written form: %s', (text, expected) => {
    expect(clean(text)).toBe(expected);
  });

  it('keeps a municipality that is talked about', () => {
    const text = '綾瀬市では移動支援が不足。綾瀬市では一番多い相談で、2番目は就労。市役所で相談支援。市内では1-2件。';
    expect(clean(text)).toBe(text);
  });
});

describe('deidentify: birth dates', () => {
  it.each([
    '1980年4月1日生まれ',
    '1980/4/1生まれ',
    '1980-04-01生',
    '昭和55年4月1日生',
    'S55.4.1生',
    'H3.12.5生まれ',
    '平成3年12月5日生まれ',
    '令和2年4月1日生まれ',
    '令和元年5月1日生',
    '１９８０年４月１日生まれ',
    '1980年4月生まれ',
  ])('removes %s', (text) => {
    const out = clean(`本人は${text}。`);
    expect(out).toMatch(/^本人は〔生年月日〕(生まれ|生)。$/);
  });

  it('removes a date after 生年月日 / 誕生日', () => {
    expect(clean('生年月日：昭和55年4月1日、誕生日は2020年1月2日。')).toBe('生年月日：〔生年月日〕、誕生日は〔生年月日〕。');
  });

  it('removes any full date more than ten years before today, but not recent ones or a law date', () => {
    expect(clean('2010年4月1日に手帳取得、2016年11月21日に転居、2016年11月23日に就職、2026年11月22日に訪問。')).toBe(
      '〔日付〕に手帳取得、〔日付〕に転居、2016年11月23日に就職、2026年11月22日に訪問。',
    );
    const law = '平成25年4月1日施行の障害者総合支援法、令和8年4月1日から。';
    expect(clean(law)).toBe(law);
  });

  it.each([
    ['昭和六十年四月一日生', '〔生年月日〕生'],
    ['1985（昭和60）年4月1日生まれ', '〔生年月日〕生まれ'],
    ['昭和60年（1985年）4月1日生まれ', '〔生年月日〕生まれ'],
    ['千九百八十五年四月一日生まれ', '〔生年月日〕生まれ'],
    ['平成十二年十二月二十五日生', '〔生年月日〕生'],
  ])('removes a birth date in kanji numerals or with the other calendar: %s', (text, expected) => {
    expect(clean(text)).toBe(expected);
  });

  it('keeps a year alone and ages', () => {
    const text = '昭和55年生まれ、42歳、40代、令和8年度。';
    expect(clean(text)).toBe(text);
  });
});

describe('deidentify: numbers and e-mail', () => {
  it('removes certificate numbers, My Number and e-mail addresses', () => {
    const text =
      '受給者証番号：1234567890、受給者証 12345 67890、（0123456789ではなく9876543210）、マイナンバー 1234 5678 9012、個人番号123456789012、連絡は sato.h@example.co.jp まで。';
    const result = run(text);
    expect(result.text).toBe(
      '受給者証番号：〔受給者証番号〕、受給者証 〔受給者証番号〕、（〔電話番号〕ではなく〔受給者証番号〕）、マイナンバー 〔個人番号〕、個人番号〔個人番号〕、連絡は 〔メール〕 まで。',
    );
    expect(result.removed).toEqual([
      { kind: 'phone', count: 1 },
      { kind: 'certificate', count: 3 },
      { kind: 'email', count: 1 },
      { kind: 'mynumber', count: 2 },
    ]);
  });

  it('keeps a date written after 受給者証', () => {
    expect(clean('受給者証の期限は2027-03-31。')).toBe('受給者証の期限は2027-03-31。');
  });
});

describe('deidentify: the whole note', () => {
  it('de-identifies a realistic note and reports what it removed', () => {
    const note =
      '佐藤花子さん（昭和55年4月1日生、綾瀬市深谷中1-2-3在住、携帯090-1234-5678）より相談。' +
      '綾瀬市では移動支援の事業所が不足しており、2026年11月22日に訪問した。';
    const result = run(note, [SATO]);
    expect(result.text).toBe(
      '〔氏名〕（〔生年月日〕生、〔住所〕在住、携帯〔電話番号〕）より相談。綾瀬市では移動支援の事業所が不足しており、2026年11月22日に訪問した。',
    );
    expect(result.removed).toEqual([
      { kind: 'name', count: 1 },
      { kind: 'phone', count: 1 },
      { kind: 'address', count: 1 },
      { kind: 'birthdate', count: 1 },
    ]);
  });

  it('returns an empty text unchanged', () => {
    expect(run('', [SATO])).toEqual({ text: '', removed: [] });
  });
});

describe('ageBand', () => {
  it.each([
    ['2020-01-01', '10歳未満'],
    ['2016-11-23', '10歳未満'],
    ['2016-11-22', '10代'],
    ['2007-01-01', '10代'],
    ['1984-11-22', '40代'],
    ['1976-11-23', '40代'],
    ['1976-11-22', '50代'],
    ['1946-11-23', '70代'],
    ['1946-11-22', '80代以上'],
    ['1920-05-05', '80代以上'],
    ['2026-11-22', '10歳未満'],
  ])('born %s → %s (today 2026-11-22)', (birth, band) => {
    expect(ageBand(birth, TODAY)).toBe(band);
  });

  it('counts a 29 February birthday from 1 March in other years', () => {
    expect(ageBand('2008-02-29', '2018-02-28')).toBe('10歳未満');
    expect(ageBand('2008-02-29', '2018-03-01')).toBe('10代');
  });

  it('rejects malformed dates and a birth after today', () => {
    expect(() => ageBand('1980/04/01', TODAY)).toThrow(RangeError);
    expect(() => ageBand('1980-02-30', TODAY)).toThrow(RangeError);
    expect(() => ageBand('2027-01-01', TODAY)).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Pools

const FAMILIES: [string, string][] = [
  ['佐藤', 'さとう'],
  ['鈴木', 'すずき'],
  ['高橋', 'たかはし'],
  ['田中', 'たなか'],
  ['渡辺', 'わたなべ'],
  ['伊藤', 'いとう'],
  ['山本', 'やまもと'],
  ['中村', 'なかむら'],
  ['小林', 'こばやし'],
  ['加藤', 'かとう'],
  ['吉田', 'よしだ'],
  ['山田', 'やまだ'],
  ['佐々木', 'ささき'],
  ['山口', 'やまぐち'],
  ['松本', 'まつもと'],
  ['井上', 'いのうえ'],
  ['木村', 'きむら'],
  ['林', 'はやし'],
  ['斎藤', 'さいとう'],
  ['清水', 'しみず'],
];
const GIVENS: [string, string][] = [
  ['太郎', 'たろう'],
  ['花子', 'はなこ'],
  ['翔', 'しょう'],
  ['大輔', 'だいすけ'],
  ['美咲', 'みさき'],
  ['健太', 'けんた'],
  ['陽菜', 'ひな'],
  ['蓮', 'れん'],
  ['結衣', 'ゆい'],
  ['悠真', 'ゆうま'],
  ['一郎', 'いちろう'],
  ['恵子', 'けいこ'],
  ['和也', 'かずや'],
  ['直美', 'なおみ'],
  ['さくら', 'さくら'],
  ['浩二', 'こうじ'],
  ['愛', 'あい'],
];
/** Realistic pieces of consultation notes without any identifier; each ends a clause. */
const FRAGMENTS = [
  '本人から電話があった。',
  '母親と同居している。',
  '市役所の障害福祉課に相談した。',
  '相談支援専門員が自宅を訪問した。',
  '2026年11月22日に訪問。',
  '就労継続支援B型の利用を検討中。',
  'サービス等利用計画案を作成した。',
  'モニタリングは3月ごと。',
  '40代の男性、',
  '42歳、',
  '基幹相談支援センターに二次相談をした。',
  '綾瀬市では移動支援の事業所が不足している。',
  '通院同行が必要、',
  '次回は12月に訪問予定。',
  'グループホームの空きがない。',
  '家族関係の調整が課題。',
  'ヘルパーの利用時間を増やしたい、',
  '短期入所の利用を希望している。',
  '計画相談支援の契約を結んだ。',
  '経済的困窮のため生活保護を申請した。',
  '医療的ケアが必要な児童、',
  '障害支援区分は4。',
  '日中活動の場が少ない、',
  '地域移行支援を開始した。',
  '市内では相談件数が増えている。',
  '東京都の研修に参加した。',
  '平塚市と合同で事例検討を行う。',
  '第3回運営会議で報告する。',
  '令和8年度の計画に反映したい。',
  '相談は1日2件ほど。',
  '電話での相談が多い、',
  '大和市内の事業所と連携した。',
  '座間市では送迎が課題になっている。',
  '2026年4月から受給者証の更新が必要。',
  '障害者手帳の等級は2級。',
  '支援拒否があり、',
  '本人の意向を確認した。',
  '緊急対応が必要だった。',
];
const HONORIFICS = ['さん', '様', '氏', 'くん', 'ちゃん', 'さま', 'サン'];
const PARTICLES = ['は', 'が', 'と', 'の', 'に', 'から', '、'];

/** An embedded identifier: its text (with context words) and what must not be readable afterwards. */
interface Item {
  kind: string;
  text: string;
  secrets: string[];
  digitSecrets: string[];
}
const item = (kind: string, text: string, secrets: string[], digitSecrets: string[] = []): Item => ({
  kind,
  text,
  secrets,
  digitSecrets,
});

const digits = (n: number, first = '0123456789') =>
  fc
    .tuple(fc.constantFrom(...first), fc.array(fc.constantFrom(...'0123456789'), { minLength: n - 1, maxLength: n - 1 }))
    .map(([a, rest]) => a + rest.join(''));
const maybeWide = (s: string) => fc.boolean().map((w) => (w ? wide(s) : s));

// Names ---------------------------------------------------------------------------------------

interface Person extends KnownPerson {
  familyKana: string;
  givenKana: string;
}
const personArb: fc.Arbitrary<Person> = fc
  .tuple(fc.constantFrom(...FAMILIES), fc.constantFrom(...GIVENS), fc.boolean())
  .map(([[f, fk], [g, gk], katakanaKana]) => ({
    familyName: f,
    givenName: g,
    familyKana: katakanaKana ? kata(fk) : fk,
    givenKana: katakanaKana ? kata(gk) : gk,
  }));
const kanaScript = fc.constantFrom(hira, kata, halfKata);

function nameItem(p: Person): fc.Arbitrary<Item> {
  const all = [p.familyName, p.givenName, p.familyKana, p.givenKana];
  const kanaForms = (k: string) => kanaScript.map((f) => f(k));
  const single = (n: string) => fc.constant(n);
  const part = (kanji: string, kana: string) => fc.oneof(single(kanji), single(oldForm(kanji)), kanaForms(kana));
  const full = fc
    .tuple(part(p.familyName, p.familyKana), fc.constantFrom('', ' ', '　', '・'), part(p.givenName, p.givenKana))
    .map(([f, s, g]) => f + s + g);
  const alone = fc.oneof(part(p.familyName, p.familyKana), part(p.givenName, p.givenKana));
  return fc
    .tuple(fc.oneof(full, alone), fc.option(fc.constantFrom(...HONORIFICS)), fc.constantFrom(...PARTICLES))
    .map(([form, honorific, particle]) => {
      // The documented rule: one or two kana alone are removed only with an honorific.
      const kanaOnly = /^[\p{sc=Hiragana}\p{sc=Katakana}ー\uFF66-\uFF9F]+$/u.test(form);
      const h = honorific ?? (kanaOnly && [...form.normalize('NFKC')].length <= 2 ? 'さん' : '');
      return item('name', form + h + particle, all.map(flat));
    });
}

/** A person of another office: full names anywhere, a name alone with an honorific. */
function otherOfficeNameItem(p: Person): fc.Arbitrary<Item> {
  const all = [p.familyName, p.givenName, p.familyKana, p.givenKana];
  const kanaForms = (k: string) => kanaScript.map((f) => f(k));
  const part = (kanji: string, kana: string) => fc.oneof(fc.constant(kanji), fc.constant(oldForm(kanji)), kanaForms(kana));
  const full = fc
    .tuple(
      part(p.familyName, p.familyKana),
      fc.constantFrom('', ' ', '　', '・'),
      part(p.givenName, p.givenKana),
      fc.option(fc.constantFrom(...HONORIFICS)),
    )
    .map(([f, s, g, h]) => f + s + g + (h ?? ''));
  const alone = fc
    .tuple(fc.oneof(part(p.familyName, p.familyKana), part(p.givenName, p.givenKana)), fc.constantFrom(...HONORIFICS))
    .map(([n, h]) => n + h);
  return fc
    .tuple(fc.oneof(full, alone), fc.constantFrom(...PARTICLES))
    .map(([form, particle]) => item('name', form + particle, all.map(flat)));
}

// Phones --------------------------------------------------------------------------------------

/** Groups of a phone number: area code, exchange, subscriber (landline area codes never start 0X0). */
const phoneParts: fc.Arbitrary<string[]> = fc.oneof(
  fc.tuple(fc.constantFrom('03', '06'), digits(4, '123456789'), digits(4)),
  fc.tuple(digits(2, '123456789'), digits(3, '123456789'), digits(4)).map(([a, b, c]) => [`0${a.replace(/0$/, '1')}`, b, c]),
  fc.tuple(digits(3, '123456789'), digits(2, '123456789'), digits(4)).map(([a, b, c]) => [`0${a.replace(/^(.)0/, '$11')}`, b, c]),
  fc.tuple(digits(4, '123456789'), digits(1, '123456789'), digits(4)).map(([a, b, c]) => [`0${a.replace(/^(.)0/, '$11')}`, b, c]),
  fc.tuple(fc.constantFrom('090', '080', '070', '050'), digits(4), digits(4)),
  fc.tuple(fc.constantFrom('0120', '0570'), digits(3), digits(3)),
  fc.tuple(fc.constant('0800'), digits(3), digits(4)),
);
const phoneArb: fc.Arbitrary<Item> = fc
  .tuple(phoneParts, fc.integer({ min: 0, max: 8 }), fc.boolean(), fc.constantFrom('電話：', 'TEL ', '携帯 ', '連絡先は', ''))
  .map(([[a, b, c], style, w, before]) => {
    const nat = a! + b! + c!;
    const formats = [
      `${a}-${b}-${c}`,
      `${a} ${b} ${c}`,
      nat,
      `${a}(${b})${c}`,
      `(${a})${b}-${c}`,
      `${a}‐${b}‐${c}`,
      `+81-${a!.slice(1)}-${b}-${c}`,
      `+81 (0)${a!.slice(1)} ${b} ${c}`,
      `+81${nat.slice(1)}`,
    ];
    const text = w ? wide(formats[style]!) : formats[style]!;
    return item('phone', `${before}${text}に連絡。`, [], [nat.slice(1)]);
  });

// Postal codes, numbers, e-mail ---------------------------------------------------------------

/** How a written number ends: people close it before the next clause, which may start with digits. */
const numberEnd = fc.constantFrom('。', '、', ' ', '）');
const postalArb = fc
  .tuple(
    digits(3, '123456789'),
    digits(4),
    fc.constantFrom('〒{a}-{b}', '〒 {a}-{b}', '〒{a}{b}', '郵便番号 {a}{b}', '（{a}-{b}）'),
    numberEnd,
  )
  .chain(([a, b, f, end]) => maybeWide(f.replace('{a}', a).replace('{b}', b)).map((t) => item('postal', t + end, [], [a + b])));
const certificateArb = fc
  .tuple(
    digits(10, '123456789'),
    fc.constantFrom('受給者証番号：{n}', '受給者証番号は{n}', '受給者証 {n}', '（{n}）', '受給者証番号 {a} {b}'),
    numberEnd,
  )
  .chain(([n, f, end]) =>
    maybeWide(f.replace('{n}', n).replace('{a}', n.slice(0, 5)).replace('{b}', n.slice(5))).map((t) =>
      item('certificate', t + end, [], [n]),
    ),
  );
const myNumberArb = fc
  .tuple(digits(12), fc.constantFrom('', ' ', '-'), fc.constantFrom('マイナンバー：', '個人番号 ', 'マイナンバーは'), numberEnd)
  .chain(([n, s, before, end]) =>
    maybeWide(`${before}${n.slice(0, 4)}${s}${n.slice(4, 8)}${s}${n.slice(8)}${end}`).map((t) => item('mynumber', t, [], [n])),
  );
const emailArb = fc
  .tuple(fc.stringMatching(/^[a-z][a-z0-9._]{2,10}[a-z0-9]$/), fc.constantFrom('example.jp', 'mail.example.co.jp', 'ex-ample.com'))
  .map(([local, domain]) => item('email', `メール ${local}@${domain} に送付。`, [`${local}@${domain}`, '@']));

// Addresses -----------------------------------------------------------------------------------

const PREFS = ['', '神奈川県', '東京都', '埼玉県'];
const MUNIS = [
  '綾瀬市',
  '海老名市',
  '大和市',
  '座間市',
  '厚木市',
  '横浜市港北区',
  '千代田区',
  '愛甲郡愛川町',
  '平塚市',
  'さいたま市浦和区',
  '町田市',
  '四日市市',
];
const TOWNS = ['深谷中', '寺尾本町', '丸の内', '中央', '大上', '日吉', 'つきみ野', '中津', '浜田町', '落合南', '相武台'];
const KANJI_NUMBERS = ['', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
const blockArb = fc
  .tuple(
    fc.integer({ min: 1, max: 9 }),
    fc.integer({ min: 1, max: 40 }),
    fc.integer({ min: 1, max: 40 }),
    fc.integer({ min: 1, max: 3000 }),
    fc.integer({ min: 0, max: 8 }),
  )
  .map(
    ([a, b, c, n, f]) =>
      [
        `${a}-${b}-${c}`,
        `${a}-${b}`,
        `${a}丁目${b}番${c}号`,
        `${KANJI_NUMBERS[a]}丁目${b}番${c}号`,
        `${a}丁目${b}-${c}`,
        `${a}丁目`,
        `${n}番地`,
        `${n}番地${b}`,
        `${a}-${b}-${c}-${(n % 900) + 101}`,
      ][f]!,
  );
const BUILDINGS = [
  '',
  'ハイツ綾瀬101号室',
  ' コーポ中央 203',
  'グリーンマンション5号室',
  ' サンライズ荘2号',
  'レジデンス相模 3号棟405号室',
];
const addressArb = fc
  .tuple(
    fc.constantFrom(...PREFS),
    fc.constantFrom(...MUNIS),
    fc.constantFrom(...TOWNS),
    blockArb,
    fc.constantFrom(...BUILDINGS),
    fc.boolean(),
    fc.constantFrom('に住んでいる。', '在住。', '。', 'で一人暮らし、', 'の自宅を訪問した。'),
  )
  .map(([pref, muni, town, block, building, w, after]) => {
    const b = w ? wide(block) : block;
    const secrets = [town + block, block, building.trim()].filter((s) => s !== '').map(flat);
    return item('address', `${pref}${muni}${town}${b}${building}${after}`, secrets);
  });

// Birth dates ---------------------------------------------------------------------------------

const ERAS: [string, string, number][] = [
  ['令和', 'R', 2019],
  ['平成', 'H', 1989],
  ['昭和', 'S', 1926],
];
const dateArb = (minYear: number, maxYear: number) =>
  fc
    .tuple(
      fc.integer({ min: minYear, max: maxYear }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 28 }),
      fc.integer({ min: 0, max: 7 }),
    )
    .map(([y, m, d, f]) => {
      const [era, letter, start] = ERAS.find(([, , s]) => y >= s)!;
      const e = y - start + 1;
      const mm = String(m).padStart(2, '0');
      const dd = String(d).padStart(2, '0');
      const forms: [string, string][] = [
        [`${y}年${m}月${d}日`, `${y}年`],
        [`${y}/${m}/${d}`, `${y}/`],
        [`${y}-${mm}-${dd}`, `${y}-`],
        [`${y}.${m}.${d}`, `${y}.`],
        [`${era}${e}年${m}月${d}日`, `${era}${e}年`],
        [`${era}${e === 1 ? '元' : e}年${m}月${d}日`, `${era}${e === 1 ? '元' : e}年`],
        [`${letter}${e}.${m}.${d}`, `${letter}${e}.`],
        [`${letter}${e}/${m}/${d}`, `${letter}${e}/`],
      ];
      return forms[f]!;
    });
const birthArb = fc.oneof(
  fc
    .tuple(
      dateArb(1930, 2025),
      fc.constantFrom('生年月日：{d}。', '生年月日は{d}、', '{d}生まれ。', '{d}生、', '誕生日 {d}。', '{d}生まれの', '生年月日　{d}。'),
      fc.boolean(),
    )
    .map(([[date, year], f, w]) => item('birthdate', f.replace('{d}', w ? wide(date) : date), [flat(date), flat(year)])),
  // Any full date more than ten years before today, with no birth word at all.
  fc
    .tuple(dateArb(1930, 2015), fc.constantFrom('{d}に手帳を取得。', '（{d}）', '{d}、'))
    .map(([[date, year], f]) => item('birthdate', f.replace('{d}', date), [flat(date), flat(year)])),
);

// ---------------------------------------------------------------------------------------------

const fragmentArb = fc.constantFrom(...FRAGMENTS);
const otherItems = [phoneArb, postalArb, certificateArb, myNumberArb, emailArb, addressArb, birthArb];

interface Doc {
  persons: Person[];
  fragments: string[];
  items: Item[];
  text: string;
}
const docArb = (itemArbs: (persons: Person[]) => fc.Arbitrary<Item>[]): fc.Arbitrary<Doc> =>
  fc.uniqueArray(personArb, { minLength: 1, maxLength: 3, selector: (p) => p.familyName + p.givenName }).chain((persons) =>
    fc
      .tuple(fc.array(fc.tuple(fragmentArb, fc.oneof(...itemArbs(persons))), { minLength: 1, maxLength: 6 }), fragmentArb)
      .map(([pairs, last]) => {
        const fragments = [...pairs.map(([f]) => f), last];
        const items = pairs.map(([, i]) => i);
        const text = pairs.map(([f, i]) => f + i.text).join('') + last;
        return { persons, fragments, items, text };
      }),
  );

function checkDoc(doc: Doc): void {
  const result = deidentify(doc.text, doc.persons, { today: TODAY });
  const out = result.text;
  const seen = flat(out);
  const seenDigits = digitsOf(out);
  for (const i of doc.items) {
    for (const s of i.secrets) expect(seen, `${i.kind} 「${i.text}」 → ${out}`).not.toContain(s);
    for (const d of i.digitSecrets) expect(seenDigits, `${i.kind} 「${i.text}」 → ${out}`).not.toContain(d);
    expect(result.removed.map((r) => r.kind)).toContain(i.kind);
  }
  let cursor = 0;
  for (const f of doc.fragments) {
    const at = out.indexOf(f, cursor);
    expect(at, `fragment 「${f}」 lost in ${out}`).toBeGreaterThanOrEqual(0);
    cursor = at + f.length;
  }
  // Idempotent: placeholders and what survived are not identifiers.
  expect(deidentify(out, doc.persons, { today: TODAY })).toEqual({ text: out, removed: [] });
}

const RUNS = { mixed: 1000, perKind: 300, clean: 300 };

describe('deidentify: properties', () => {
  it('the pools are sound: no fragment contains a name of the pools', () => {
    const variants = [...FAMILIES, ...GIVENS].flat().map(flat);
    for (const f of FRAGMENTS) for (const v of variants) expect(flat(f), `${v} in ${f}`).not.toContain(v);
  });

  it(`mixed notes: no identifier survives, no fragment is touched (${RUNS.mixed} runs)`, () => {
    fc.assert(
      fc.property(
        docArb((ps) => [...ps.map(nameItem), ...otherItems]),
        checkDoc,
      ),
      { numRuns: RUNS.mixed },
    );
  });

  const kinds: [string, (ps: Person[]) => fc.Arbitrary<Item>[]][] = [
    ['names', (ps) => ps.map(nameItem)],
    ['phones', () => [phoneArb]],
    ['addresses', () => [addressArb]],
    ['birth dates', () => [birthArb]],
    ['numbers, postal codes, e-mail', () => [postalArb, certificateArb, myNumberArb, emailArb]],
  ];
  for (const [label, arbs] of kinds) {
    it(`${label} (${RUNS.perKind} runs)`, () => {
      fc.assert(fc.property(docArb(arbs), checkDoc), { numRuns: RUNS.perKind });
    });
  }

  it(`names of persons of another office: full names and names with an honorific (${RUNS.perKind} runs)`, () => {
    fc.assert(
      fc.property(
        docArb((ps) => ps.map(otherOfficeNameItem)),
        (doc) => checkDoc({ ...doc, persons: doc.persons.map((p) => ({ ...p, otherOffice: true })) }),
      ),
      { numRuns: RUNS.perKind },
    );
  });

  it(`text without identifiers comes back unchanged (${RUNS.clean} runs)`, () => {
    fc.assert(
      fc.property(
        fc.array(fragmentArb, { maxLength: 12 }),
        fc.uniqueArray(personArb, { maxLength: 3, selector: (p) => p.familyName + p.givenName }),
        (fs, persons) => {
          const text = fs.join('');
          expect(deidentify(text, persons, { today: TODAY })).toEqual({ text, removed: [] });
          expect(
            deidentify(
              text,
              persons.map((p) => ({ ...p, otherOffice: true })),
              { today: TODAY },
            ),
          ).toEqual({ text, removed: [] });
        },
      ),
      { numRuns: RUNS.clean },
    );
  });
});
