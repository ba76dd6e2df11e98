import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../handlers/index';
import { parseCommandLine } from '../../src/chat/parse';
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
