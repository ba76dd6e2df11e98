import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A minimal fake Slack for benchmarks: response_urls under `/hooks/<id>` resolve whoever waits
 * for that id, and every Web API method answers `ok`. Unlike the test fake it keeps nothing,
 * so a million requests cost no memory.
 */
export class BenchSlack {
  private server: http.Server | null = null;
  private base = '';
  private readonly waiting = new Map<string, (body: string) => void>();
  /** Replies that arrived with nobody waiting (late or duplicate). */
  unexpected = 0;
  /** chat.postMessage calls received (direct messages delivered by the scheduler). */
  posted = 0;

  get apiUrl(): string {
    return `${this.base}/api/`;
  }

  hook(id: string): string {
    return `${this.base}/hooks/${id}`;
  }

  /** Resolves with the body posted to the hook `id`. */
  waitFor(id: string, timeoutMs = 30_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`no reply on hook ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, (body) => {
        clearTimeout(timer);
        resolve(body);
      });
    });
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = req.url ?? '';
        if (url.startsWith('/hooks/')) {
          const id = url.slice('/hooks/'.length);
          const done = this.waiting.get(id);
          this.waiting.delete(id);
          if (done) done(Buffer.concat(chunks).toString('utf8'));
          else this.unexpected++;
        }
        if (url.endsWith('/chat.postMessage')) this.posted++;
        // conversations.open answers a channel object; everything else a channel id.
        const channel = url.endsWith('/conversations.open') ? { id: 'D0BENCH' } : 'D0BENCH';
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, ts: `${Date.now() / 1000}`, channel, user_id: 'U0BOT', bot_id: 'B0BOT', team_id: 'T0BENCH' }));
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
