/**
 * The LINE webhook: verify the signature on the raw body, store the events (deduplicated by
 * webhookEventId) and answer 200 at once — LINE allows 2 seconds. The events are then worked off
 * the PostgreSQL inbox by this instance right away, or by any instance's timer if this one dies.
 */
import { validateSignature } from '@line/bot-sdk';
import type { Db } from '../../../db/client';
import type { PlatformSender, SenderRegistry } from '../../chat/adapter';
import type { CommandRegistry } from '../../chat/registry';
import type { Config } from '../../config';
import { json, text, type HttpServer } from '../../http/server';
import { log, safeErrorText } from '../../log';
import { createLineClient, lineSettings } from './client';
import { deliverPlan, planFor, type Plan } from './deliver';
import { webhookBodySchema } from './events';
import { claimEvents, finish, MAX_ATTEMPTS, noteFailure, savePlan, storeEvents, type InboxRow } from './inbox';
import { routeEvent } from './route';
import { createLineSender } from './sender';

const WEBHOOK_PATH = '/line/webhook';
/** LINE's webhooks are a few kilobytes; anything far larger is not LINE. */
const MAX_WEBHOOK_BODY = 256 * 1024;
/** Picks up events another (crashed) instance left, and retries failed sends. */
const SWEEP_MS = 15_000;

export interface LineDeps {
  db: Db;
  registry: CommandRegistry;
  config: Config;
}

export interface LineRuntime {
  sender: PlatformSender;
  /** Works off the inbox until it is empty (tests call it to wait for the answers). */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/** Mounts the webhook and adds the LINE sender; null when LINE is not configured. */
export function mountLine(server: HttpServer, senders: SenderRegistry, deps: LineDeps, opts: { now: () => Date }): LineRuntime | null {
  const settings = lineSettings(deps.config);
  if (!settings) return null;
  const routeDeps = { db: deps.db, registry: deps.registry, config: deps.config, now: opts.now };
  const client = createLineClient(settings);
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  async function processRow(row: InboxRow): Promise<void> {
    try {
      let plan = row.replies as Plan | null;
      if (!plan) {
        const routed = await routeEvent(routeDeps, row.destination, row.event);
        plan = routed ? planFor(row.event, routed) : null;
        if (!plan) return await finish(deps.db, row.id);
        await savePlan(deps.db, row.id, plan);
      }
      const result = await deliverPlan(deps.db, client, row.id, row.eventId, row.receivedAt, plan);
      if (result.ok) return await finish(deps.db, row.id);
      if (result.permanent || row.attempts >= MAX_ATTEMPTS) {
        log.warn({ event: row.eventId, attempts: row.attempts, error: result.error }, 'LINE answer given up');
        return await finish(deps.db, row.id);
      }
      await noteFailure(deps.db, row.id, result.error);
    } catch (e) {
      log.error({ event: row.eventId, attempts: row.attempts, err: e }, 'LINE event failed');
      if (row.attempts >= MAX_ATTEMPTS) await finish(deps.db, row.id);
      else await noteFailure(deps.db, row.id, safeErrorText(e));
    }
  }

  async function loop(): Promise<void> {
    do {
      again = false;
      for (;;) {
        if (stopped) return;
        const rows = await claimEvents(deps.db);
        if (rows.length === 0) break;
        // One at a time: a user's quick answers must reach the dialogue in the order sent.
        for (const row of rows) await processRow(row);
      }
    } while (again && !stopped);
  }

  function drain(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = loop()
      .catch((e) => log.error({ err: e }, 'LINE inbox drain failed'))
      .finally(() => {
        running = null;
      });
    return running;
  }

  const timer = setInterval(() => void drain(), SWEEP_MS);
  timer.unref();

  server.add({
    method: 'POST',
    path: WEBHOOK_PATH,
    maxBody: MAX_WEBHOOK_BODY,
    handler: async (req) => {
      const signature = req.headers['x-line-signature'];
      if (typeof signature !== 'string' || !validateSignature(req.body, settings.channelSecret, signature)) {
        log.debug({ path: WEBHOOK_PATH }, 'LINE webhook with a bad signature refused');
        return text(401, 'bad signature');
      }
      let raw: unknown;
      try {
        raw = JSON.parse(req.body.toString('utf8'));
      } catch {
        return text(400, 'malformed JSON');
      }
      const body = webhookBodySchema.safeParse(raw);
      if (!body.success) return text(400, 'not a LINE webhook');
      const stored = await storeEvents(deps.db, body.data.destination, body.data.events);
      if (stored > 0) void drain();
      return json(200, {});
    },
  });

  const sender = createLineSender(client);
  senders.add(sender);
  return {
    sender,
    drain,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
