import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';

describe('configuration', () => {
  it('starts with no variables at all: embedded database, local chat on 127.0.0.1:3000', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ HOST: '127.0.0.1', PORT: 3000, DATA_DIR: './data', SLACK_API_URL: 'https://slack.com/api/' });
    expect(c.DATABASE_URL).toBeUndefined();
  });

  it('a wrong value stops start-up with a message naming the variable', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', SLACK_API_URL: 'not a url' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const msg = (e as Error).message;
      expect(msg).toContain('PORT');
      expect(msg).toContain('DATABASE_URL');
      expect(msg).toContain('SLACK_API_URL');
      expect(msg).toContain('postgres://');
    }
  });

  it('never echoes a secret in the error', () => {
    expect(() => loadConfig({ LINK_SECRET: 'short-secret-value' })).toThrow(/LINK_SECRET.*\[hidden\]/);
    try {
      loadConfig({ LINK_SECRET: 'short-secret-value' });
    } catch (e) {
      expect((e as Error).message).not.toContain('short-secret-value');
    }
  });

  it('treats empty strings as unset', () => {
    const c = loadConfig({ DATABASE_URL: '', SLACK_BOT_TOKEN: '  ' });
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.SLACK_BOT_TOKEN).toBeUndefined();
  });
});
