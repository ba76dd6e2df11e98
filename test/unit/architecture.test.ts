/**
 * The import rules of docs/architecture.md, as a test (issue 14 item 6): data flows one way,
 * platform → handler → core → db. This reads every import of src/, handlers/ and db/ (with the
 * TypeScript scanner, so `import type`, re-exports and dynamic imports count) and fails naming the
 * file and the import that breaks a rule. The same graph, folded to components (src/<dir>,
 * src/<file>, handlers, db), must have no cycle; `node ../shared/tools/folder-cycles.mjs` prints it
 * from outside the test.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const ROOTS = ['src', 'handlers', 'db'];

interface Edge {
  /** Importing file, relative to the project root. */
  from: string;
  /** The specifier as written. */
  spec: string;
  /** Resolved file, relative to the project root. */
  to: string;
}

function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== 'migrations') walk(rel);
      } else if (/\.(ts|mts|js|mjs)$/.test(e.name) && !/\.test\./.test(e.name) && !e.name.endsWith('.d.ts')) out.push(rel);
    }
  };
  for (const r of ROOTS) if (fs.existsSync(path.join(ROOT, r))) walk(r);
  return out;
}

function resolve(from: string, spec: string): string {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}/index.ts`, `${base}.mjs`, `${base}.js`];
  for (const c of candidates) {
    const abs = path.join(ROOT, c);
    if (fs.existsSync(abs) && fs.statSync(abs).isFile()) return c;
  }
  return base;
}

/** Every import: relative ones resolved to a file, packages kept as `package:<name>`. */
function importGraph(): Edge[] {
  const edges: Edge[] = [];
  for (const file of sourceFiles()) {
    const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), 'utf8'), true, true);
    for (const ref of info.importedFiles) {
      const to = ref.fileName.startsWith('.') ? resolve(file, ref.fileName) : `package:${ref.fileName}`;
      edges.push({ from: file, spec: ref.fileName, to });
    }
  }
  return edges;
}

/** The top component of a file: src/<dir> (or src/<file> for a top-level file), handlers, db. */
export function componentOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'src') return parts.length > 2 ? `src/${parts[1]}` : `src/${(parts[1] ?? '').replace(/\.[mc]?[jt]s$/, '')}`;
  return parts[0] ?? file;
}

const inside = (file: string, dir: string) => file === dir || file.startsWith(`${dir}/`);

/** A rule: imports from `from` into any of `to` are forbidden. */
const RULES: { name: string; from: string; to: string[] }[] = [
  {
    name: 'the domain imports neither the conversation model, the scheduler, a platform nor a handler',
    from: 'src/core',
    to: ['src/chat', 'src/scheduler', 'src/platforms', 'handlers'],
  },
  { name: "a handler never holds the database: it calls the domain (db/ and db/schema are core's)", from: 'handlers', to: ['db'] },
  { name: 'a handler builds no query: no drizzle-orm, no postgres', from: 'handlers', to: ['package:drizzle-orm', 'package:postgres'] },
  { name: 'a handler never imports a platform (links to outputs are src/http/outputs)', from: 'handlers', to: ['src/platforms'] },
  { name: 'a platform only translates: it calls dispatch, never a handler', from: 'src/platforms', to: ['handlers'] },
];

/**
 * Known breaks being removed by other work in flight, each with the file and import it names;
 * only that file's import is let through. An entry that no longer matches is reported (delete it:
 * the list only shrinks) without failing, so that the change removing the import stays green.
 */
const PENDING: { from: string; to: string; why: string }[] = [
  // None: the last two (handlers/riyousha.ts → db/schema, src/core/decisions/replan.ts → src/scheduler) are gone.
];

const isPending = (e: Edge) => PENDING.some((p) => p.from === e.from && p.to === e.to);
const show = (e: Edge) => `${e.from} imports '${e.spec}' (${componentOf(e.from)} → ${componentOf(e.to)})`;

/** Strongly connected components of more than one node (Tarjan). */
function cycles(nodes: Set<string>, adj: Map<string, Set<string>>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const ix = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const strong = (v: string) => {
    ix.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of adj.get(v) ?? []) {
      if (!ix.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v) ?? 0, ix.get(w) ?? 0));
    }
    if (low.get(v) === ix.get(v)) {
      const c: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const n of nodes) if (!ix.has(n)) strong(n);
  return out;
}

describe('architecture: the import rules', () => {
  const graph = importGraph();

  it('reads the whole graph (the walk found the layers)', () => {
    const comps = new Set(graph.map((e) => componentOf(e.from)));
    for (const c of ['src/core', 'src/chat', 'src/platforms', 'src/scheduler', 'handlers', 'db']) expect(comps, c).toContain(c);
    expect(graph.length).toBeGreaterThan(500);
  });

  for (const rule of RULES) {
    it(rule.name, () => {
      const broken = graph.filter((e) => inside(e.from, rule.from) && rule.to.some((t) => inside(e.to, t)) && !isPending(e));
      expect(broken.map(show), `forbidden imports (${rule.from} → ${rule.to.join(' | ')}):\n${broken.map(show).join('\n')}`).toEqual([]);
    });
  }

  it('handlers only pass the database handle on: no query is built in a handler', () => {
    const offenders: string[] = [];
    const QUERY = /\b(?:ctx\.db|db|tx)\s*\.\s*(select|selectDistinct|insert|update|delete|execute|transaction|query)\b/;
    for (const file of sourceFiles().filter((f) => inside(f, 'handlers'))) {
      const lines = fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (QUERY.test(line) && !PENDING.some((p) => p.from === file)) offenders.push(`${file}:${i + 1}: ${line.trim().slice(0, 120)}`);
      });
    }
    expect(offenders, `queries in handlers (move them beside their aggregate in src/core):\n${offenders.join('\n')}`).toEqual([]);
  });

  it('reports pending exceptions whose import is gone (delete them from PENDING)', () => {
    const gone = PENDING.filter((p) => !graph.some((e) => e.from === p.from && e.to === p.to));
    for (const p of gone) console.warn(`architecture test: ${p.from} → ${p.to} is gone; delete it from PENDING`);
    expect(PENDING.every((p) => p.why.length > 0)).toBe(true);
  });

  it('no folder-level cycle between the components (src/<dir>, handlers, db)', () => {
    const nodes = new Set<string>();
    const adj = new Map<string, Set<string>>();
    const witness = new Map<string, Edge>();
    for (const e of graph) {
      if (isPending(e) || e.to.startsWith('package:')) continue;
      const a = componentOf(e.from);
      const b = componentOf(e.to);
      nodes.add(a);
      nodes.add(b);
      if (a === b) continue;
      if (!adj.has(a)) adj.set(a, new Set());
      adj.get(a)?.add(b);
      if (!witness.has(`${a}|${b}`)) witness.set(`${a}|${b}`, e);
    }
    const found = cycles(nodes, adj).map((c) => {
      const inCycle = [...witness.entries()].filter(([k]) => {
        const [a = '', b = ''] = k.split('|');
        return c.includes(a) && c.includes(b);
      });
      return `cycle ${c.join(' ⇄ ')}:\n${inCycle.map(([, e]) => `  ${show(e)}`).join('\n')}`;
    });
    expect(found, found.join('\n')).toEqual([]);
  });

  it('the checks see a forbidden import when there is one (self-test on a made-up graph)', () => {
    const fake: Edge = { from: 'src/core/x.ts', spec: '../chat/types', to: 'src/chat/types.ts' };
    expect(RULES.some((r) => inside(fake.from, r.from) && r.to.some((t) => inside(fake.to, t)))).toBe(true);
    const adj = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['a'])],
    ]);
    expect(cycles(new Set(['a', 'b']), adj)).toEqual([['a', 'b']]);
  });
});
