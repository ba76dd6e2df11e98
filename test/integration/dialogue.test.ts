import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../db/client';
import { consultations, dialogues } from '../../db/schema/index';
import { createRegistry } from '../../handlers/index';
import { hasDialogue, pruneDialogues, type DialogueKey } from '../../src/chat/dialogue/engine';
import { DATE_PICKER_ACTION, DIALOGUE_ANSWER_ACTION, MAX_QUICK_REPLIES } from '../../src/chat/dialogue/questions';
import { routeAction, routeText, type RouteDeps } from '../../src/chat/dialogue/route';
import type { Reply } from '../../src/chat/types';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

let tdb: TestDatabase;
let world: World;
let deps: RouteDeps;
const registry = createRegistry();
let now = new Date('2026-11-22T01:00:00Z'); // 10:00 JST
let userSeq = 0;

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  deps = { db: tdb.db, registry, now: () => now };
});
afterAll(async () => {
  await tdb.drop();
});

const newKey = (): DialogueKey => ({ platform: 'lineworks', workspaceId: 'd-1', userId: `u-${++userSeq}` });
const textOf = (replies: Reply[]) =>
  replies.map((r) => r.blocks.map((b) => ('text' in b ? b.text : JSON.stringify(b))).join('\n')).join('\n');
const labels = (r: Reply | undefined) => (r?.quickReplies ?? []).map((b) => b.label);
const consultationCount = async () => (await tdb.db.select().from(consultations).where(eq(consultations.tenantId, world.tenantId))).length;

/** Answers the 記録 dialogue field by field; returns the replies of each step. */
async function logConsultation(key: DialogueKey, answers: string[]): Promise<Reply[][]> {
  const steps: Reply[][] = [];
  for (const a of answers) steps.push(await routeText(deps, key, world.actors.a, a));
  return steps;
}

const goodAnswers = () => [
  world.persons.yamadaTaro.code,
  '今日',
  '電話',
  '2',
  '電話で通所先の相談を受けた。',
  '20',
  'スキップ',
  'スキップ',
  'なし',
];

describe('a form asked one question at a time', () => {
  it('「記録」 asks the first field with 戻る and やめる, then stores the consultation after the last answer', async () => {
    const key = newKey();
    const before = await consultationCount();
    const [first] = await routeText(deps, key, world.actors.a, '記録');
    expect(textOf([first as Reply])).toContain('【相談記録】（1/9）');
    expect(labels(first)).toEqual(expect.arrayContaining(['スキップ', '戻る', 'やめる']));
    const steps = await logConsultation(key, goodAnswers());
    const last = steps.at(-1) ?? [];
    expect(textOf(last)).toContain('相談記録を登録しました');
    expect(await consultationCount()).toBe(before + 1);
    const [row] = await tdb.db.select().from(consultations).where(eq(consultations.summary, '電話で通所先の相談を受けた。'));
    expect(row).toMatchObject({
      method: '電話',
      kind: 'モニタリング',
      minutes: 20,
      occurredOn: '2026-11-22',
      personId: world.persons.yamadaTaro.id,
    });
    expect(await hasDialogue(tdb.db, key, now)).toBe(false);
  });

  it('a wrong answer is refused with a Japanese reason and the same question is asked again', async () => {
    const key = newKey();
    await routeText(deps, key, world.actors.a, '記録');
    await routeText(deps, key, world.actors.a, world.persons.yamadaTaro.code);
    const badDate = await routeText(deps, key, world.actors.a, 'きのうのよる');
    expect(textOf(badDate)).toMatch(/⚠.*\n【相談記録】（2\/9）/);
    await routeText(deps, key, world.actors.a, '昨日');
    const badMethod = await routeText(deps, key, world.actors.a, '手紙');
    expect(textOf(badMethod)).toContain('選択肢から選んでください');
    expect(textOf(badMethod)).toContain('（3/9）');
  });

  it('「戻る」 goes one question back and 「やめる」 ends the dialogue without storing anything', async () => {
    const key = newKey();
    const before = await consultationCount();
    await routeText(deps, key, world.actors.a, '記録');
    await routeText(deps, key, world.actors.a, 'スキップ');
    const back = await routeText(deps, key, world.actors.a, '戻る');
    expect(textOf(back)).toContain('（1/9）');
    const cancelled = await routeText(deps, key, world.actors.a, 'やめる');
    expect(textOf(cancelled)).toContain('入力をやめました');
    expect(await hasDialogue(tdb.db, key, now)).toBe(false);
    // The next message is a command again.
    const help = await routeText(deps, key, world.actors.a, 'ヘルプ');
    expect(textOf(help)).toContain('使えるコマンド');
    expect(await consultationCount()).toBe(before);
  });

  it('a field the handler refuses on submit is asked again, and the fixed answer submits at once', async () => {
    const key = newKey();
    const before = await consultationCount();
    await routeText(deps, key, world.actors.a, '記録');
    const answers = goodAnswers();
    answers[0] = 'C-9999';
    const steps = await logConsultation(key, answers);
    expect(textOf(steps.at(-1) ?? [])).toMatch(/ケースが見つかりません[\s\S]*（1\/9）/);
    expect(await consultationCount()).toBe(before);
    const fixed = await routeText(deps, key, world.actors.a, world.persons.yamadaTaro.code);
    expect(textOf(fixed)).toContain('相談記録を登録しました');
    expect(await consultationCount()).toBe(before + 1);
  });

  it('choices fit in 13 quick replies with short labels; a long list pages with 他の候補 and takes numbers', async () => {
    const key = newKey();
    await routeText(deps, key, world.actors.a, '記録');
    await routeText(deps, key, world.actors.a, 'スキップ');
    await routeText(deps, key, world.actors.a, '今日');
    const [kindQ] = await routeText(deps, key, world.actors.a, '訪問');
    expect(labels(kindQ).length).toBeLessThanOrEqual(MAX_QUICK_REPLIES);
    expect(labels(kindQ)).toContain('他の候補');
    expect(labels(kindQ)).toContain('アセスメント・サービス等利用計画案の作成');
    for (const l of labels(kindQ)) expect([...l].length).toBeLessThanOrEqual(20);
    const [page2] = await routeAction(deps, key, world.actors.a, { kind: 'action', id: DIALOGUE_ANSWER_ACTION, value: '他の候補' });
    expect(labels(page2)).toContain('緊急対応（その他）');
    const [summaryQ] = await routeText(deps, key, world.actors.a, '12');
    expect(textOf([summaryQ as Reply])).toContain('内容（要約）を入力してください');
  });

  it('a date question offers a date picker whose picked date is taken as the answer', async () => {
    const key = newKey();
    await routeText(deps, key, world.actors.a, '記録');
    const [dateQ] = await routeText(deps, key, world.actors.a, 'スキップ');
    const picker = dateQ?.quickReplies?.find((b) => b.action.id === DATE_PICKER_ACTION);
    expect(picker?.action.value).toBe('2026-11-22');
    const [next] = await routeAction(deps, key, world.actors.a, { kind: 'action', id: DATE_PICKER_ACTION, value: '2026-11-20' });
    expect(textOf([next as Reply])).toContain('（3/9）');
    const [row] = await tdb.db.select().from(dialogues).where(eq(dialogues.userId, key.userId));
    expect((row?.state as { answers: Record<string, string> }).answers.occurredOn).toBe('2026-11-20');
  });

  it('「記録する」 on a case card starts the dialogue with the case already chosen, shown by its case code', async () => {
    const key = newKey();
    const [q] = await routeAction(deps, key, world.actors.a, { kind: 'action', id: 'soudan:new', value: world.persons.yamadaTaro.id });
    expect(textOf([q as Reply])).toContain(`現在の値: ${world.persons.yamadaTaro.code}`);
    expect(textOf([q as Reply])).not.toContain(world.persons.yamadaTaro.id);
    expect(textOf([q as Reply])).not.toMatch(/null|undefined/);
    const keep = q?.quickReplies?.find((b) => b.label === 'そのまま');
    expect(keep?.action.value).toBe(world.persons.yamadaTaro.code);
  });

  it('another instance (its own connection pool) continues the dialogue', async () => {
    const key = newKey();
    await routeText(deps, key, world.actors.a, '記録');
    const other = connect(tdb.url, { max: 2 });
    try {
      const replies = await routeText(
        { db: other.db, registry: createRegistry(), now: () => now },
        key,
        world.actors.a,
        world.persons.yamadaTaro.code,
      );
      expect(textOf(replies)).toContain('（2/9）');
    } finally {
      await other.close();
    }
  });

  it('two instances receiving the last answer at once store the consultation only once', async () => {
    const key = newKey();
    const before = await consultationCount();
    await routeText(deps, key, world.actors.a, '記録');
    const answers = goodAnswers();
    await logConsultation(key, answers.slice(0, -1));
    const other = connect(tdb.url, { max: 2 });
    try {
      const otherDeps = { db: other.db, registry: createRegistry(), now: () => now };
      await Promise.all([routeText(deps, key, world.actors.a, 'なし'), routeText(otherDeps, key, world.actors.a, 'なし')]);
    } finally {
      await other.close();
    }
    expect(await consultationCount()).toBe(before + 1);
  });

  it('an abandoned dialogue expires after 30 minutes: the text is a command again and pruning removes it', async () => {
    const key = newKey();
    await routeText(deps, key, world.actors.a, '記録');
    const saved = now;
    try {
      now = new Date(saved.getTime() + 31 * 60 * 1000);
      expect(await hasDialogue(tdb.db, key, now)).toBe(false);
      const [stale] = await routeAction(deps, key, world.actors.a, { kind: 'action', id: DIALOGUE_ANSWER_ACTION, value: '電話' });
      expect(textOf([stale as Reply])).toContain('有効期限');
      await routeText(deps, newKey(), world.actors.a, '記録');
      expect(await pruneDialogues(tdb.db, new Date(now.getTime() + 31 * 60 * 1000))).toBeGreaterThanOrEqual(1);
      const help = await routeText(deps, key, world.actors.a, 'ヘルプ');
      expect(textOf(help)).toContain('使えるコマンド');
    } finally {
      now = saved;
    }
  });

  it('an unknown word outside a dialogue gets a hint to send ヘルプ', async () => {
    const replies = await routeText(deps, newKey(), world.actors.a, 'こんにちは');
    expect(textOf(replies)).toContain('「ヘルプ」');
  });
});
