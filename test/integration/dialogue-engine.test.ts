import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { continueDialogue, startDialogue, type DialogueKey } from '../../src/chat/dialogue/engine';
import { CommandRegistry, type CommandSpec } from '../../src/chat/registry';
import { textReply } from '../../src/chat/replies';
import type { FormBlock, FormSubmission, Reply } from '../../src/chat/types';
import { UserError } from '../../src/core/errors';
import { and, eq } from 'drizzle-orm';
import { dialogues } from '../../db/schema/index';
import { STALE_STATE_MESSAGE } from '../../src/chat/dialogue/state';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

let tdb: TestDatabase;
let world: World;
const submitted: FormSubmission[] = [];
const now = new Date('2026-11-22T01:00:00Z');

/** A command whose form has one field of each kind the engine reads; it records what it gets. */
const probe: CommandSpec = {
  id: 'probe',
  aliases: [],
  label: 'テスト',
  description: '',
  usage: '',
  async onCommand() {
    return [];
  },
  async onForm(_ctx, form) {
    if (form.values.count === '13') throw new UserError('invalid_form', '13は使えません。', 'unlucky', { count: '13は使えません。' });
    submitted.push(form);
    return [textReply('受け付けました')];
  },
};
const registry = new CommandRegistry([probe]);

const form: FormBlock = {
  type: 'form',
  formId: 'probe:new',
  title: 'テスト',
  context: 'ctx-1',
  fields: [
    {
      name: 'help',
      label: '希望する支援',
      type: 'multiselect',
      required: true,
      options: [
        { value: 'advice', label: '助言' },
        { value: 'visit', label: '同行訪問' },
        { value: 'meeting', label: 'ケース会議の開催' },
      ],
    },
    { name: 'count', label: '件数', type: 'number', required: true },
    { name: 'due', label: '期限', type: 'date' },
    { name: 'note', label: 'メモ', type: 'text', maxLength: 5 },
  ],
};

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
});
afterAll(async () => {
  await tdb.drop();
});

let n = 0;
const key = (): DialogueKey => ({ platform: 'line', workspaceId: 'w', userId: `engine-${++n}` });
const text = (r: Reply[] | null) => (r ?? []).map((x) => x.blocks.map((b) => ('text' in b ? b.text : '')).join('\n')).join('\n');
const answer = (k: DialogueKey, a: string) => continueDialogue({ db: tdb.db, registry, now: () => now }, k, world.actors.a, a, now);

describe('dialogue engine', () => {
  it('a multiselect toggles choices, needs at least one, and ends with 決定', async () => {
    const k = key();
    const first = await startDialogue(tdb.db, k, form, now);
    expect(first.quickReplies?.map((b) => b.label)).toEqual(['助言', '同行訪問', 'ケース会議の開催', '決定', '戻る', 'やめる']);
    expect(text(await answer(k, '決定'))).toContain('1つ以上選んでください');
    await answer(k, '助言');
    await answer(k, '2');
    expect(text(await answer(k, '助言'))).toContain('選択中: 同行訪問');
    await answer(k, '3');
    expect(text(await answer(k, '決定'))).toContain('件数を入力してください');
    expect(text(await answer(k, 'たくさん'))).toContain('件数は数字で入力してください');
    await answer(k, '２');
    expect(text(await answer(k, '来週のどこか'))).toContain('⚠');
    const dueDone = await answer(k, '12/1');
    expect(text(dueDone)).toContain('メモを入力してください（省略可）');
    expect(text(await answer(k, '長すぎるメモです'))).toContain('5文字以内');
    const done = await answer(k, 'スキップ');
    expect(text(done)).toBe('受け付けました');
    expect(submitted.at(-1)).toEqual({
      kind: 'form',
      formId: 'probe:new',
      context: 'ctx-1',
      values: { help: ['visit', 'meeting'], count: '2', due: '2026-12-01', note: '' },
    });
  });

  it('「戻る」 on a multiselect shows the earlier ticks again', async () => {
    const k = key();
    await startDialogue(tdb.db, k, form, now);
    await answer(k, '助言');
    await answer(k, '決定');
    expect(text(await answer(k, '戻る'))).toContain('選択中: 助言');
  });

  it("the handler's refusal on submit asks that field again; its answer submits at once", async () => {
    const k = key();
    await startDialogue(tdb.db, k, form, now);
    for (const a of ['1', '決定', '13', 'スキップ']) await answer(k, a);
    const again = await answer(k, 'メモ');
    expect(text(again)).toMatch(/⚠ 13は使えません。\n【テスト】（2\/4）/);
    const count = submitted.length;
    expect(text(await answer(k, '12'))).toBe('受け付けました');
    expect(submitted).toHaveLength(count + 1);
    expect(submitted.at(-1)?.values).toMatchObject({ count: '12', note: 'メモ' });
  });

  // A deploy during a dialogue: the row was written by an older version in another shape.
  it.each([
    ['an older shape', { formId: 'probe:new', step: 2, values: { help: ['advice'] } }],
    [
      'a field type this version does not know',
      { form: { ...form, fields: [{ name: 'x', label: 'X', type: 'slider' }] }, index: 0, answers: {} },
    ],
    ['a question index beyond the form', { form, index: 9, answers: {} }],
    ['not an object at all', 'probe:new#2'],
  ])('a stored state in %s is answered politely and dropped, never submitted', async (_name, state) => {
    const k = key();
    await tdb.db.insert(dialogues).values({ ...k, state, expiresAt: new Date(now.getTime() + 60_000), updatedAt: now });
    const count = submitted.length;
    expect(text(await answer(k, '12'))).toBe(STALE_STATE_MESSAGE);
    expect(submitted).toHaveLength(count);
    const rows = await tdb.db
      .select()
      .from(dialogues)
      .where(and(eq(dialogues.platform, k.platform), eq(dialogues.workspaceId, k.workspaceId), eq(dialogues.userId, k.userId)));
    expect(rows).toHaveLength(0);
    // The next text is a command again.
    expect(await answer(k, 'ケース 山田')).toBeNull();
  });

  it('answers with no dialogue give null, so the adapter treats them as a command', async () => {
    expect(await answer(key(), 'ケース 山田')).toBeNull();
  });
});
