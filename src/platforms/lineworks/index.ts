/**
 * LINE WORKS (Bot API 2.0), with no SDK: mounted by app.ts with one call when configured.
 * Callback in (callback.ts) → durable inbox → worker (worker.ts, process.ts) → dialogue engine and
 * dispatch → render (render.ts) → one rate-limited client (client.ts, rate.ts, token.ts) out.
 */
import type { Db } from '../../../db/client';
import type { SenderRegistry } from '../../chat/adapter';
import type { CommandRegistry } from '../../chat/registry';
import type { Config } from '../../config';
import type { HttpServer } from '../../http/server';
import { log } from '../../log';
import { callbackRoute } from './callback';
import { LineWorksApi, type ApiOptions } from './client';
import { registerMenu } from './menu';
import { RateBudget } from './rate';
import { LineWorksSender } from './sender';
import { lineWorksSettings } from './settings';
import { TokenClient } from './token';
import { LineWorksWorker, type WorkerOptions } from './worker';

export interface LineWorksMount {
  sender: LineWorksSender;
  api: LineWorksApi;
  tokens: TokenClient;
  worker: LineWorksWorker;
  stop(): Promise<void>;
}

export interface LineWorksOptions {
  now: () => Date;
  worker?: WorkerOptions;
  api?: Pick<ApiOptions, 'backoffBaseMs' | 'maxRetries' | 'maxWaitMs'>;
  /** Register the persistent menu at start (default true). */
  menu?: boolean;
}

/** Mounts the callback, starts the inbox worker and adds the sender; null when LINE WORKS is off. */
export function mountLineWorks(
  http: HttpServer,
  senders: SenderRegistry,
  deps: { db: Db; registry: CommandRegistry; config: Config },
  opts: LineWorksOptions,
): LineWorksMount | null {
  const s = lineWorksSettings(deps.config);
  if (!s) return null;
  const tokens = new TokenClient(deps.db, s);
  const budget = new RateBudget(deps.db, s.ratePerMinute);
  const api = new LineWorksApi(tokens, budget, { apiUrl: s.apiUrl, domain: s.domainId ?? 'default', ...opts.api });
  const worker = new LineWorksWorker(
    { db: deps.db, registry: deps.registry, api, botId: s.botId, domainId: s.domainId, now: opts.now },
    budget,
    opts.worker,
  );
  http.add(callbackRoute({ db: deps.db, botId: s.botId, botSecret: s.botSecret, onStored: () => worker.poke() }));
  const sender = new LineWorksSender(api, s.botId);
  senders.add(sender);
  worker.start();
  if (opts.menu !== false) {
    registerMenu(api, s.botId, deps.registry).catch((e: unknown) => log.warn({ err: e }, 'lineworks menu registration failed'));
  }
  log.info({ bot: s.botId, domain: s.domainId }, 'LINE WORKS mounted at /lineworks/callback');
  return { sender, api, tokens, worker, stop: () => worker.stop() };
}
