/**
 * The LINE SDK stays inside its adapter: core, the conversation model, handlers, the scheduler
 * and the platform-free browser form never import it (nor the adapter itself).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const FORBIDDEN = [/from ['"]@line\/bot-sdk['"]/, /from ['"][./]*platforms\/line\//, /from ['"]\.\.\/line\//];

function sources(dir: string): string[] {
  const full = path.join(root, dir);
  if (!fs.existsSync(full)) return [];
  return fs
    .readdirSync(full, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|js)$/.test(f))
    .map((f) => path.join(dir, f));
}

describe('LINE boundary', () => {
  it('keeps @line/bot-sdk and the LINE adapter out of core, chat, handlers, scheduler and the browser form', () => {
    const files = ['src/core', 'src/chat', 'handlers', 'src/scheduler', 'src/platforms/webform'].flatMap(sources);
    expect(files.length).toBeGreaterThan(20);
    const offenders = files.filter((f) => FORBIDDEN.some((re) => re.test(fs.readFileSync(path.join(root, f), 'utf8'))));
    expect(offenders).toEqual([]);
  });
});
