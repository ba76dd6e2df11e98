import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { log } from '../log';
import { httpDuration, WEBHOOK_ROUTES, webhookRefused } from '../metrics';

export interface HttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** The raw bytes: signatures are verified on these, never on re-serialised JSON. */
  body: Buffer;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export type RouteHandler = (req: HttpRequest) => Promise<HttpResponse>;

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handler: RouteHandler;
  /** Largest body accepted, in bytes (default 64 KiB); larger requests get 413 unread. */
  maxBody?: number;
}

const DEFAULT_MAX_BODY = 64 * 1024;

export function json(status: number, value: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(value) };
}

export function text(status: number, body: string): HttpResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
}

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) return reject(new BodyTooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The one HTTP server: local chat, platform webhooks and /healthz share it. Routes are exact
 * paths; anything else is 404. A handler that throws answers 500 with no detail.
 */
/** Refused webhooks are logged at most once a minute per route (a flood of forgeries is a count, not 4 MB of log). */
const refusedLoggedAt = new Map<string, number>();
function refusedLog(route: string, status: number): void {
  const now = performance.now();
  const last = refusedLoggedAt.get(route);
  if (last !== undefined && now - last < 60_000) return;
  refusedLoggedAt.set(route, now);
  log.warn({ route, status }, 'webhook refused (counted in soudan_webhook_refused_total; logged once a minute per route)');
}

export class HttpServer {
  private readonly routes = new Map<string, Route>();
  private server: http.Server | null = null;

  add(route: Route): void {
    const key = `${route.method} ${route.path}`;
    if (this.routes.has(key)) throw new Error(`duplicate route ${key}`);
    this.routes.set(key, route);
  }

  /** The registered routes (method, path, body limit), read-only: for tests that cover every endpoint. */
  listRoutes(): { method: Route['method']; path: string; maxBody: number }[] {
    return [...this.routes.values()].map((r) => ({ method: r.method, path: r.path, maxBody: r.maxBody ?? DEFAULT_MAX_BODY }));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const route = this.routes.get(`${method === 'HEAD' ? 'GET' : method} ${url.pathname}`);
    let out: HttpResponse;
    if (!route) {
      const other = [...this.routes.values()].some((r) => r.path === url.pathname);
      out = other ? text(405, 'method not allowed') : text(404, 'not found');
    } else {
      try {
        const body = method === 'POST' ? await readBody(req, route.maxBody ?? DEFAULT_MAX_BODY) : Buffer.alloc(0);
        out = await route.handler({ method, path: url.pathname, query: url.searchParams, headers: req.headers, body });
      } catch (e) {
        if (e instanceof BodyTooLarge) out = text(413, 'payload too large');
        else {
          log.error({ path: url.pathname, err: e }, 'route failed');
          out = text(500, 'internal error');
        }
      }
    }
    res.writeHead(out.status, { 'x-content-type-options': 'nosniff', ...out.headers });
    res.end(method === 'HEAD' ? undefined : out.body);
    // The access log and metrics name the route, never the query string, a header or the body.
    const routeLabel = route ? route.path : 'unmatched';
    const ms = performance.now() - started;
    httpDuration.observe({ route: routeLabel, method, status: String(out.status) }, ms / 1000);
    if (route && WEBHOOK_ROUTES.has(route.path) && out.status >= 400 && out.status < 500) {
      webhookRefused.inc({ route: route.path, status: String(out.status) });
      refusedLog(route.path, out.status);
    }
    if (routeLabel !== '/metrics' && routeLabel !== '/healthz' && routeLabel !== '/readyz') {
      log.info({ method, route: routeLabel, status: out.status, ms: Math.round(ms) }, 'request');
    }
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        // A client that went away (phone lost signal, proxy timeout) is routine: debug, not error.
        if (req.destroyed || (e as NodeJS.ErrnoException).code === 'ECONNRESET' || (e as NodeJS.ErrnoException).code === 'EPIPE')
          log.debug({ err: e }, 'client disconnected');
        else log.error({ err: e }, 'response failed');
        if (!res.headersSent) res.destroy();
      });
    });
    this.server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(port, host, () => resolve());
    });
    return this.server.address() as AddressInfo;
  }

  /** Where the server listens, once it does (routes that check the Host header need the port). */
  address(): AddressInfo | null {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a : null;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeIdleConnections();
    });
    this.server = null;
  }
}
