// `npm test` runs this before vitest (package.json: "node test/preflight.mjs && vitest run"), so
// the suite passes on a brand-new Debian machine: the browser tests drive the web chat in a real
// headless Chromium, and their screenshots (test-results/*.png) show Japanese text, which without
// a Japanese font is drawn as empty boxes. Plain Node ESM with no dependencies, so it also runs
// before `npm ci` (.ci/check-test-command.sh) and under `faketime … npm test`.
//
//   - CHROMIUM_PATH set: it must be an executable file, else stop naming the variable.
//   - otherwise Debian's chromium: /usr/bin/chromium, or `chromium` on PATH (test/helpers/browser.ts
//     looks in the same places). On Linux, also a font with Japanese glyphs (fonts-noto-cjk; the
//     web chat's CSS asks for Noto Sans JP).
//   - what is missing is installed with apt-get when running as root with apt-get present (one
//     line says what and why); otherwise it stops before any test runs with one line that says
//     exactly what to install. Silent when nothing is missing.
//
// Overrides, only for the self-test (.ci/check-test-command.sh); after an install the defaults are
// checked again whatever they say (apt-get puts the packages in the default places):
//   SOUDAN_PREFLIGHT_CHROMIUM_CANDIDATES  colon list of paths to look at instead of /usr/bin/chromium
//                                         and `chromium` on PATH (empty: look nowhere)
//   SOUDAN_PREFLIGHT_FONT_DIRS            colon list of folders to search for Japanese font files
//                                         instead of asking fc-list (empty: none)
//   SOUDAN_PREFLIGHT_NO_INSTALL=1         behave as a machine that cannot install (no root / apt)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const env = process.env;
const PREFIX = 'npm test:';
const DEBIAN_CHROMIUM = '/usr/bin/chromium';

function fail(message) {
  console.error(`${PREFIX} ${message}`);
  process.exit(1);
}

function isExecutableFile(p) {
  try {
    if (!fs.statSync(p).isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name) {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutableFile(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

function overrideList(name) {
  const v = env[name];
  return v === undefined ? null : v.split(':').filter(Boolean);
}

/** The override decides where to look before installing; after apt-get, Debian's package is looked for where it goes. */
function findChromium(override = overrideList('SOUDAN_PREFLIGHT_CHROMIUM_CANDIDATES')) {
  const candidates = override ?? [DEBIAN_CHROMIUM, onPath('chromium')];
  return candidates.find((p) => p && isExecutableFile(p)) ?? null;
}

// Font files that cover Japanese, by name, for machines without fc-list (fontconfig's tools).
const JA_FONT_FILE = /(cjk|notosansjp|notoserifjp|ipa[a-z]*\.tt|takao|vl-?gothic|sazanami|kochi|droidsansfallback|hiragino|mplus)/i;

function hasJaFontFile(dir, depth = 0) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const e of entries) {
    if ((e.isFile() || e.isSymbolicLink()) && JA_FONT_FILE.test(e.name)) return true;
    if (e.isDirectory() && depth < 6 && hasJaFontFile(path.join(dir, e.name), depth + 1)) return true;
  }
  return false;
}

function hasJapaneseFont(dirs = overrideList('SOUDAN_PREFLIGHT_FONT_DIRS')) {
  if (dirs) return dirs.some((d) => hasJaFontFile(d));
  if (onPath('fc-list')) {
    const r = spawnSync('fc-list', [':lang=ja', 'family'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    if (r.status === 0) return r.stdout.trim() !== '';
  }
  const home = env.HOME ?? '';
  return ['/usr/share/fonts', '/usr/local/share/fonts', path.join(home, '.local/share/fonts'), path.join(home, '.fonts')].some((d) =>
    hasJaFontFile(d),
  );
}

/** Why this process cannot install Debian packages, or null when it can. */
function whyNoInstall() {
  if (env.SOUDAN_PREFLIGHT_NO_INSTALL === '1') return 'SOUDAN_PREFLIGHT_NO_INSTALL=1';
  if (process.platform !== 'linux' || !onPath('apt-get')) return 'no apt-get on this machine';
  if (process.getuid?.() !== 0) return 'not running as root';
  return null;
}

/** apt must see the real clock: under `faketime … npm test` a moved clock makes apt's Release files "not valid yet" or expired. */
function realClockEnv() {
  const e = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const k of Object.keys(e)) if (k.startsWith('FAKETIME')) delete e[k];
  if (e.LD_PRELOAD) {
    const kept = e.LD_PRELOAD.split(/[: ]/).filter((lib) => lib && !lib.includes('faketime'));
    if (kept.length) e.LD_PRELOAD = kept.join(':');
    else delete e.LD_PRELOAD;
  }
  return e;
}

function aptGet(args) {
  // Quiet when it works (dpkg's progress, debconf's "delaying package configuration"); apt's own
  // words when it does not. The lock timeout lets two `npm test` started together take turns.
  const r = spawnSync('apt-get', ['-qq', '-o', 'DPkg::Lock::Timeout=600', ...args], {
    env: realClockEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status === 0) return true;
  const said = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
  console.error(
    `${PREFIX} apt-get ${args[0]} failed${r.error ? ` (${r.error.message})` : ` with exit code ${r.status}`}${said ? `:\n${said}` : ''}`,
  );
  return false;
}

function main() {
  const packages = [];
  const why = [];

  if (env.CHROMIUM_PATH !== undefined) {
    if (!isExecutableFile(env.CHROMIUM_PATH)) {
      fail(
        `CHROMIUM_PATH is set to '${env.CHROMIUM_PATH}', which is not an executable file: point CHROMIUM_PATH at a Chromium or Chrome binary, or unset it to use Debian's chromium (${DEBIAN_CHROMIUM}).`,
      );
    }
  } else if (!findChromium()) {
    packages.push('chromium');
    why.push('the browser tests drive the web chat in headless Chromium');
  }
  if (process.platform === 'linux' && !hasJapaneseFont()) {
    packages.push('fonts-noto-cjk');
    why.push(`${packages.length > 1 ? 'their' : "the browser tests'"} screenshots show Japanese text`);
  }
  if (packages.length === 0) return;

  const names = `Debian's ${packages.join(' and ')}`;
  const otherwise = [];
  if (packages.includes('chromium')) otherwise.push('set CHROMIUM_PATH to a Chromium or Chrome binary');
  if (packages.includes('fonts-noto-cjk')) otherwise.push('install any font with Japanese glyphs');
  const todo = `run 'apt-get install ${packages.join(' ')}' as root, or ${otherwise.join(' and ')}`;
  const cannot = whyNoInstall();
  if (cannot) {
    fail(`${names} ${packages.length > 1 ? 'are' : 'is'} missing (${why.join('; ')}) and cannot be installed here (${cannot}): ${todo}.`);
  }

  console.log(`${PREFIX} installing ${names} (${why.join('; ')}) …`);
  if (!aptGet(['update']) || !aptGet(['install', '-y', '--no-install-recommends', ...packages])) {
    fail(`installing ${names} failed (apt-get's message is above): ${todo}.`);
  }
  if ((packages.includes('chromium') && !findChromium(null)) || (packages.includes('fonts-noto-cjk') && !hasJapaneseFont(null))) {
    fail(`apt-get installed ${names}, but ${DEBIAN_CHROMIUM} or a Japanese font is still not found: ${todo}.`);
  }
}

try {
  main();
} catch (err) {
  fail(`the test preflight (test/preflight.mjs) failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`);
}
