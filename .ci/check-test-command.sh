#!/usr/bin/env bash
# CI: a test of the test command itself (issue 21), run before anything is installed.
# `npm test` = test/preflight.mjs, then vitest. On a machine without Chromium (or without a font
# with Japanese glyphs) the preflight either installs Debian's packages (root with apt-get) or stops
# before any test with one line saying exactly what to install: never a stack trace from inside a
# test file, never silently skipped browser tests.
#   (a) nothing findable and installing impossible (the preflight's self-test overrides): exit code
#       not 0, exactly that one line, no stack trace, vitest never started;
#   (b) this machine for real: Debian's chromium installed by the preflight if missing (root with
#       apt-get), or found if already there; exit 0 and /usr/bin/chromium present.
# Prints what it checked; exits non-zero when any check fails.
set -euo pipefail
cd "$(dirname "$0")/.."

failures=0
ok() { echo "check-test-command: ok: $*"; }
bad() { echo "check-test-command: FAILED: $*" >&2; failures=$((failures + 1)); }
skip() { echo "check-test-command: skipped: $*"; }

tmp=$(mktemp -d /tmp/soudan-check-test-command.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
mkdir -p "$tmp/no-fonts" "$tmp/ja-fonts"
chmod 755 "$tmp/no-fonts" "$tmp/ja-fonts"
: >"$tmp/ja-fonts/NotoSansCJK-Regular.ttc" # only its name is looked at

script=$(node -p 'require("./package.json").scripts.test')
case "$script" in
  "node test/preflight.mjs && "*) ok "package.json: npm test runs the preflight first ($script)" ;;
  *) bad "package.json: npm test does not start with 'node test/preflight.mjs && ': $script" ;;
esac

# The preflight's one line, and nothing else: no stack trace, no vitest output.
# $1 what, $2 exit code, $3 output, $4 the exact line expected.
expect_one_line() {
  local what=$1 rc=$2 out=$3 want=$4 lines
  # npm's own "> soudan-bot@… test" / "> node test/preflight.mjs && vitest run …" header aside.
  lines=$(printf '%s\n' "$out" | grep -v -e '^> ' -e '^[[:space:]]*$' || true)
  if [ "$rc" = 0 ]; then
    bad "$what: exit code 0, expected non-zero"
    return
  fi
  if printf '%s\n' "$out" | grep -q -E '^[[:space:]]+at |Error:|node:internal'; then
    bad "$what: a stack trace was printed:"$'\n'"$out"
    return
  fi
  if printf '%s\n' "$out" | grep -q -E 'RUN +v|Test Files|Tests +[0-9]|✓|vitest: not found|vitest: command not found'; then
    bad "$what: vitest ran:"$'\n'"$out"
    return
  fi
  if [ "$lines" != "$want" ]; then
    bad "$what: expected exactly this line:"$'\n'"  $want"$'\n'"got:"$'\n'"$out"
    return
  fi
  ok "$what: exit code $rc, no stack trace, no test run, one line: $want"
}

# `npm test` on one unit file with the environment given as arguments (`env` syntax); sets $out
# and $rc. Vitest would run the named file if the preflight let it through.
npm_test_with() {
  set +e
  out=$(env "$@" npm test -- test/unit/calendar.test.ts 2>&1)
  rc=$?
  set -e
}

# (a) Nothing findable and installing impossible, through `npm test` itself.
npm_test_with -u CHROMIUM_PATH SOUDAN_PREFLIGHT_CHROMIUM_CANDIDATES="$tmp/chromium" SOUDAN_PREFLIGHT_FONT_DIRS="$tmp/ja-fonts" SOUDAN_PREFLIGHT_NO_INSTALL=1
expect_one_line "(a) no chromium, cannot install" "$rc" "$out" \
  "npm test: Debian's chromium is missing (the browser tests drive the web chat in headless Chromium) and cannot be installed here (SOUDAN_PREFLIGHT_NO_INSTALL=1): run 'apt-get install chromium' as root, or set CHROMIUM_PATH to a Chromium or Chrome binary."

npm_test_with -u CHROMIUM_PATH SOUDAN_PREFLIGHT_CHROMIUM_CANDIDATES="$tmp/chromium" SOUDAN_PREFLIGHT_FONT_DIRS="$tmp/no-fonts" SOUDAN_PREFLIGHT_NO_INSTALL=1
expect_one_line "(a) no chromium and no Japanese font, cannot install" "$rc" "$out" \
  "npm test: Debian's chromium and fonts-noto-cjk are missing (the browser tests drive the web chat in headless Chromium; their screenshots show Japanese text) and cannot be installed here (SOUDAN_PREFLIGHT_NO_INSTALL=1): run 'apt-get install chromium fonts-noto-cjk' as root, or set CHROMIUM_PATH to a Chromium or Chrome binary and install any font with Japanese glyphs."

npm_test_with CHROMIUM_PATH="$tmp/chromium" SOUDAN_PREFLIGHT_FONT_DIRS="$tmp/ja-fonts"
expect_one_line "(a) CHROMIUM_PATH pointing at nothing" "$rc" "$out" \
  "npm test: CHROMIUM_PATH is set to '$tmp/chromium', which is not an executable file: point CHROMIUM_PATH at a Chromium or Chrome binary, or unset it to use Debian's chromium (/usr/bin/chromium)."

# The real "not root" reason, when this runs as root and can drop to nobody.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && command -v apt-get >/dev/null; then
  node=$(command -v node)
  set +e
  out=$(cd "$tmp" && env -u CHROMIUM_PATH SOUDAN_PREFLIGHT_CHROMIUM_CANDIDATES="$tmp/chromium" SOUDAN_PREFLIGHT_FONT_DIRS="$tmp/ja-fonts" \
    setpriv --reuid=65534 --regid=65534 --clear-groups "$node" "$OLDPWD/test/preflight.mjs" 2>&1)
  rc=$?
  set -e
  if printf '%s\n' "$out" | grep -q -e 'EACCES' -e 'Cannot find module'; then
    skip "(a) as nobody: nobody cannot read test/preflight.mjs here"
  else
    expect_one_line "(a) no chromium, not root (as nobody)" "$rc" "$out" \
      "npm test: Debian's chromium is missing (the browser tests drive the web chat in headless Chromium) and cannot be installed here (not running as root): run 'apt-get install chromium' as root, or set CHROMIUM_PATH to a Chromium or Chrome binary."
  fi
else
  skip "(a) as nobody: not root, or no setpriv / apt-get"
fi

# Installing fails (an apt-get that answers an error, first on PATH): apt's words, then the line.
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$tmp/failing-apt"
  printf '%s\n' '#!/bin/sh' 'case " $* " in *" update "*) exit 0 ;; esac' \
    'echo "E: Unable to locate package chromium" >&2' 'exit 100' >"$tmp/failing-apt/apt-get"
  chmod 755 "$tmp/failing-apt" "$tmp/failing-apt/apt-get"
  set +e
  out=$(env -u CHROMIUM_PATH PATH="$tmp/failing-apt:$PATH" SOUDAN_PREFLIGHT_CHROMIUM_CANDIDATES="$tmp/chromium" \
    SOUDAN_PREFLIGHT_FONT_DIRS="$tmp/ja-fonts" npm test -- test/unit/calendar.test.ts 2>&1)
  rc=$?
  set -e
  last=$(printf '%s\n' "$out" | grep -v -e '^[[:space:]]*$' | tail -n 1)
  want="npm test: installing Debian's chromium failed (apt-get's message is above): run 'apt-get install chromium' as root, or set CHROMIUM_PATH to a Chromium or Chrome binary."
  if [ "$rc" = 0 ]; then
    bad "(a) apt-get install fails: exit code 0"
  elif printf '%s\n' "$out" | grep -q -E '^[[:space:]]+at |Error:|node:internal|RUN +v|Test Files|vitest: not found'; then
    bad "(a) apt-get install fails: a stack trace or vitest output:"$'\n'"$out"
  elif [ "$last" != "$want" ] || ! printf '%s\n' "$out" | grep -q '^E: Unable to locate package chromium$'; then
    bad "(a) apt-get install fails: expected apt's error, then:"$'\n'"  $want"$'\n'"got:"$'\n'"$out"
  else
    ok "(a) apt-get install fails: exit code $rc, apt's error shown, no stack trace, no test run, last line: $want"
  fi
else
  skip "(a) apt-get install fails: not root, so the preflight never installs"
fi

# (b) This machine for real, with the default places (no overrides), exactly what `npm test` runs first.
had_chromium=no
[ -x /usr/bin/chromium ] && had_chromium=yes
can_install=no
[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && can_install=yes
set +e
out=$(env -u CHROMIUM_PATH -u SOUDAN_PREFLIGHT_CHROMIUM_CANDIDATES -u SOUDAN_PREFLIGHT_FONT_DIRS -u SOUDAN_PREFLIGHT_NO_INSTALL \
  node test/preflight.mjs 2>&1)
rc=$?
set -e
[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/  | /'
if [ "$had_chromium" = yes ]; then
  if [ "$rc" = 0 ] && ! printf '%s\n' "$out" | grep -q "installing Debian's chromium"; then
    ok "(b) /usr/bin/chromium was already there: the preflight found it and exited 0"
  else
    bad "(b) /usr/bin/chromium was already there, but the preflight exited $rc or tried to install it"
  fi
elif [ "$can_install" = yes ]; then
  if [ "$rc" = 0 ] && [ -x /usr/bin/chromium ] && printf '%s\n' "$out" | grep -q "^npm test: installing Debian's chromium"; then
    ok "(b) no chromium, root with apt-get: the preflight said so, installed it, exited 0, /usr/bin/chromium is there"
  else
    bad "(b) no chromium, root with apt-get: the preflight exited $rc; /usr/bin/chromium $([ -x /usr/bin/chromium ] && echo present || echo absent)"
  fi
else
  if [ "$rc" != 0 ] && printf '%s\n' "$out" | grep -q "run 'apt-get install chromium.*' as root, or set CHROMIUM_PATH"; then
    ok "(b) no chromium and cannot install (not root or no apt-get): the preflight stopped and said what to install"
  else
    bad "(b) no chromium and cannot install: the preflight exited $rc without the message"
  fi
fi
if [ "$rc" = 0 ] && [ "$(uname -s)" = Linux ] && command -v fc-list >/dev/null; then
  if [ -n "$(fc-list :lang=ja family)" ]; then
    ok "(b) a font with Japanese glyphs is there for the screenshots ($(fc-list :lang=ja family | head -n 1))"
  else
    bad "(b) the preflight exited 0 but fc-list finds no font with Japanese glyphs"
  fi
else
  skip "(b) Japanese font through fc-list: the preflight failed, or no fc-list here"
fi

# Under faketime (CI runs the suite a second time with the clock moved), the preflight still passes.
if [ "$rc" = 0 ] && command -v faketime >/dev/null; then
  set +e
  fout=$(env -u CHROMIUM_PATH faketime '2027-12-29 08:25:00' node test/preflight.mjs 2>&1)
  frc=$?
  set -e
  if [ "$frc" = 0 ] && [ -z "$fout" ]; then
    ok "(b) under faketime the preflight finds everything and exits 0 quietly"
  else
    bad "(b) under faketime the preflight exited $frc: $fout"
  fi
else
  skip "(b) under faketime: the preflight failed, or no faketime here"
fi

if [ "$failures" -gt 0 ]; then
  echo "check-test-command: $failures check(s) failed" >&2
  exit 1
fi
echo "check-test-command: all checks passed"
