// The one-time browser form: draws the FormBlock with the local chat's renderer and sends it to
// /form/submit with the link's token. Field errors stay on the page; success shows the replies.
import { el, renderBlock } from '/form/assets/render.js';

const { form } = JSON.parse(document.getElementById('form-data').textContent);
const token = new URLSearchParams(location.search).get('t') || '';
const banner = document.getElementById('banner');
const slot = document.getElementById('form');

function showBanner(text) {
  banner.textContent = text;
  banner.hidden = !text;
}

async function submit(_block, values) {
  showBanner('');
  let res;
  try {
    res = await fetch(`/form/submit?t=${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ values }),
    });
  } catch {
    showBanner('通信できませんでした。電波の良い所でもう一度「送信」を押してください。');
    return { fieldErrors: {} };
  }
  const data = await res.json().catch(() => ({ error: '応答を読めませんでした。' }));
  if (!res.ok) {
    showBanner(data.error || 'エラーが発生しました。');
    return { fieldErrors: {} };
  }
  if (data.fieldErrors || data.errorId) {
    // The bot's own message (e.g. 入力内容を確認してください…) explains what to fix.
    const text = (data.replies || [])
      .flatMap((r) => r.blocks || [])
      .filter((b) => b.type === 'text')
      .map((b) => b.text)
      .join('\n');
    showBanner(text || '入力内容を確認してください。');
    return { fieldErrors: data.fieldErrors || {} };
  }
  return data;
}

function done(_block, result) {
  document.querySelector('main > .note')?.remove();
  const box = el('section', { class: 'done' }, el('h2', {}, '送信しました'));
  for (const r of result.replies || []) {
    box.append(
      el(
        'div',
        { class: 'msg' },
        (r.blocks || []).map((b) => renderBlock(b)),
      ),
    );
  }
  box.append(el('p', { class: 'note' }, 'このページは閉じてかまいません。チャットに戻って操作を続けられます。'));
  slot.append(box);
}

slot.append(renderBlock(form, { onSubmit: submit, onSubmitted: done }));
