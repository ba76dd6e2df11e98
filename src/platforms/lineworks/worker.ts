/**
 * Works through the callback inbox in the background. Every instance runs one; rows are claimed
 * in PostgreSQL, so instances share the work and a callback stored by one may be answered by
 * another. `poke` wakes it at once after a callback was stored here; otherwise it polls.
 */
import { pruneDialogues } from '../../chat/dialogue/engine';
import { pruneInboundEvents } from '../../core/inbound-dedupe';
import { log, safeErrorText } from '../../log';
import { claimNext, markFailed, pruneInbox } from './inbox';
import { processRow, type ProcessDeps } from './process';
import type { RateBudget } from './rate';

export interface WorkerOptions {
  /** Why 1 s: a callback stored by another instance is picked up about as fast as a person reads. */
  pollMs?: number;
  /** Parallel loops per instance; one user's callbacks still run one at a time. */
  concurrency?: number;
}

const PRUNE_EVERY_MS = 10 * 60_000;

export class LineWorksWorker {
  private running = false;
  private readonly wakers = new Set<() => void>();
  private loops: Promise<void>[] = [];
  private lastPrune = 0;

  constructor(
    private readonly deps: ProcessDeps,
    private readonly budget: RateBudget,
    private readonly opts: WorkerOptions = {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    const n = this.opts.concurrency ?? 2;
    for (let i = 0; i < n; i++) this.loops.push(this.loop());
  }

  poke(): void {
    for (const w of [...this.wakers]) w();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.poke();
    await Promise.all(this.loops);
    this.loops = [];
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        await this.maybePrune();
        const row = await claimNext(this.deps.db);
        if (row) {
          try {
            await processRow(this.deps, row);
          } catch (e) {
            log.error({ inbox: row.id, err: e }, 'lineworks callback failed');
            await markFailed(this.deps.db, row, safeErrorText(e));
          }
          continue;
        }
      } catch (e) {
        if (!this.running) break;
        log.error({ err: e }, 'lineworks worker error');
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, this.opts.pollMs ?? 1000);
        this.wakers.add(wake);
      });
    }
  }

  private async maybePrune(): Promise<void> {
    const t = Date.now();
    if (t - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = t;
    await pruneInbox(this.deps.db);
    // Callback hashes (and the other platforms' event ids) outlive every retry window at 48 h.
    await pruneInboundEvents(this.deps.db);
    await pruneDialogues(this.deps.db, this.deps.now());
    await this.budget.prune();
  }
}
