import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../handlers/index';
import { soudanForm } from '../../handlers/soudan';
import { loadConfig } from '../../src/config';
import { formValues } from '../../src/platforms/slack/parse';
import { decodeActionId, encodeActionId, renderModal, slackFieldErrors } from '../../src/platforms/slack/render';
import { slackManifest, toYaml } from '../../src/platforms/slack/manifest';
import { BOT_SCOPES } from '../../src/platforms/slack/scopes';
import { parseEncryptionKey, seal, unseal } from '../../src/platforms/slack/seal';
import { slackSettings } from '../../src/platforms/slack/settings';
import { cut, mrkdwn } from '../../src/platforms/slack/text';
import { signSlackRequest, verifySlackRequest } from '../../src/platforms/slack/verify';

const hasLoneSurrogate = (s: string) => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe('cutting text at Slack limits', () => {
  it('never exceeds the limit and never splits a character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.integer({ min: 2, max: 200 }), (s, max) => {
        const out = cut(s, max);
        expect(out.length).toBeLessThanOrEqual(Math.max(max, Math.min(s.length, max)));
        expect(hasLoneSurrogate(out)).toBe(false);
        if (s.length <= max) expect(out).toBe(s);
      }),
    );
  });

  it('escapes mrkdwn so that user text cannot mention or link, and never leaves half an entity', () => {
    expect(mrkdwn('<!channel> & <@U1>', 100)).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt;');
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.integer({ min: 2, max: 100 }), (s, max) => {
        const out = mrkdwn(s, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(/&(a|am|l|g|lt|gt|amp)?…$/);
        expect(out).not.toMatch(/[<>]/);
      }),
    );
  });
});

describe('request signatures', () => {
  const now = 1_800_000_000_000;
  const ts = String(now / 1000);

  it('a correctly signed body passes; any changed byte, other secret or old timestamp fails', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), (bytes, at) => {
        const body = Buffer.from(bytes);
        const signature = signSlackRequest('secret', ts, body);
        expect(verifySlackRequest('secret', { signature, timestamp: ts }, body, now)).toBeNull();
        const changed = Buffer.from(body);
        const i = at % changed.length;
        changed[i] = (changed[i] ?? 0) ^ 1;
        expect(verifySlackRequest('secret', { signature, timestamp: ts }, changed, now)).toBe('bad_signature');
        expect(verifySlackRequest('other', { signature, timestamp: ts }, body, now)).toBe('bad_signature');
        expect(verifySlackRequest('secret', { signature, timestamp: ts }, body, now + 301_000)).toBe('stale');
      }),
      { numRuns: 50 },
    );
  });

  it('missing or malformed headers fail', () => {
    const body = Buffer.from('x');
    expect(verifySlackRequest('s', { signature: undefined, timestamp: ts }, body, now)).toBe('missing_headers');
    expect(verifySlackRequest('s', { signature: 'v0=aa', timestamp: 'yesterday' }, body, now)).toBe('missing_headers');
    expect(verifySlackRequest('s', { signature: 'v0=short', timestamp: ts }, body, now)).toBe('bad_signature');
  });
});

describe('modals', () => {
  const form = soudanForm('2026-11-22', 'C-0001');

  it('render every field as an input block keyed by its name, with initial values Slack accepts', () => {
    const view = renderModal(form, { f: form.formId, r: 'https://hooks.slack.com/x' });
    const inputs = view.blocks.filter((b) => b.type === 'input') as unknown as { block_id: string; element: Record<string, unknown> }[];
    expect(inputs.map((b) => b.block_id)).toEqual(form.fields.map((f) => f.name));
    const method = inputs.find((b) => b.block_id === 'method')?.element as {
      options: { value: string }[];
      initial_option: { value: string };
    };
    expect(method.options).toContainEqual(method.initial_option);
    expect(inputs.find((b) => b.block_id === 'occurredOn')?.element.initial_date).toBe('2026-11-22');
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expect(JSON.parse(view.private_metadata ?? '')).toEqual({ f: 'soudan:new', r: 'https://hooks.slack.com/x' });
  });

  it('read submitted state back into form values', () => {
    expect(
      formValues({
        a: { v: { type: 'plain_text_input', value: 'x' } },
        b: { v: { type: 'datepicker', selected_date: '2026-11-01' } },
        c: { v: { type: 'static_select', selected_option: { value: 'o' } } },
        d: { v: { type: 'multi_static_select', selected_options: [{ value: '1' }, { value: '2' }] } },
        e: { v: { type: 'static_select', selected_option: null } },
      }),
    ).toEqual({ a: 'x', b: '2026-11-01', c: 'o', d: ['1', '2'], e: '' });
  });

  it('field errors go on their fields; errors about no field go on the first', () => {
    expect(slackFieldErrors({ summary: '入力してください', _: '全体の誤り' }, ['person', 'summary'])).toEqual({
      summary: '入力してください',
      person: '全体の誤り',
    });
  });

  it('repeated action ids stay unique in a message and decode back', () => {
    expect(decodeActionId(encodeActionId('case:show', 3))).toBe('case:show');
    expect(decodeActionId('case:show')).toBe('case:show');
  });
});

describe('the app manifest', () => {
  const manifest = fs.readFileSync(path.join(import.meta.dirname, '../../src/platforms/slack/manifest.yaml'), 'utf8');

  it('has a slash command for every registered command', () => {
    // The generator is the source of truth; manifest.yaml is its output for the placeholder URL,
    // regenerated when commands change (npx tsx src/cli/slack-manifest.ts https://bot.example.jp).
    const generated = toYaml(slackManifest(createRegistry(), 'https://bot.example.jp'));
    for (const c of createRegistry().all()) expect(generated).toContain(`command: "/${c.id}"`);
    expect(generated).toContain('command: "/soudan-link"');
    expect(manifest).toContain('command: "/case"');
    expect(manifest).toContain('command: "/soudan-link"');
  });

  it('asks for exactly the scopes the code uses, and routes everything to /slack/events', () => {
    for (const s of BOT_SCOPES) expect(manifest).toContain(`- "${s}"`);
    expect(manifest).toContain('request_url: "https://bot.example.jp/slack/events"');
    expect(manifest).toContain('"app_home_opened"');
  });
});

describe('configuration', () => {
  const key = 'a'.repeat(64);

  it('no Slack variable: Slack is off', () => {
    expect(slackSettings(loadConfig({}))).toBeNull();
  });

  it('a bot token and a signing secret: one workspace over HTTP', () => {
    expect(slackSettings(loadConfig({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1' }))).toMatchObject({
      auth: { kind: 'single' },
      transport: { kind: 'http' },
    });
  });

  it('an app token: Socket Mode', () => {
    expect(slackSettings(loadConfig({ SLACK_APP_TOKEN: 'xapp-1', SLACK_BOT_TOKEN: 'xoxb-1' }))?.transport.kind).toBe('socket');
  });

  it('half an OAuth set-up, or OAuth without an encryption key, is an error naming what is missing', () => {
    expect(() => slackSettings(loadConfig({ SLACK_SIGNING_SECRET: 's', SLACK_CLIENT_ID: 'id' }))).toThrow(/SLACK_CLIENT_SECRET/);
    expect(() =>
      slackSettings(loadConfig({ SLACK_SIGNING_SECRET: 's', SLACK_CLIENT_ID: 'i', SLACK_CLIENT_SECRET: 'c', SLACK_STATE_SECRET: 't' })),
    ).toThrow(/SLACK_TOKEN_ENCRYPTION_KEY/);
    expect(() => slackSettings(loadConfig({ SLACK_SIGNING_SECRET: 's' }))).toThrow(/SLACK_BOT_TOKEN/);
    expect(
      slackSettings(
        loadConfig({
          SLACK_SIGNING_SECRET: 's',
          SLACK_CLIENT_ID: 'i',
          SLACK_CLIENT_SECRET: 'c',
          SLACK_STATE_SECRET: 't',
          SLACK_TOKEN_ENCRYPTION_KEY: key,
        }),
      )?.auth.kind,
    ).toBe('oauth');
  });

  it('sealed installations open only with their key and their row id', () => {
    const k = parseEncryptionKey(key);
    const sealed = seal(k, '{"bot":{"token":"xoxb-secret"}}', 'T1');
    expect(sealed).not.toContain('xoxb');
    expect(unseal(k, sealed, 'T1')).toContain('xoxb-secret');
    expect(() => unseal(k, sealed, 'T2')).toThrow();
    expect(() => unseal(parseEncryptionKey('b'.repeat(64)), sealed, 'T1')).toThrow();
  });
});

describe('the boundary', () => {
  it('core and handlers never import a Slack package', () => {
    const root = path.join(import.meta.dirname, '../..');
    const files = (dir: string): string[] =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
    for (const f of [...files(path.join(root, 'src/core')), ...files(path.join(root, 'handlers')), ...files(path.join(root, 'src/chat'))]) {
      expect(fs.readFileSync(f, 'utf8'), f).not.toMatch(/from '@slack\/|platforms\/slack/);
    }
  });
});
