import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../handlers/index';
import { parseChatLine, parseCommandLine } from '../../src/chat/parse';
import { romajiToHiragana, scriptRuns } from '../../src/core/kana';
import { CommandRegistry, type CommandSpec } from '../../src/chat/registry';
import { truncate } from '../../src/chat/replies';

const registry = createRegistry();

describe('command lines typed in a chat', () => {
  it.each([
    ['/case 山田', 'case', '山田'],
    ['case 山田 太郎', 'case', '山田 太郎'],
    ['ケース　やまだ', 'case', 'やまだ'],
    ['ｹｰｽ 山田', 'case', '山田'],
    ['記録', 'soudan', ''],
    ['/SOUDAN C-0001', 'soudan', 'C-0001'],
    ['ヘルプ', 'help', ''],
    ['？', 'help', ''],
  ])('%s → %s with "%s"', (line, name, text) => {
    expect(parseCommandLine(registry, line)).toEqual({ kind: 'command', name, text });
  });

  it('ordinary words are not commands', () => {
    expect(parseCommandLine(registry, 'こんにちは')).toBeNull();
    expect(parseCommandLine(registry, '   ')).toBeNull();
  });
});

describe('free text in a one-to-one chat', () => {
  it.each(['山田', 'C-0001', 'ｃ－０００１', 'やまだ　たろう', 'ヤマダ', 'yamada tarou', 'Itō', '山だ'])(
    '%s is an implicit case lookup',
    (line) => {
      expect(parseChatLine(registry, line)).toEqual({ kind: 'command', name: 'case', text: line.trim(), implicit: true });
    },
  );

  it('commands stay commands; sentences, questions and long text are not lookups', () => {
    expect(parseChatLine(registry, 'ケース 山田')).toEqual({ kind: 'command', name: 'case', text: '山田' });
    expect(parseChatLine(registry, '記録')).toEqual({ kind: 'command', name: 'soudan', text: '' });
    for (const line of ['今日の予定は？', '了解です。', '山田さん、明日来所。', 'a'.repeat(41), '', '  '])
      expect(parseChatLine(registry, line), line).toBeNull();
  });

  it("romaji reads as kana (Hepburn, kunrei, macrons, n'), anything else is not romaji", () => {
    expect(romajiToHiragana('yamada')).toBe('やまだ');
    expect(romajiToHiragana('Yamada Tarou')).toBe('やまだたろう');
    expect(romajiToHiragana('Itō')).toBe('いとう');
    expect(romajiToHiragana('sinzyuku')).toBe(romajiToHiragana('shinjuku'));
    expect(romajiToHiragana("kan'ichi")).toBe('かんいち');
    for (const s of ['山田', 'C-0001', '0001', 'yamd', '']) expect(romajiToHiragana(s), s).toBeNull();
  });

  it('a name typed half in kanji, half in kana splits into its script runs', () => {
    expect(scriptRuns('山だ')).toEqual(['山', 'だ']);
    expect(scriptRuns('やま田たろう')).toEqual(['やま', '田', 'たろう']);
    expect(scriptRuns('山田')).toEqual(['山田']);
  });
});

describe('the command registry', () => {
  const spec = (id: string, aliases: string[]): CommandSpec => ({
    id,
    aliases,
    label: id,
    description: id,
    usage: id,
    onCommand: async () => [],
  });

  it('refuses a duplicate id and a word used twice', () => {
    const r = new CommandRegistry([spec('a', ['エー'])]);
    expect(() => r.register(spec('a', []))).toThrow(/duplicate/);
    expect(() => r.register(spec('b', ['ｴｰ']))).toThrow(/already used/);
  });

  it('every command has a Japanese label, a description and an example', () => {
    for (const c of registry.all()) {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: any non-ASCII character (a Japanese label).
      expect(c.label, c.id).toMatch(/[^\x00-\x7f]/);
      expect(c.description.length, c.id).toBeGreaterThan(3);
      expect(c.usage.length, c.id).toBeGreaterThan(1);
    }
  });
});

describe('cutting text at a limit', () => {
  it('never splits a surrogate pair or a combining sequence', () => {
    const s = '𠮷野家👨‍👩‍👧‍👦が'.repeat(10);
    const cut = truncate(s, 7);
    expect([...new Intl.Segmenter('ja', { granularity: 'grapheme' }).segment(cut)].length).toBe(7);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut).not.toMatch(/[\ud800-\udbff]$/);
  });

  it('leaves short text alone', () => {
    expect(truncate('山田', 10)).toBe('山田');
  });
});
