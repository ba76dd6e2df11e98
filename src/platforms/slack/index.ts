/**
 * Slack through @slack/bolt: mounted by app.ts with one call when configured.
 * Requests in (receiver.ts on /slack/events, or Socket Mode) → Bolt → listeners.ts (identity,
 * dedupe, dispatch) → deliver.ts / render.ts (Block Kit) → one rate-limited client (api.ts) out.
 */
import { App, SocketModeReceiver, type Authorize } from '@slack/bolt';
import type { Db } from '../../../db/client';
import type { SenderRegistry } from '../../chat/adapter';
import type { CommandRegistry } from '../../chat/registry';
import type { Config } from '../../config';
import type { HttpServer } from '../../http/server';
import { log } from '../../log';
import { SlackApi } from './api';
import { boltLogger } from './logger';
import { PgInstallationStore } from './installation-store';
import { registerListeners } from './listeners';
import { mountOAuth } from './oauth';
import { EventsReceiver } from './receiver';
import { SlackSender, type TokenLookup } from './sender';
import { threadRootFrom } from './threads';
import { slackSettings, type SlackSettings } from './settings';

export interface SlackMount {
  app: App;
  api: SlackApi;
  sender: SlackSender;
  settings: SlackSettings;
  /** Resolves when every request received so far has been fully handled (tests, shutdown). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export interface SlackOptions {
  now: () => Date;
  /** Clock for the signature replay window (ms). */
  clock?: () => number;
}

/** Mounts Slack (routes, Socket Mode, sender); null when no Slack variable is set. */
export function mountSlack(
  http: HttpServer,
  senders: SenderRegistry,
  deps: { db: Db; registry: CommandRegistry; config: Config },
  opts: SlackOptions,
): SlackMount | null {
  const settings = slackSettings(deps.config);
  if (!settings) return null;
  const api = new SlackApi(settings.apiUrl);
  const store = settings.auth.kind === 'oauth' ? new PgInstallationStore(deps.db, settings.auth.key) : null;

  const token: TokenLookup =
    settings.auth.kind === 'single'
      ? async () => (settings.auth.kind === 'single' ? settings.auth.botToken : null)
      : async (team) => {
          try {
            return (
              (await store?.fetchInstallation({ teamId: team, enterpriseId: undefined, isEnterpriseInstall: false }))?.bot?.token ?? null
            );
          } catch {
            return null;
          }
        };
  const authorize: Authorize<boolean> = async (source) => {
    if (settings.auth.kind === 'single') return { botToken: settings.auth.botToken };
    const inst = await store?.fetchInstallation({
      teamId: source.teamId,
      enterpriseId: source.enterpriseId,
      isEnterpriseInstall: source.isEnterpriseInstall,
    });
    if (!inst?.bot?.token) throw new Error('no bot token for this workspace');
    return {
      botToken: inst.bot.token,
      botId: inst.bot.id,
      botUserId: inst.bot.userId,
      teamId: source.teamId,
      enterpriseId: source.enterpriseId,
    };
  };

  const receiver =
    settings.transport.kind === 'http'
      ? new EventsReceiver({ signingSecret: settings.transport.signingSecret, now: opts.clock })
      : new SocketModeReceiver({
          appToken: settings.transport.appToken,
          logger: boltLogger('slack-socket'),
          // apps.connections.open goes where every other Web API call goes (tests, proxies).
          installerOptions: { clientOptions: { slackApiUrl: settings.apiUrl } },
        });
  const app = new App({
    receiver,
    authorize,
    logger: boltLogger(),
    clientOptions: { slackApiUrl: settings.apiUrl },
    // Our message listener ignores bot messages itself; no auth.test call is needed for it.
    ignoreSelf: false,
    convoStore: false,
  });
  app.error(async (e) => {
    log.error({ code: e.code, err: e }, 'slack: bolt error');
  });
  const forget = store
    ? (teamId: string | undefined, enterpriseId: string | undefined) =>
        store.deleteInstallation({ teamId, enterpriseId, isEnterpriseInstall: !teamId && !!enterpriseId })
    : undefined;
  registerListeners(app, { db: deps.db, registry: deps.registry, api, now: opts.now, forget });

  if (receiver instanceof EventsReceiver) {
    // Slash commands, interactivity and events share the one URL; 1 MiB covers large modals.
    http.add({ method: 'POST', path: '/slack/events', maxBody: 1024 * 1024, handler: (req) => receiver.handle(req) });
  } else {
    app.start().catch((e: unknown) => log.error({ err: e }, 'slack socket mode failed to connect'));
  }
  if (settings.auth.kind === 'oauth' && store) {
    mountOAuth(http, deps.db, store, { ...settings.auth, apiUrl: settings.apiUrl });
  }
  const sender = new SlackSender(api, token, threadRootFrom(deps.db));
  senders.add(sender);
  log.info({ auth: settings.auth.kind, transport: settings.transport.kind }, 'Slack mounted');
  return {
    app,
    api,
    sender,
    settings,
    idle: () => (receiver instanceof EventsReceiver ? receiver.idle() : Promise.resolve()),
    stop: async () => {
      await receiver.stop();
    },
  };
}
