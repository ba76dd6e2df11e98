import type { App } from '@slack/bolt';
import type { Db } from '../../../db/client';
import { composeHome } from '../../chat/home';
import { dispatch, type DispatchOptions, type DispatchResult } from '../../chat/dispatch';
import { parseChatLine, UNKNOWN_COMMAND_MESSAGE } from '../../chat/parse';
import type { CommandRegistry } from '../../chat/registry';
import { textReply } from '../../chat/replies';
import type { Actor, FormBlock, Input } from '../../chat/types';
import { claimInboundEvent } from '../../core/inbound-dedupe';
import { UNLINKED_MESSAGE } from '../../core/staff/link';
import { log } from '../../log';
import type { SlackApi } from './api';
import { releaseInboundEvent, submissionKey } from './dedupe';
import { deliver, type Surface } from './deliver';
import { UNKNOWN_TEAM_MESSAGE, whoIs } from './identity';
import { commandName, formValues, parseJson, parseMetadata, parseOrigin } from './parse';
import { decodeActionId, OPEN_ACTION, originOf, PAGE_ACTION, renderHome, renderModal, slackFieldErrors, type Origin } from './render';

export interface ListenerDeps {
  db: Db;
  registry: CommandRegistry;
  api: SlackApi;
  now: () => Date;
  /** OAuth: forget a workspace's installation (tokens) when the app is removed from it. */
  forget?: (teamId: string | undefined, enterpriseId: string | undefined) => Promise<void>;
}

/**
 * Why 2 s: a modal submission must be answered within Slack's 3 s with its field errors. We wait
 * this long for validation; past it the modal closes and the outcome arrives as a message.
 */
const VIEW_BUDGET_MS = 2_000;

const tokenOf = (context: { botToken?: string }) => context.botToken ?? '';

function opts(deps: ListenerDeps): DispatchOptions {
  return { db: deps.db, registry: deps.registry, now: deps.now };
}

function failed(where: string, team: string, e: unknown): void {
  log.error({ team, where, err: e }, 'slack listener failed');
}

/** Runs an input again from a page or open-form button (the button carries where it came from). */
function inputOf(origin: Origin): Input {
  return origin.k === 'c' ? { kind: 'command', name: origin.n, text: origin.t } : { kind: 'action', id: origin.i, value: origin.v };
}

/**
 * A trigger id is unique to one command or click: a signed request sent again (a replay within
 * the 5-minute window, or a proxy's retry) finds it claimed and does nothing.
 */
async function firstTime(deps: ListenerDeps, triggerId: string | undefined): Promise<boolean> {
  if (!triggerId) return true;
  if (await claimInboundEvent(deps.db, 'slack', `trigger:${triggerId}`)) return true;
  log.warn({ trigger: triggerId.slice(0, 12) }, 'slack request replayed: dropped');
  return false;
}

/** Everything an identified or refused user gets, before any command runs. */
async function gate(deps: ListenerDeps, s: Surface, text: string, linkWanted = false): Promise<Actor | null> {
  const who = await whoIs(deps.db, s.team, s.userId, deps.now(), text, linkWanted);
  if (who.kind === 'unknown_workspace') {
    log.warn({ team: s.team }, 'slack request from an unregistered workspace refused');
    if (s.responseUrl || s.dmChannel) await deliver(deps.api, { ...s, triggerId: undefined }, [textReply(UNKNOWN_TEAM_MESSAGE)]);
    return null;
  }
  // A linked user's `/case 連携 …` is a search; only the unlinked, `/soudan-link` and DMs link.
  if (who.kind !== 'staff') {
    await deliver(deps.api, { ...s, triggerId: undefined }, [textReply(who.message)]);
    return null;
  }
  return who.actor;
}

async function run(deps: ListenerDeps, actor: Actor, s: Surface, input: Input): Promise<void> {
  const result = await dispatch(opts(deps), actor, input);
  await deliver(deps.api, s, result.replies);
  if (s.fromHome) await publishHome(deps, s, actor);
}

/**
 * Publishes the viewer's App Home as it is now. Called after anything done from the home (a
 * button, a modal it opened), so that a 完了 is reflected at once: no stale 期限超過 with a 完了
 * button until the user reopens the tab or the next reminder sync.
 */
async function publishHome(deps: ListenerDeps, s: Surface, actor: Actor): Promise<void> {
  try {
    const replies = await composeHome(opts(deps), actor);
    await deps.api.call(s.team, s.token, 'views.publish', { user_id: s.userId, view: renderHome(replies) }, { maxWaitMs: 5_000 });
  } catch (e) {
    failed('home refresh', s.team, e);
  }
}

export function registerListeners(app: App, deps: ListenerDeps): void {
  // Slack resends an event it thinks was not acknowledged: every instance shares this claim.
  app.use(async ({ body, next }) => {
    const b = body as { type?: string; event_id?: string };
    if (b.type === 'event_callback' && typeof b.event_id === 'string') {
      if (!(await claimInboundEvent(deps.db, 'slack', b.event_id))) {
        log.info({ event: b.event_id }, 'slack event already handled: retry dropped');
        return;
      }
    }
    await next();
  });

  app.command(/.*/, async ({ ack, body, context }) => {
    await ack();
    const s: Surface = {
      team: body.team_id,
      token: tokenOf(context),
      userId: body.user_id,
      responseUrl: body.response_url,
      triggerId: body.trigger_id,
    };
    try {
      if (!(await firstTime(deps, body.trigger_id))) return;
      const name = commandName(deps.registry, body.command);
      const text = (body.text ?? '').trim();
      const actor = await gate(deps, s, name === 'link' ? `連携 ${text}` : text, name === 'link');
      if (!actor || name === 'link') return;
      if (!name) {
        await deliver(deps.api, s, [textReply(`${body.command} はこのボットのコマンドではありません。\`/help\` で一覧を表示します。`)]);
        return;
      }
      const input: Input = { kind: 'command', name, text };
      await run(deps, actor, { ...s, origin: originOf(input) }, input);
    } catch (e) {
      failed('command', s.team, e);
    }
  });

  app.action(/.*/, async ({ ack, body, context }) => {
    await ack();
    if (body.type !== 'block_actions') return;
    const pressed = body.actions[0];
    if (!pressed) return;
    const container = (body as { container?: { type?: string; channel_id?: string; message_ts?: string; is_ephemeral?: boolean } })
      .container;
    const channelId = body.channel?.id;
    const s: Surface = {
      team: body.team?.id ?? body.user.team_id ?? '',
      token: tokenOf(context),
      userId: body.user.id,
      responseUrl: body.response_url,
      triggerId: body.trigger_id,
      message:
        container?.type === 'message' && container.channel_id && container.message_ts
          ? { channel: container.channel_id, ts: container.message_ts, ephemeral: container.is_ephemeral === true }
          : undefined,
      dmChannel: channelId?.startsWith('D') ? channelId : undefined,
      fromHome: (body as { view?: { type?: string } }).view?.type === 'home',
    };
    try {
      if (!(await firstTime(deps, body.trigger_id))) return;
      const actor = await gate(deps, s, '');
      if (!actor) return;
      const id = decodeActionId(pressed.action_id);
      const value =
        'value' in pressed && typeof pressed.value === 'string'
          ? pressed.value
          : 'selected_option' in pressed
            ? (pressed.selected_option?.value ?? '')
            : '';
      if (id === PAGE_ACTION) {
        const v = parseJson(value) as { o?: unknown; p?: unknown; r?: unknown } | null;
        const origin = parseOrigin(v?.o);
        if (!origin) return;
        const r = typeof v?.r === 'number' ? v.r : 0;
        const result: DispatchResult = await dispatch(opts(deps), actor, inputOf(origin));
        const page = result.replies[r];
        if (page)
          await deliver(deps.api, { ...s, origin, page: typeof v?.p === 'number' ? v.p : 0, triggerId: undefined }, [
            { ...page, replaceOriginal: true },
          ]);
        return;
      }
      if (id === OPEN_ACTION) {
        const origin = parseOrigin(parseJson(value));
        if (origin) await run(deps, actor, { ...s, origin }, inputOf(origin));
        return;
      }
      const input: Input = { kind: 'action', id, value };
      await run(deps, actor, { ...s, origin: originOf(input) }, input);
    } catch (e) {
      failed('action', s.team, e);
    }
  });

  app.view(/.*/, async ({ ack, body, view, context }) => {
    const started = Date.now();
    const meta = parseMetadata(view.private_metadata);
    const s: Surface = {
      team: body.team?.id ?? body.user.team_id ?? '',
      token: tokenOf(context),
      userId: body.user.id,
      responseUrl: meta?.r,
    };
    try {
      const who = await whoIs(deps.db, s.team, s.userId, deps.now());
      if (!meta || who.kind !== 'staff') {
        await ack();
        return;
      }
      const values = formValues(view.state?.values as Parameters<typeof formValues>[0]);
      const key = submissionKey(view.id, values);
      if (!(await claimInboundEvent(deps.db, 'slack', key))) {
        log.info({ team: s.team, form: meta.f }, 'slack modal submission already handled: retry dropped');
        await ack();
        return;
      }
      const work = dispatch(opts(deps), who.actor, { kind: 'form', formId: meta.f, values, context: meta.c });
      const timeout = new Promise<null>((r) => setTimeout(() => r(null), Math.max(0, VIEW_BUDGET_MS - (Date.now() - started))));
      const early = await Promise.race([work, timeout]);
      if (early?.fieldErrors) {
        await releaseInboundEvent(deps.db, 'slack', key);
        const blockIds = (view.blocks ?? []).filter((b) => b.type === 'input').map((b) => b.block_id ?? '');
        await ack({ response_action: 'errors', errors: slackFieldErrors(early.fieldErrors, blockIds) });
        return;
      }
      const next = early?.replies.flatMap((r) => r.blocks).find((b): b is FormBlock => b.type === 'form');
      if (next) {
        // A multi-step form: the modal turns into its next step.
        await ack({ response_action: 'update', view: renderModal(next, { f: next.formId, c: next.context, r: meta.r }) });
        return;
      }
      await ack();
      const result = early ?? (await work);
      if (result.fieldErrors) await releaseInboundEvent(deps.db, 'slack', key);
      await deliver(deps.api, s, result.replies);
      if (meta.h) await publishHome(deps, s, who.actor);
    } catch (e) {
      failed('view', s.team, e);
      await ack();
    }
  });

  // Removed from a workspace (or its tokens revoked): its stored tokens go too.
  for (const name of ['app_uninstalled', 'tokens_revoked'] as const) {
    app.event(name, async ({ body }) => {
      const b = body as { team_id?: string; enterprise_id?: string };
      try {
        await deps.forget?.(b.team_id, b.enterprise_id);
        log.info({ team: b.team_id, event: name }, 'slack installation removed');
      } catch (e) {
        failed(name, b.team_id ?? '', e);
      }
    });
  }

  app.event('app_home_opened', async ({ event, body, context }) => {
    if (event.tab !== 'home') return;
    const team = (body as { team_id?: string }).team_id ?? '';
    try {
      const who = await whoIs(deps.db, team, event.user, deps.now());
      if (who.kind === 'unknown_workspace') return;
      const replies =
        who.kind === 'staff'
          ? await composeHome(opts(deps), who.actor)
          : [textReply(who.kind === 'unlinked' ? who.message : UNLINKED_MESSAGE)];
      await deps.api.call(
        team,
        tokenOf(context),
        'views.publish',
        { user_id: event.user, view: renderHome(replies) },
        { maxWaitMs: 5_000 },
      );
    } catch (e) {
      failed('app_home_opened', team, e);
    }
  });

  // A direct message to the bot: the same words as the local chat (「ケース 山田」「連携 12345678」).
  app.event('message', async ({ event, body, context }) => {
    const m = event as { channel_type?: string; subtype?: string; bot_id?: string; user?: string; text?: string; channel: string };
    if (m.channel_type !== 'im' || m.subtype !== undefined || m.bot_id !== undefined || !m.user) return;
    const s: Surface = {
      team: (body as { team_id?: string }).team_id ?? '',
      token: tokenOf(context),
      userId: m.user,
      dmChannel: m.channel,
    };
    try {
      const text = (m.text ?? '').trim();
      const actor = await gate(deps, s, text, true);
      if (!actor) return;
      // A bare name or case code is a case lookup (parseChatLine).
      const input = parseChatLine(deps.registry, text);
      if (!input) {
        await deliver(deps.api, s, [textReply(UNKNOWN_COMMAND_MESSAGE)]);
        return;
      }
      await run(deps, actor, { ...s, origin: originOf(input) }, input);
    } catch (e) {
      failed('message', s.team, e);
    }
  });
}
