import type { Block, FormBlock, Reply } from '../../chat/types';
import { log } from '../../log';
import type { SlackApi } from './api';
import { renderInfoModal, renderMessage, renderModal, type Origin } from './render';

/** Where an input came from, and so where its answers can go. */
export interface Surface {
  team: string;
  token: string;
  userId: string;
  /** Slash command or message button: ephemeral answers, in-place replacement. */
  responseUrl?: string;
  /** Valid for 3 s, once: a form opens as a modal only with it. */
  triggerId?: string;
  /** The message a button was pressed on. */
  message?: { channel: string; ts: string; ephemeral: boolean };
  /** The DM the input was typed in: answers go back there. */
  dmChannel?: string;
  origin?: Origin;
  page?: number;
  /** The input came from App Home (a button there): a modal it opens remembers that. */
  fromHome?: boolean;
}

const INTERACTIVE_WAIT_MS = 1_500;

function formOf(reply: Reply): FormBlock | undefined {
  return reply.blocks.find((b): b is FormBlock => b.type === 'form');
}

/** The DM channel with a user (conversations.open is idempotent; Slack returns the same one). */
async function openDm(api: SlackApi, team: string, token: string, userId: string): Promise<string> {
  const res = await api.call<{ ok: boolean; channel?: { id?: string } }>(
    team,
    token,
    'conversations.open',
    { users: userId },
    { maxWaitMs: INTERACTIVE_WAIT_MS },
  );
  const id = res.channel?.id;
  if (!id) throw new Error('conversations.open returned no channel');
  return id;
}

/**
 * Shows the asker's replies on Slack: a form as a modal (trigger), a replacement in place, an
 * ephemeral answer (response_url) or a direct message. Nothing here goes to a channel: replies
 * for others were already put in the outbox by dispatch.
 */
export async function deliver(api: SlackApi, s: Surface, replies: Reply[]): Promise<void> {
  let triggerUsed = false;
  for (const [i, reply] of replies.entries()) {
    try {
      const form = formOf(reply);
      if (form && s.triggerId && !triggerUsed) {
        triggerUsed = true;
        const intro: Block[] = reply.blocks.filter((b) => b !== form);
        const view = renderModal(
          form,
          { f: form.formId, c: form.context, r: s.responseUrl, ...(s.fromHome ? { h: 1 as const } : {}) },
          intro,
        );
        try {
          await api.call(s.team, s.token, 'views.open', { trigger_id: s.triggerId, view }, { maxWaitMs: 500 });
          continue;
        } catch (e) {
          // The trigger lives 3 s: when it has expired, answer with a button that opens the form
          // (a click brings a fresh trigger) instead of leaving the user with nothing.
          log.warn({ team: s.team, err: e }, 'slack modal could not open: offering a button');
        }
      }
      const msg = renderMessage(reply, { origin: s.origin, page: s.page, replyIndex: i });
      if (reply.replaceOriginal && s.message) {
        if (s.message.ephemeral && s.responseUrl) await api.respond(s.responseUrl, { replace_original: true, ...msg });
        else
          await api.call(
            s.team,
            s.token,
            'chat.update',
            { channel: s.message.channel, ts: s.message.ts, ...msg },
            { maxWaitMs: INTERACTIVE_WAIT_MS },
          );
        continue;
      }
      if (reply.visibility === 'ephemeral' && s.responseUrl) {
        await api.respond(s.responseUrl, { response_type: 'ephemeral', replace_original: false, ...msg });
        continue;
      }
      if (reply.visibility === 'ephemeral' && s.triggerId && !triggerUsed && !s.dmChannel) {
        // App Home has no message to answer under: show the answer in a modal.
        triggerUsed = true;
        await api.call(s.team, s.token, 'views.open', { trigger_id: s.triggerId, view: renderInfoModal(reply) }, { maxWaitMs: 500 });
        continue;
      }
      const channel = s.dmChannel ?? (await openDm(api, s.team, s.token, s.userId));
      await api.call(s.team, s.token, 'chat.postMessage', { channel, ...msg }, { maxWaitMs: INTERACTIVE_WAIT_MS });
    } catch (e) {
      log.error({ team: s.team, reply: i, err: e }, 'slack delivery of a reply failed');
    }
  }
}
