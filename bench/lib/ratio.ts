/**
 * Product against its floor in one run: A B A B … rounds, each side's samples pooled, the ratio
 * of the two, the machine and the load average. Every section written through `writeRatioSection`
 * carries its ratios as one machine-readable line each, and `writeSummary` builds the summary
 * of docs/benchmarks.md from those lines only, so the summary cannot disagree with its sections.
 */
import fs from 'node:fs';
import os from 'node:os';
import { BENCHMARKS_MD, writeSection } from './report';
import { Latencies, ms, runLoops, type LatencySummary } from './stats';

export interface Side {
  latencies: Latencies;
  errors: number;
  seconds: number;
  firstError?: string;
}

/** The machine in one line: CPUs, memory, Node, and the load average now. */
export function machineNow(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${loadNow()}`;
}

export const loadNow = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');

function merge(into: Side, r: Side): void {
  for (const v of r.latencies.values()) into.latencies.add(v);
  into.errors += r.errors;
  into.seconds += r.seconds;
  into.firstError ??= r.firstError;
}

/**
 * `rounds` × (product for `seconds`, then floor for `seconds`), alternating which goes first
 * each round, so a drift of the machine's speed falls on both. Returns both sides pooled and the
 * load average before each round.
 */
export async function interleavedLoops(opts: {
  rounds: number;
  seconds: number;
  concurrency: number;
  thinkMs: number;
  product: (loop: number, i: number) => Promise<void>;
  floor: (loop: number, i: number) => Promise<void>;
  log?: (line: string) => void;
}): Promise<{ product: Side; floor: Side; loads: string[]; rounds: { product: LatencySummary; floor: LatencySummary }[] }> {
  const product: Side = { latencies: new Latencies(), errors: 0, seconds: 0 };
  const floor: Side = { latencies: new Latencies(), errors: 0, seconds: 0 };
  const loads: string[] = [];
  const pairs: { product: LatencySummary; floor: LatencySummary }[] = [];
  for (let round = 0; round < opts.rounds; round++) {
    loads.push(loadNow());
    const order = round % 2 === 0 ? (['product', 'floor'] as const) : (['floor', 'product'] as const);
    const pair: Partial<Record<'product' | 'floor', LatencySummary>> = {};
    for (const side of order) {
      const r = await runLoops(opts.concurrency, opts.seconds, side === 'product' ? opts.product : opts.floor, opts.thinkMs);
      merge(side === 'product' ? product : floor, r);
      const s = r.latencies.summary();
      pair[side] = s;
      opts.log?.(
        `  round ${round + 1} ${side.padEnd(7)} n=${s.count} p50 ${ms(s.p50)} ms p99 ${ms(s.p99)} ms errors ${r.errors}${r.firstError ? ` (${r.firstError})` : ''}`,
      );
    }
    if (pair.product && pair.floor) pairs.push({ product: pair.product, floor: pair.floor });
  }
  return { product, floor, loads, rounds: pairs };
}

export const median = (xs: number[]) => {
  const v = [...xs].sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length === 0 ? Number.NaN : v.length % 2 ? (v[m] as number) : ((v[m - 1] as number) + (v[m] as number)) / 2;
};

/**
 * The ratio as the issue asks for it, robust to a noisy shared machine: each round's product
 * figure over the same round's floor figure (they ran back to back), the median of those
 * ratios; with the medians of each side's round figures to show.
 */
export function pairedRatio(
  rounds: { product: LatencySummary; floor: LatencySummary }[],
  q: 'p50' | 'p99',
): { product: number; floor: number; ratio: number; perRound: number[] } {
  const perRound = rounds.map((r) => r.product[q] / r.floor[q]);
  return {
    product: median(rounds.map((r) => r.product[q])),
    floor: median(rounds.map((r) => r.floor[q])),
    ratio: median(perRound),
    perRound,
  };
}

export interface RatioRecord {
  /** What is compared, as the summary names it. */
  what: string;
  /** The figure compared, e.g. "p99 ms" or "jobs/s". */
  measure: string;
  product: number;
  floor: number;
  /** product ÷ floor (for a throughput: product ÷ floor too, so higher is better there). */
  ratio: number;
  /** The target as text, e.g. "≤ 1.5×". */
  target: string;
  met: boolean;
}

const RATIO_PREFIX = '<!-- ratio ';

/** One markdown row per ratio, and the hidden line the summary reads. */
export function ratioLines(records: RatioRecord[]): string[] {
  return [
    '| what | measure | product | floor | ratio | target | met |',
    '|---|---|---:|---:|---:|---|---|',
    ...records.map(
      (r) =>
        `| ${r.what} | ${r.measure} | ${fmt(r.product)} | ${fmt(r.floor)} | **${r.ratio.toFixed(2)}×** | ${r.target} | ${verdict(r, 'yes', '**no**')} |`,
    ),
    '',
    ...records.map((r) => `${RATIO_PREFIX}${JSON.stringify(r)} -->`),
  ];
}

/** A ratio shown for context has its target in parentheses and no verdict. */
const verdict = (r: RatioRecord, yes: string, no: string) => (r.target.startsWith('(') ? '–' : r.met ? yes : no);

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : ms(x));

export function latencyTable(rows: [string, Side][]): string[] {
  return [
    '| side | requests | per s | p50 ms | p95 ms | p99 ms | p99.9 ms | max ms | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(([label, r]) => {
      const s = r.latencies.summary();
      return `| ${label} | ${s.count.toLocaleString('en')} | ${(s.count / Math.max(r.seconds, 1e-9)).toFixed(0)} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${ms(s.p999)} | ${ms(s.max)} | ${r.errors} |`;
    }),
  ];
}

/** A section with its command, dataset, machine, load averages, tables and ratios. */
export function writeRatioSection(
  id: string,
  s: { title: string; command: string; dataset: string; loads: string[]; body: string[]; ratios: RatioRecord[] },
): void {
  writeSection(
    id,
    [
      `## ${s.title}`,
      '',
      `Command: \`${s.command}\`. Dataset: ${s.dataset}.`,
      `Measured ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${machineNow()} at the end; load average before each round: ${s.loads.join('; ')}.`,
      '',
      ...s.body,
      '',
      ...ratioLines(s.ratios),
    ].join('\n'),
  );
}

/** The summary, rebuilt from the ratio lines of every section (nothing typed by hand). */
export function writeSummary(): void {
  const text = fs.readFileSync(BENCHMARKS_MD, 'utf8');
  const sections = [...text.matchAll(/<!-- bench:([\w-]+) -->([\s\S]*?)<!-- \/bench:\1 -->/g)].filter(([, id]) => id !== 'summary');
  const rows: string[] = [];
  for (const [, id, body] of sections) {
    const measured = /Measured (\S+) on ([^;]*?), load average/.exec(body ?? '')?.[1] ?? '?';
    for (const line of (body ?? '').split('\n')) {
      if (!line.startsWith(RATIO_PREFIX)) continue;
      const r = JSON.parse(line.slice(RATIO_PREFIX.length, line.lastIndexOf(' -->'))) as RatioRecord;
      rows.push(
        `| ${r.what} | ${r.measure}: ${fmt(r.product)} vs ${fmt(r.floor)} | **${r.ratio.toFixed(2)}×** | ${r.target} | ${verdict(r, 'met', '**not met**')} | ${id}, ${measured} |`,
      );
    }
  }
  writeSection(
    'summary',
    [
      '## Summary: each path against its floor, measured in the same run (issue 19)',
      '',
      'Generated by `npm run bench:quick` from the ratio lines of the sections below (each row names its section); nothing here is typed by hand. Sections without ratio lines come from earlier scripts and are not summarised. A floor is the bare library doing the same work (bench/floor/); product and floor run A B A B in one process, so a shared machine slows both.',
      '',
      '| what | product vs floor | ratio | target | verdict | section, measured |',
      '|---|---|---:|---|---|---|',
      ...rows,
    ].join('\n'),
  );
}
