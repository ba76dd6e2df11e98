/** Latency samples in milliseconds, with the percentiles the benchmarks report. */
export class Latencies {
  private values_: number[] = [];

  add(ms: number): void {
    this.values_.push(ms);
  }

  reset(): void {
    this.values_ = [];
  }

  values(): readonly number[] {
    return this.values_;
  }

  get count(): number {
    return this.values_.length;
  }

  summary(): LatencySummary {
    const v = Float64Array.from(this.values_).sort();
    const at = (q: number) => (v.length === 0 ? Number.NaN : (v[Math.min(v.length - 1, Math.ceil(q * v.length) - 1)] ?? Number.NaN));
    const mean = v.length === 0 ? Number.NaN : v.reduce((a, b) => a + b, 0) / v.length;
    return { count: v.length, mean, p50: at(0.5), p95: at(0.95), p99: at(0.99), p999: at(0.999), max: v[v.length - 1] ?? Number.NaN };
  }
}

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

export const ms = (x: number) => (Number.isNaN(x) ? '–' : x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * Runs `worker` in `concurrency` async loops until `seconds` have passed, timing each call.
 * Errors are counted, not thrown: a benchmark reports them beside the figures.
 *
 * `thinkMs` 0 is a closed loop (each asker asks again the moment the answer comes: a saturation
 * test); above 0 each asker pauses a random time of that mean (exponential) between an answer
 * and the next question, as people do, starting at a random offset.
 */
export async function runLoops(
  concurrency: number,
  seconds: number,
  worker: (loop: number, i: number) => Promise<void>,
  thinkMs = 0,
): Promise<{ latencies: Latencies; errors: number; seconds: number; firstError?: string }> {
  const latencies = new Latencies();
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, loop) => {
      const think = (mean: number) => new Promise((r) => setTimeout(r, -Math.log(1 - Math.random()) * mean));
      if (thinkMs > 0) await new Promise((r) => setTimeout(r, Math.random() * thinkMs));
      for (let i = 0; performance.now() < deadline; i++) {
        if (thinkMs > 0 && i > 0) {
          await think(thinkMs);
          if (performance.now() >= deadline) break;
        }
        const s = performance.now();
        try {
          await worker(loop, i);
          latencies.add(performance.now() - s);
        } catch (e) {
          errors++;
          firstError ??= e instanceof Error ? e.message : String(e);
        }
      }
    }),
  );
  return { latencies, errors, seconds: (performance.now() - started) / 1000, firstError };
}

/** One markdown table row of a latency summary. */
export function latencyRow(label: string, r: { latencies: Latencies; errors: number; seconds: number }): string {
  const s = r.latencies.summary();
  return `| ${label} | ${s.count.toLocaleString('en')} | ${(s.count / r.seconds).toFixed(0)} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${ms(s.p999)} | ${ms(s.max)} | ${r.errors} |`;
}
export const LATENCY_HEADER =
  '| what | requests | per s | p50 ms | p95 ms | p99 ms | p99.9 ms | max ms | errors |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|';
