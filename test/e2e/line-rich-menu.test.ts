import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenants } from '../../db/schema/index';
import { createRegistry } from '../../handlers/index';
import { loadConfig } from '../../src/config';
import { workspaceTenant } from '../../src/core/staff/link';
import { runLineCli } from '../../src/cli/line-setup';
import { decodePostback } from '../../src/platforms/line/postback';
import { richMenuDefinition, RICH_MENU_SIZE } from '../../src/platforms/line/rich-menu';
import { FakeLineApi } from '../fakes/line';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

let fake: FakeLineApi;
let tdb: TestDatabase;
const lines: string[] = [];
const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };

beforeAll(async () => {
  fake = await new FakeLineApi().start();
  fake.botUserId = 'Ubot-rich-menu';
  tdb = await createTestDatabase();
});

afterAll(async () => {
  await fake?.stop();
  await tdb?.drop();
});

const config = () =>
  loadConfig({ LINE_CHANNEL_SECRET: 's', LINE_CHANNEL_ACCESS_TOKEN: 'test-access-token', LINE_API_URL: fake.url, DATABASE_URL: tdb.url });

describe('LINE rich menu and operator commands', () => {
  it('offers the main flows as rich menu tiles that run registered commands', () => {
    const registry = createRegistry();
    const menu = richMenuDefinition(registry);
    expect(menu.size).toEqual(RICH_MENU_SIZE);
    expect(menu.areas?.length).toBeGreaterThanOrEqual(3);
    expect(menu.areas?.length).toBeLessThanOrEqual(6);
    const labels = (menu.areas ?? []).map((a) => (a.action as { label: string }).label);
    expect(labels).toContain('記録');
    expect(labels).toContain('ケース');
    expect(labels.at(-1)).toBe('ヘルプ');
    for (const area of menu.areas ?? []) {
      const input = decodePostback((area.action as { data: string }).data);
      expect(input?.kind).toBe('command');
      expect(registry.get(input?.kind === 'command' ? input.name : '')).toBeDefined();
      const b = area.bounds;
      expect((b?.x ?? 0) + (b?.width ?? 0)).toBeLessThanOrEqual(RICH_MENU_SIZE.width);
      expect((b?.y ?? 0) + (b?.height ?? 0)).toBeLessThanOrEqual(RICH_MENU_SIZE.height);
    }
  });

  it('creates the menu, uploads its image and makes it the default', async () => {
    const image = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'richmenu-')), 'menu.png');
    fs.writeFileSync(image, Buffer.from('89504e470d0a1a0a', 'hex'));
    expect(await runLineCli(['rich-menu', image], config(), io)).toBe(0);
    const paths = fake.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths).toEqual([
      'POST /v2/bot/richmenu',
      'POST /v2/bot/richmenu/richmenu-test-1/content',
      'POST /v2/bot/user/all/richmenu/richmenu-test-1',
    ]);
    expect(fake.requests[1]?.headers['content-type']).toBe('image/png');
  });

  it('registers this LINE channel for a tenant by its bot user id', async () => {
    const [tenant] = await tdb.db.insert(tenants).values({ code: 'line-town', name: 'ラインの町' }).returning({ id: tenants.id });
    process.env.DATABASE_URL = tdb.url;
    expect(await runLineCli(['register-channel', 'line-town'], config(), io)).toBe(0);
    expect((await workspaceTenant(tdb.db, 'line', 'Ubot-rich-menu'))?.tenantId).toBe(tenant?.id);
    expect(await runLineCli(['register-channel', 'no-such-town'], config(), io)).toBe(1);
  });
});
