import type { FormBlock } from '../../chat/types';
import { STALE_STATE_MESSAGE } from '../../chat/dialogue/state';
import type { HttpResponse } from '../../http/server';

/**
 * Headers for every page and answer of the browser form: the token is in the URL, so no referrer
 * carries it elsewhere and nothing is cached; scripts and styles only from this server.
 */
export const SECURITY_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
};

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** JSON that is safe inside a <script> element (no closing tag, no line separators). */
const scriptJson = (v: unknown) =>
  JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

function shell(title: string, main: string, script = ''): string {
  return `<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}｜soudan-bot</title>
<link rel="stylesheet" href="/form/assets/form.css">
</head>
<body>
<header><h1>soudan-bot</h1></header>
<main id="main">${main}</main>
${script}
</body>
</html>`;
}

/** The form page: the FormBlock travels as JSON data and is drawn by the shared renderer. */
export function formPage(form: FormBlock): HttpResponse {
  const data = `<script type="application/json" id="form-data">${scriptJson({ form })}</script>
<script type="module" src="/form/assets/form.js"></script>`;
  const main = `<p class="note">このページは15分間・1回だけ使えます。送信が終わるまで閉じないでください。</p><div id="banner" role="alert" hidden></div><div id="form"></div>`;
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS }, body: shell(form.title, main, data) };
}

export type LinkProblem = 'invalid' | 'expired' | 'used' | 'stale' | 'unknown_staff';

export const PROBLEM_MESSAGES: Record<LinkProblem, { status: number; title: string; text: string }> = {
  invalid: {
    status: 404,
    title: 'リンクが正しくありません',
    text: 'このリンクは正しくないか、途中で切れています。チャットからもう一度開いてください。',
  },
  expired: {
    status: 410,
    title: 'リンクの有効期限が切れました',
    text: 'このリンクの有効期限（15分）が切れました。お手数ですが、チャットでもう一度コマンドを送ってください。',
  },
  used: {
    status: 410,
    title: 'このリンクは使用済みです',
    text: 'このリンクからはすでに送信されています。同じ内容を二重に登録しないよう、1回しか使えません。',
  },
  stale: { status: 409, title: '入力の途中で更新がありました', text: STALE_STATE_MESSAGE },
  unknown_staff: {
    status: 403,
    title: '利用できません',
    text: 'このリンクの職員アカウントは現在利用できません。管理者にお問い合わせください。',
  },
};

/** A polite Japanese error page; nothing was stored. */
export function problemPage(problem: LinkProblem): HttpResponse {
  const p = PROBLEM_MESSAGES[problem];
  const main = `<section class="problem"><h2>${escapeHtml(p.title)}</h2><p>${escapeHtml(p.text)}</p><p class="note">入力された内容は保存されていません。</p></section>`;
  return { status: p.status, headers: { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS }, body: shell(p.title, main) };
}
