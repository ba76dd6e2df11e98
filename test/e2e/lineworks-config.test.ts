import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';
import { lineWorksSettings } from '../../src/platforms/lineworks/settings';

const PEM = '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n';
const full = {
  LINEWORKS_BOT_ID: '2000001',
  LINEWORKS_BOT_SECRET: 'secret',
  LINEWORKS_CLIENT_ID: 'cid',
  LINEWORKS_CLIENT_SECRET: 'csecret',
  LINEWORKS_SERVICE_ACCOUNT: 'x.serviceaccount@example.jp',
  LINEWORKS_PRIVATE_KEY: PEM.replace(/\n/g, '\\n'),
};

describe('LINE WORKS configuration', () => {
  it('with no LINEWORKS_* variable set, LINE WORKS is off', () => {
    expect(lineWorksSettings(loadConfig({}))).toBeNull();
  });

  it('with only some set, start-up fails naming every missing variable', () => {
    const err = (() => {
      try {
        lineWorksSettings(loadConfig({ LINEWORKS_BOT_ID: '2000001', LINEWORKS_BOT_SECRET: 's' }));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => p.split(':')[0])).toEqual([
      'LINEWORKS_CLIENT_ID',
      'LINEWORKS_CLIENT_SECRET',
      'LINEWORKS_SERVICE_ACCOUNT',
      'LINEWORKS_PRIVATE_KEY',
    ]);
  });

  it('takes the key as PEM text with \\n escapes, or as a file path; defaults the URLs and the 240/min budget', () => {
    const s = lineWorksSettings(loadConfig(full));
    expect(s?.privateKey).toBe(PEM);
    expect(s?.apiUrl).toBe('https://www.worksapis.com/v1.0');
    expect(s?.authUrl).toBe('https://auth.worksmobile.com/oauth2/v2.0/token');
    expect(s?.ratePerMinute).toBe(240);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lw-')), 'private_20261122.key');
    fs.writeFileSync(file, PEM);
    expect(lineWorksSettings(loadConfig({ ...full, LINEWORKS_PRIVATE_KEY: file, LINEWORKS_RATE_PER_MIN: '60' }))).toMatchObject({
      privateKey: PEM,
      ratePerMinute: 60,
    });
  });

  it('a key that is neither PEM nor a readable file is a configuration error', () => {
    expect(() => lineWorksSettings(loadConfig({ ...full, LINEWORKS_PRIVATE_KEY: '/nonexistent/private.key' }))).toThrow(
      /LINEWORKS_PRIVATE_KEY/,
    );
  });

  it('a rate that is not a number is refused with an example', () => {
    expect(() => loadConfig({ ...full, LINEWORKS_RATE_PER_MIN: 'many' })).toThrow(/LINEWORKS_RATE_PER_MIN: must be a number such as 240/);
  });
});
