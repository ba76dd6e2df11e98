import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app';
import type { Button, FormBlock, Reply } from '../../src/chat/types';
import { DATE_PICKER_ACTION, MAX_QUICK_REPLIES, question, type DialogueState } from '../../src/chat/dialogue/questions';
import { loadConfig } from '../../src/config';
import { renderReplies as renderLine } from '../../src/platforms/line/render';
import { renderReply as renderLineWorks } from '../../src/platforms/lineworks/render';
import { LIMITS as SLACK, renderMessage, renderModal } from '../../src/platforms/slack/render';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { localChatApi, type LocalChatApi } from '../helpers/web-chat';

/**
 * "What to build" 3: native controls per platform from the one form definition, within each
 * platform's documented limits. The bot's own forms are collected from the running app on the
 * demo tenant (typed commands, and the buttons of their answers that open a form), then each is
 * rendered as a Slack modal and asked as a LINE / LINE WORKS dialogue, field by field.
 * Limits: Slack Block Kit (docs.slack.dev/reference/block-kit: 100 blocks per modal, 50 per
 * message, option text 75 characters, 100 options, 10 checkboxes, title 24); LINE (quick reply
 * ≤ 13 items, action label ≤ 20 graphemes, postback data ≤ 300); LINE WORKS (quick reply ≤ 13,
 * label ≤ 20, postback data ≤ 300).
 */
const NOW = new Date('2026-12-10T01:00:00Z');
let tdb: TestDatabase;
let app: App;
let chat: LocalChatApi;
const forms = new Map<string, FormBlock>();

const graphemes = (s: string) => [...new Intl.Segmenter('ja', { granularity: 'grapheme' }).segment(s)].length;
const chars = (s: string) => [...s].length;
/** Buttons that change something (would spend the demo's state) are not pressed; the rest are. */
const SIDE_EFFECT =
  /done|snooze|delete|cancel|accept|close|confirm|stop|renew|revoke|endorse|grant|merge|ack|start|progress|advance|resolve/i;

function buttonsOf(r: Reply): Button[] {
  return [
    ...r.blocks.flatMap((b) =>
      b.type === 'card' ? (b.buttons ?? []) : b.type === 'list' ? b.items.flatMap((i) => (i.button ? [i.button] : [])) : [],
    ),
    ...(r.quickReplies ?? []),
  ];
}

async function collect(staffId: string, input: unknown, depth: number, pressed: Set<string>): Promise<void> {
  const res = await chat.post({ staffId, input });
  if (!res.ok) return;
  const { replies } = (await res.json()) as { replies?: Reply[] };
  for (const r of replies ?? []) {
    for (const b of r.blocks) if (b.type === 'form' && !forms.has(b.formId)) forms.set(b.formId, b);
    if (depth === 0) continue;
    for (const button of buttonsOf(r)) {
      const key = `${button.action.id}|${button.action.value}`;
      if (SIDE_EFFECT.test(button.action.id) || pressed.has(key) || button.action.id.startsWith('dialogue:')) continue;
      pressed.add(key);
      await collect(staffId, { kind: 'action', id: button.action.id, value: button.action.value }, depth - 1, pressed);
    }
  }
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  app = await startApp(
    loadConfig({ DATABASE_URL: tdb.url, PORT: '0', HOST: '127.0.0.1', DEMO_DATA: 'on', LOCAL_CHAT: 'on', SCHEDULER: 'false' }),
    { now: () => NOW },
  );
  chat = await localChatApi(app.url);
  const staff = Object.fromEntries((await chat.staff()).map((s) => [s.name, s.id]));
  const lines: [string, string[]][] = [
    ['青木 さくら', ['記録', '予定 設定', '会議 新規', '二次相談 C-0002', '地域課題', 'ケース C-0001', '履歴 C-0001', '緊急']],
    ['小川 ゆい', ['会議 取込', '会議', '会議 新規']],
    ['江藤 まこと', ['二次相談', '地域課題', '会議']],
    ['管理 担当', ['管理']],
  ];
  for (const [name, said] of lines) {
    const pressed = new Set<string>();
    for (const line of said) await collect(staff[name] ?? '', { kind: 'line', line }, 2, pressed);
  }
}, 120_000);
afterAll(async () => {
  await app?.stop();
  await tdb?.drop();
});

describe('the bot’s forms on every platform, within the documented limits', () => {
  it('collects the forms people meet', () => {
    for (const id of ['soudan:new', 'yotei:settings', 'kaigi:new', 'kaigi:import', 'niji:new', 'kadai:new', 'rireki:edit'])
      expect([...forms.keys()], id).toContain(id);
  });

  it('Slack: a modal of native elements (datepicker, static_select, checkboxes or multi_static_select) within Block Kit limits', () => {
    expect(forms.size).toBeGreaterThan(0);
    for (const form of forms.values()) {
      const view = renderModal(form, {
        f: form.formId,
        c: form.context,
        r: `https://hooks.slack.com/actions/T0/${'1'.repeat(12)}/${'x'.repeat(24)}`,
      });
      expect(view.blocks.length, form.formId).toBeLessThanOrEqual(SLACK.viewBlocks);
      expect(chars(view.title.text), form.formId).toBeLessThanOrEqual(24);
      expect(chars(view.submit?.text ?? ''), form.formId).toBeLessThanOrEqual(24);
      expect((view.private_metadata ?? '').length).toBeLessThanOrEqual(3000);
      expect(Buffer.byteLength(JSON.stringify(view))).toBeLessThan(250_000);
      for (const field of form.fields) {
        const block = view.blocks.find((b) => b.type === 'input' && b.block_id === field.name) as
          | { element: Record<string, unknown>; label: { text: string } }
          | undefined;
        expect(block, `${form.formId}.${field.name}`).toBeDefined();
        const el = block?.element ?? {};
        const options = (el.options ?? []) as { text: { text: string }; value: string }[];
        const expected = {
          date: ['datepicker'],
          select: ['static_select'],
          multiselect: ['checkboxes', 'multi_static_select'],
          number: ['number_input'],
        }[field.type as string] ?? ['plain_text_input'];
        expect(expected, `${form.formId}.${field.name}`).toContain(el.type);
        if (el.type === 'checkboxes') expect(options.length).toBeLessThanOrEqual(10);
        if (field.type === 'multiselect' && (field.options?.length ?? 0) <= 10)
          expect(el.type, `${form.formId}.${field.name}`).toBe('checkboxes');
        expect(options.length).toBeLessThanOrEqual(SLACK.options);
        if (field.options)
          expect(options.length, `${form.formId}.${field.name}: every option offered`).toBe(Math.min(field.options.length, SLACK.options));
        for (const o of options) {
          expect(chars(o.text.text), `${form.formId}.${field.name}: ${o.text.text}`).toBeLessThanOrEqual(SLACK.optionText);
          expect(o.value.length).toBeLessThanOrEqual(SLACK.optionValue);
        }
        expect(chars(block?.label.text ?? '')).toBeLessThanOrEqual(SLACK.label);
      }
      // The message that offers the form (where no modal can open) keeps within 50 blocks.
      const msg = renderMessage({ visibility: 'ephemeral', summary: form.title, blocks: [form] });
      expect(msg.blocks.length).toBeLessThanOrEqual(SLACK.messageBlocks);
    }
  });

  it('LINE and LINE WORKS: each field asked with quick replies (≤ 13, labels ≤ 20), dates with LINE’s date picker', () => {
    let dates = 0;
    for (const form of forms.values()) {
      for (let index = 0; index < form.fields.length; index++) {
        const field = form.fields[index];
        // Every page of a long select's choices.
        const pages = Math.max(1, Math.ceil((field?.options?.length ?? 0) / 8));
        for (let page = 0; page < pages; page++) {
          const state: DialogueState = { form, index, answers: {}, page };
          const q = question(state, NOW);
          const where = `${form.formId}.${field?.name}#${page}`;
          expect(q.quickReplies?.length ?? 0, where).toBeLessThanOrEqual(MAX_QUICK_REPLIES);

          const line = renderLine([q]);
          expect(line.length, where).toBeLessThanOrEqual(5);
          const items =
            (line.at(-1) as { quickReply?: { items: { action: { type: string; label: string; data?: string; mode?: string } }[] } })
              .quickReply?.items ?? [];
          expect(items.length, where).toBeGreaterThan(0);
          expect(items.length, where).toBeLessThanOrEqual(13);
          for (const { action } of items) {
            expect(graphemes(action.label), `${where}: ${action.label}`).toBeLessThanOrEqual(20);
            expect((action.data ?? '').length).toBeLessThanOrEqual(300);
          }
          if (field?.type === 'date') {
            dates++;
            expect(
              items.some((i) => i.action.type === 'datetimepicker' && i.action.mode === 'date'),
              where,
            ).toBe(true);
          }
          if (field?.options) {
            // The choices are tappable: options of this page appear as quick replies.
            expect(items.filter((i) => i.action.type === 'postback').length, where).toBeGreaterThan(2);
          }

          const works = renderLineWorks(q);
          const qr = (works.at(-1) as { quickReply?: { items: { action: { type: string; label: string; data: string } }[] } }).quickReply;
          expect(qr?.items.length ?? 0, where).toBeGreaterThan(0);
          expect(qr?.items.length ?? 0, where).toBeLessThanOrEqual(13);
          for (const { action } of qr?.items ?? []) {
            expect(action.type).toBe('postback');
            expect(action.label.length, `${where}: ${action.label}`).toBeLessThanOrEqual(20);
            expect(action.data.length).toBeLessThanOrEqual(300);
          }
          // LINE WORKS has no date picker: the date question is answered by typing or 今日 / 昨日.
          if (field?.type === 'date')
            expect(
              qr?.items.some((i) => i.action.label === '今日'),
              where,
            ).toBe(true);
          expect(JSON.stringify(works)).not.toContain(DATE_PICKER_ACTION.replace(':', '\\u003a'));
        }
      }
    }
    expect(dates).toBeGreaterThan(3);
  });
});
