import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import { json, text, type HttpRequest, type HttpResponse } from '../../http/server';
import { log } from '../../log';
import { verifySlackRequest } from './verify';

/**
 * Slack gives up after 3 s. Listeners acknowledge first and work after; should one not (a slow
 * authorize, a view submission still validating), we answer an empty 200 at this mark anyway:
 * an empty body is a valid acknowledgement of every Slack request.
 */
const ACK_DEADLINE_MS = 2_500;

export interface EventsReceiverOptions {
  signingSecret: string;
  /** Injected so that tests can send stale requests. */
  now?: () => number;
  ackDeadlineMs?: number;
}

type Body = Record<string, unknown>;

function parseBody(req: HttpRequest): Body | null {
  const raw = req.body.toString('utf8');
  const type = String(req.headers['content-type'] ?? '');
  try {
    if (type.includes('application/json')) {
      const v: unknown = JSON.parse(raw);
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Body) : null;
    }
    const form = new URLSearchParams(raw);
    const payload = form.get('payload');
    if (payload !== null) {
      const v: unknown = JSON.parse(payload);
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Body) : null;
    }
    return Object.fromEntries(form.entries());
  } catch {
    return null;
  }
}

function toResponse(value: unknown): HttpResponse {
  if (value === undefined || value === '') return { status: 200 };
  if (typeof value === 'string') return text(200, value);
  return json(200, value);
}

/**
 * Bolt's receiver for `/slack/events` on the shared HTTP server: verifies the signature on the
 * raw body, hands the event to Bolt, and answers as soon as a listener acknowledges (work goes on
 * after the response). Commands, interactivity and events all come through this one route.
 */
export class EventsReceiver implements Receiver {
  private app: App | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly now: () => number;
  private readonly deadline: number;

  constructor(private readonly opts: EventsReceiverOptions) {
    this.now = opts.now ?? Date.now;
    this.deadline = opts.ackDeadlineMs ?? ACK_DEADLINE_MS;
  }

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<void> {}

  /** Waits for work still running after its acknowledgement (graceful shutdown, tests). */
  async stop(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Resolves once every event received so far has been fully processed. */
  idle(): Promise<void> {
    return this.stop();
  }

  async handle(req: HttpRequest): Promise<HttpResponse> {
    const failure = verifySlackRequest(
      this.opts.signingSecret,
      { signature: header(req, 'x-slack-signature'), timestamp: header(req, 'x-slack-request-timestamp') },
      req.body,
      this.now(),
    );
    if (failure) {
      log.debug({ reason: failure }, 'slack request refused');
      return text(401, 'invalid signature');
    }
    const body = parseBody(req);
    if (!body) return text(400, 'unreadable body');
    if (body.ssl_check !== undefined) return { status: 200 };
    if (body.type === 'url_verification') return json(200, { challenge: String(body.challenge ?? '') });
    const app = this.app;
    if (!app) return text(503, 'not ready');

    let settle: (r: HttpResponse) => void = () => {};
    const response = new Promise<HttpResponse>((resolve) => {
      settle = resolve;
    });
    let acked = false;
    const timer = setTimeout(() => {
      if (acked) return;
      acked = true;
      log.warn({ type: body.type }, 'slack request not acknowledged in time: answered empty');
      settle({ status: 200 });
    }, this.deadline);
    const retryNum = Number(header(req, 'x-slack-retry-num'));
    const event: ReceiverEvent = {
      body,
      retryNum: Number.isFinite(retryNum) ? retryNum : undefined,
      retryReason: header(req, 'x-slack-retry-reason'),
      ack: async (value?: unknown) => {
        if (acked) return;
        acked = true;
        clearTimeout(timer);
        settle(toResponse(value));
      },
    };
    const work = app
      .processEvent(event)
      .catch((e: unknown) => {
        log.error({ type: body.type, err: e }, 'slack event processing failed');
      })
      .finally(() => {
        // Whatever happened, Slack gets an answer (Bolt's own error path may not ack).
        if (!acked) {
          acked = true;
          clearTimeout(timer);
          settle({ status: 200 });
        }
        this.inFlight.delete(work);
      });
    this.inFlight.add(work);
    return response;
  }
}

function header(req: HttpRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
