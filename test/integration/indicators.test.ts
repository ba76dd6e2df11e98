import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../handlers/index';
import { parseFiscalYear } from '../../handlers/shihyo';
import { eq } from 'drizzle-orm';
import { councilBodies, meetingAttendees, meetings, secondaryConsultations, staff } from '../../db/schema/index';
import { startApp, type App } from '../../src/app';
import type { Actor, ChartBlock } from '../../src/chat/types';
import { loadConfig } from '../../src/config';
import { dispatch } from '../../src/chat/dispatch';
import { countIndicators, INDICATORS } from '../../src/core/indicators/count';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

let tdb: TestDatabase;
let world: World;
const now = new Date('2026-11-22T01:00:00Z');

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  const t = world.tenantId;
  const [bukai] = await tdb.db
    .insert(councilBodies)
    .values([
      { tenantId: t, kind: 'bukai', name: '就労支援部会' },
      { tenantId: t, kind: 'bukai', name: '権利擁護部会' },
    ])
    .returning({ id: councilBodies.id });
  const meeting = async (kind: string, startsAt: string, attendees: string[], cancelled = false) => {
    const [m] = await tdb.db
      .insert(meetings)
      .values({
        tenantId: t,
        kind,
        title: kind,
        startsAt: new Date(startsAt),
        createdBy: world.actors.kikan.staffId,
        bodyId: kind === 'bukai' ? bukai?.id : null,
        cancelledAt: cancelled ? new Date(startsAt) : null,
        createdAt: new Date(startsAt),
      })
      .returning({ id: meetings.id });
    for (const s of attendees) await tdb.db.insert(meetingAttendees).values({ meetingId: m?.id ?? '', staffId: s, tenantId: t });
  };
  const a = world.actors;
  await meeting('bukai', '2026-05-10T05:00:00Z', [a.a.staffId, a.kikan.staffId]);
  await meeting('bukai', '2026-06-10T05:00:00Z', [a.b.staffId]);
  await meeting('bukai', '2026-07-10T05:00:00Z', [], true); // cancelled: not held
  await meeting('bukai', '2026-12-10T05:00:00Z', []); // future: not held yet
  await meeting('bukai', '2026-03-31T14:59:00Z', []); // 23:59 JST on 31 March: previous fiscal year
  await meeting('jirei', '2026-09-01T05:00:00Z', [a.a.staffId]);
  await meeting('jirei', '2026-10-01T05:00:00Z', [a.kikan.staffId]);
  await meeting('renrakukai', '2026-08-01T05:00:00Z', []);
  await meeting('unei', '2026-04-15T05:00:00Z', [a.city.staffId, a.kikan.staffId]);
  const closed = (office: string, requester: string, n: number, at: string) =>
    tdb.db.insert(secondaryConsultations).values({
      tenantId: t,
      number: n,
      requesterId: requester,
      requesterOfficeId: office,
      tried: '-',
      question: '-',
      status: 'closed',
      closedAt: new Date(at),
      createdAt: new Date(at),
      updatedAt: new Date(at),
    });
  await closed(world.offices.a, a.a.staffId, 1, '2026-06-01T00:00:00Z');
  await closed(world.offices.a, a.a.staffId, 2, '2026-07-01T00:00:00Z');
});
afterAll(async () => {
  await tdb.drop();
});

describe('activity indicators', () => {
  it('counts the fiscal year in Japan time, only meetings held and not cancelled', async () => {
    const v = Object.fromEntries((await countIndicators(tdb.db, world.tenantId, 2026, now)).map((x) => [x.key, x]));
    expect(v.bukaiHeld?.value).toBe(2);
    expect(v.bukaiEstablished?.value).toBe(2);
    expect(v.bukaiEstablished?.met).toBe(false);
    expect(v.kikanCaseReview?.value).toBe(2);
    expect(v.councilCaseReview?.value).toBe(1); // only the review a counselor office attended
    expect(v.kikanTraining?.value).toBe(1);
    expect(v.councilParticipants?.value).toBe(4); // offices A, B, 基幹, city hall
    expect(v.chiefCounselors?.value).toBe(1);
    expect(v.kikanGuidance).toMatchObject({ value: 2, offices: { reached: 1, total: 2 }, met: false });
  });

  it('applies the tenant targets', async () => {
    const v = await countIndicators(tdb.db, world.tenantId, 2026, now, { bukaiEstablished: 2 });
    expect(v.find((x) => x.key === 'bukaiEstablished')).toMatchObject({ target: 2, met: true });
  });

  it('the previous fiscal year holds the meeting of 31 March 23:59 JST', async () => {
    const v = await countIndicators(tdb.db, world.tenantId, 2025, now);
    expect(v.find((x) => x.key === 'bukaiHeld')?.value).toBe(1);
  });

  it('is shown to the 基幹 and city hall as aggregates, and refused to a counselor', async () => {
    const registry = createRegistry();
    const ok = await dispatch({ db: tdb.db, registry, now: () => now }, world.actors.city, { kind: 'command', name: 'shihyo', text: '' });
    const text = JSON.stringify(ok.replies);
    expect(text).toContain('令和8年度');
    expect(text).toContain('専門部会の実施回数');
    expect(text).not.toContain('山田');
    const refused = await dispatch({ db: tdb.db, registry, now: () => now }, world.actors.a, { kind: 'command', name: 'shihyo', text: '' });
    expect(JSON.stringify(refused.replies)).toContain('権限がありません');
  });

  it.each([
    ['', 2026],
    ['2025', 2025],
    ['令和7年度', 2025],
    ['R7', 2025],
    ['令和元年度', 2019],
    ['昨年度', 2025],
  ])('reads the fiscal year "%s"', (text, fy) => {
    expect(parseFiscalYear(text, '2026-11-22')).toBe(fy);
  });

  it('a fiscal year it cannot read gets examples', () => {
    expect(() => parseFiscalYear('来年くらい', '2026-11-22')).toThrow(
      expect.objectContaining({ userMessage: expect.stringContaining('例') }),
    );
  });

  it.each(['令和99年度', '2099', 'R9', '2015'])('refuses "%s": outside the last ten fiscal years and this one', (text) => {
    expect(() => parseFiscalYear(text, '2026-11-22')).toThrow(
      expect.objectContaining({
        code: 'fiscal_year_out_of_range',
        userMessage: expect.stringContaining('2016年度から令和8年度（今年度）まで'),
      }),
    );
  });

  it('the range follows today: in April 2027 令和9年度 is this year', () => {
    expect(parseFiscalYear('R9', '2027-04-01')).toBe(2027);
    expect(parseFiscalYear('2017', '2027-04-01')).toBe(2017);
    expect(() => parseFiscalYear('2016', '2027-04-01')).toThrow(expect.objectContaining({ code: 'fiscal_year_out_of_range' }));
  });
});

describe('指標 as a picture', () => {
  let app: App;
  /** The app's clock: moved forward only to see a link expire. */
  let clock = now;
  beforeAll(async () => {
    app = await startApp(loadConfig({ DATABASE_URL: tdb.url, PORT: '0', DEMO_DATA: 'off', LOCAL_CHAT: 'off', SCHEDULER: 'false' }), {
      now: () => clock,
    });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const ask = async (actor: Actor) =>
    (await dispatch({ db: tdb.db, registry: app.registry, now: () => now }, actor, { kind: 'command', name: 'shihyo', text: '' })).replies;

  it('the chart holds the numbers of the text answer: the year against each target and each month', async () => {
    const replies = await ask(world.actors.city);
    const blocks = replies.flatMap((r) => r.blocks);
    const chart = blocks.find((b): b is ChartBlock => b.type === 'chart');
    if (!chart) throw new Error('no chart');
    // The text answer, indicator by indicator: 「⚠ 2回（目標 39回以上）」.
    const shown = new Map<string, { value: number; target: number; met: boolean }>();
    for (const b of blocks) {
      if (b.type !== 'card') continue;
      for (const f of b.fields) {
        const m = /^(✓|⚠) (\d+)\D+?（目標 (?:1事業所あたり)?(\d+)/.exec(f.value);
        const ind = INDICATORS.find((i) => i.label === f.label);
        if (m && ind) shown.set(ind.key, { met: m[1] === '✓', value: Number(m[2]), target: Number(m[3]) });
      }
    }
    expect(shown.size).toBe(INDICATORS.length);

    const res = await fetch(chart.svgUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    const svg = await res.text();
    const rows = [
      ...svg.matchAll(
        /<g class="indicator" data-key="(\w+)" data-value="(\d+)" data-target="(\d+)" data-met="(true|false)"[^>]*>(.*?)<\/g>/gs,
      ),
    ];
    expect(rows).toHaveLength(INDICATORS.length);
    const counted = Object.fromEntries((await countIndicators(tdb.db, world.tenantId, 2026, now)).map((v) => [v.key, v]));
    for (const [, key = '', value, target, met, body = ''] of rows) {
      expect({ value: Number(value), target: Number(target), met: met === 'true' }, key).toEqual(shown.get(key));
      // The label drawn is the one the picture's reader sees: 「2回 / 目標 39回」.
      const ind = INDICATORS.find((i) => i.key === key);
      expect(body).toContain(`${value}${ind?.unit} / 目標 ${target}${ind?.unit}`);
      const months = [...body.matchAll(/data-month="(\d{4}-\d{2})" data-count="(\d+)"/g)].map((m) => [m[1], Number(m[2])] as const);
      const expected = counted[key]?.monthly;
      if (expected) {
        expect(months.map(([, n]) => n)).toEqual(expected);
        expect(months.reduce((a, [, n]) => a + n, 0)).toBe(Number(value));
        expect(months[0]?.[0]).toBe('2026-04');
        expect(months[11]?.[0]).toBe('2027-03');
      } else expect(months).toHaveLength(0);
    }
    // 専門部会: May and June held; July cancelled, December not yet held.
    expect(counted.bukaiHeld?.monthly).toEqual([0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    // The same numbers for LINE's Flex bars, and in words for every platform.
    expect(chart.bars.map((b) => [b.value, b.target, b.met])).toEqual(
      INDICATORS.map((i) => [shown.get(i.key)?.value, shown.get(i.key)?.target, shown.get(i.key)?.met]),
    );
    expect(chart.alt).toContain('専門部会の実施回数: 2回（目標 39回以上）');
  });

  it('a PNG for the chat platforms, drawn with the bundled font at twice the size', async () => {
    const chart = (await ask(world.actors.kikan)).flatMap((r) => r.blocks).find((b): b is ChartBlock => b.type === 'chart');
    const res = await fetch(chart?.pngUrl ?? '');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await res.arrayBuffer());
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe((chart?.width ?? 0) * 2);
    expect(png.readUInt32BE(20)).toBe((chart?.height ?? 0) * 2);
  });

  it('the link is signed, expires after a day and follows the asker’s rights', async () => {
    const chart = (await ask(world.actors.city)).flatMap((r) => r.blocks).find((b): b is ChartBlock => b.type === 'chart');
    const url = chart?.svgUrl ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/chart\/indicators\.svg\?t=/);
    expect((await fetch(url.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).status).toBe(404);
    expect((await fetch(url.replace(/\.2026\./, '.2025.'))).status).toBe(404);
    // HEAD is answered without drawing anything.
    expect((await fetch(url, { method: 'HEAD' })).status).toBe(200);
    clock = new Date(now.getTime() + 24 * 3600_000 + 1000);
    try {
      expect((await fetch(url)).status).toBe(404);
    } finally {
      clock = now;
    }
    // A counselor forging nothing still gets nothing: the role is checked when the picture is fetched.
    await tdb.db
      .update(staff)
      .set({ roles: ['counselor'] })
      .where(eq(staff.id, world.actors.city.staffId));
    try {
      expect((await fetch(url)).status).toBe(403);
    } finally {
      await tdb.db
        .update(staff)
        .set({ roles: [...world.actors.city.roles] })
        .where(eq(staff.id, world.actors.city.staffId));
    }
  });
});
