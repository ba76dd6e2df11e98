import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's folder (the one holding package.json), found from wherever this module runs:
 * the source tree under tsx, or the bundle that `npm run build` writes to dist/. Files the
 * bot reads at run time (migrations, the web chat's pages) are named from here.
 */
const PROJECT_ROOT = ((): string => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above the running module');
    dir = up;
  }
})();

export const projectPath = (...segments: string[]): string => path.join(PROJECT_ROOT, ...segments);
