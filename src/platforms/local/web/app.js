// The local web chat: renders the platform-free Reply model (text, card, list, form) with DOM
// APIs only (textContent, never innerHTML), so nothing a user typed can become markup.
// The block renderer lives in render.js, shared with the one-time browser form.
import { el, renderBlock } from './render.js';

const $ = (sel) => document.querySelector(sel);
const chat = $('#chat');
const inbox = $('#inbox');
const channel = $('#channel');
const staffSelect = $('#staff');

// The session token this page was served with: every API call sends it in a header, which a page
// of another origin can neither read nor send (src/platforms/local/routes.ts).
const token = document.querySelector('meta[name="local-chat-token"]')?.getAttribute('content') || '';
const api = (path, init = {}) => fetch(path, { ...init, headers: { ...(init.headers || {}), 'x-local-chat-token': token } });

function scrollDown() {
  chat.scrollTop = chat.scrollHeight;
  $('main').scrollTop = $('main').scrollHeight;
}

async function post(input) {
  const staffId = staffSelect.value;
  const res = await api('/local/api/input', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ staffId, input }),
  });
  const data = await res.json().catch(() => ({ error: '応答を読めませんでした。' }));
  if (!res.ok) return { replies: [{ blocks: [{ type: 'text', text: data.error || 'エラーが発生しました。' }] }] };
  return data;
}

// Form submissions go to the bot as this staff member; buttons run their action.
const hooks = {
  onAction: (action, label, sourceMsg, button) => act(action, label, sourceMsg, button),
  onSubmit: (block, values) => post({ kind: 'form', formId: block.formId, values, context: block.context }),
  onSubmitted: (_block, result) => showReplies(result),
};

function renderReply(r, container = chat) {
  const node = el(
    'div',
    { class: 'msg bot', 'data-visibility': r.visibility || '' },
    (r.blocks || []).map((b) => renderBlock(b, hooks)),
  );
  container.append(node);
  return node;
}

function showReplies(result) {
  for (const r of result.replies || []) renderReply(r);
  scrollDown();
}

// A reply marked replaceOriginal (a reminder marked 完了) takes the place of the message whose
// button was pressed; anything else continues the conversation in the chat tab. The pressed
// button is marked as chosen; its label is not posted as if the user had typed it.
async function act(action, _label, sourceMsg, button) {
  if (button) {
    for (const b of button.parentElement?.querySelectorAll('button.chosen') || []) b.classList.remove('chosen');
    button.classList.add('chosen');
  }
  const result = await post({ kind: 'action', id: action.id, value: action.value });
  const replies = result.replies || [];
  const replacing = sourceMsg && replies.find((r) => r.replaceOriginal);
  if (replacing) {
    const fresh = renderReply(replacing, document.createElement('div'));
    sourceMsg.replaceWith(fresh);
    result.replies = replies.filter((r) => r !== replacing);
    if (result.replies.length === 0) return;
  }
  if (chat.hidden) showTab('chat');
  showReplies(result);
}

async function send(line) {
  if (!line.trim()) return;
  chat.append(el('div', { class: 'msg me' }, line));
  scrollDown();
  showReplies(await post({ kind: 'line', line }));
}

// Which notices this browser has shown in the 通知 tab (ids only; per staff member). An entry not
// yet seen is marked unread until the tab is opened again.
const seenKey = () => `soudan-seen-${staffSelect.value}`;
function seenIds() {
  try {
    return new Set(JSON.parse(localStorage.getItem(seenKey()) || '[]'));
  } catch {
    return new Set();
  }
}
let inboxItems = [];
let seenAtOpen = null;

// Newest first, a separator per day (the server names the day in Japan time), the notices of one
// 二次相談 / 地域課題 together as its thread, unread ones marked.
function renderInbox(items, seen) {
  inbox.replaceChildren();
  if (items.length === 0) inbox.append(el('div', { class: 'note' }, '通知はまだありません'));
  const threads = new Map();
  for (const item of items)
    if (item.thread && !threads.has(item.thread))
      threads.set(
        item.thread,
        items.filter((i) => i.thread === item.thread),
      );
  const placed = new Set();
  let day = null;
  for (const item of items) {
    if (placed.has(item.id)) continue;
    if (item.day !== day) {
      day = item.day;
      inbox.append(el('div', { class: 'day-sep', role: 'separator', 'data-day': item.day }, item.dayLabel));
    }
    const group = item.thread ? threads.get(item.thread) : [item];
    const box = item.thread
      ? el(
          'div',
          { class: 'thread', 'data-thread': item.thread },
          el('div', { class: 'thread-head' }, `${item.threadLabel}（${group.length}件）`),
        )
      : inbox;
    for (const one of group) {
      placed.add(one.id);
      const unread = !seen.has(one.id);
      const node = renderReply(one.payload, box);
      node.dataset.id = one.id;
      if (unread) node.classList.add('unread');
      node.prepend(
        el(
          'div',
          { class: 'meta' },
          unread ? el('span', { class: 'unread-mark' }, '未読') : null,
          one.day === item.day ? one.time : `${one.dayLabel} ${one.time}`,
        ),
      );
    }
    if (box !== inbox) inbox.append(box);
  }
}

async function refreshInbox() {
  if (!staffSelect.value) return;
  const res = await api(`/local/api/inbox?staffId=${encodeURIComponent(staffSelect.value)}`);
  if (!res.ok) return;
  const { items } = await res.json();
  inboxItems = items;
  // While the tab is open, the marks stay as they were when it was opened (read under the
  // reader's eyes would be gone before they are seen); what is shown counts as read next time.
  renderInbox(items, seenAtOpen ?? seenIds());
  if (!inbox.hidden) markInboxRead();
  const seen = seenIds();
  const fresh = items.filter((i) => !seen.has(i.id)).length;
  const badge = $('#badge');
  badge.hidden = inbox.hidden === false || fresh <= 0;
  badge.textContent = String(Math.max(fresh, 0));
}

function markInboxRead() {
  const seen = seenIds();
  localStorage.setItem(seenKey(), JSON.stringify([...new Set([...seen, ...inboxItems.map((i) => i.id)])].slice(-500)));
}

async function refreshChannel() {
  if (!staffSelect.value) return;
  const res = await api(`/local/api/channel?staffId=${encodeURIComponent(staffSelect.value)}`);
  if (!res.ok) return;
  const { items } = await res.json();
  channel.replaceChildren(el('div', { class: 'note' }, '共有チャンネル（個人情報は載りません）'));
  if (items.length === 0) channel.append(el('div', { class: 'note' }, '投稿はまだありません'));
  for (const item of items) {
    channel.append(el('div', { class: 'note' }, `#${item.channel}`));
    renderReply(item.payload, channel);
  }
}

const TABS = { chat, inbox, channel };
function showTab(name) {
  for (const [key, section] of Object.entries(TABS)) {
    section.hidden = key !== name;
    $(`#tab-${key}`).classList.toggle('active', key === name);
    $(`#tab-${key}`).setAttribute('aria-pressed', String(key === name));
  }
  seenAtOpen = name === 'inbox' ? seenIds() : null;
  if (name === 'inbox') refreshInbox();
  if (name === 'channel') refreshChannel();
}

async function init() {
  const res = await api('/local/api/staff');
  if (!res.ok) {
    const data = await res.json().catch(() => ({}));
    chat.append(el('div', { class: 'note' }, data.error || 'ページを再読み込みしてください。'));
    return;
  }
  const { staff, menu } = await res.json();
  for (const s of staff) {
    // The server sends the role names used everywhere (ROLE_LABELS in src/core/actor.ts).
    const roles = (s.roleLabels || s.roles).join('・');
    staffSelect.append(el('option', { value: s.id }, `${s.name}（${s.office}・${roles}）`));
  }
  const saved = localStorage.getItem('soudan-staff');
  if (saved && staff.some((s) => s.id === saved)) staffSelect.value = saved;
  staffSelect.addEventListener('change', () => {
    localStorage.setItem('soudan-staff', staffSelect.value);
    chat.replaceChildren(el('div', { class: 'note' }, `${staffSelect.selectedOptions[0].textContent} として操作します`));
    // Read marks are per staff member: an open 通知 tab starts over with the new one's.
    seenAtOpen = inbox.hidden ? null : seenIds();
    refreshInbox();
  });
  const menuBox = $('#menu');
  for (const m of [...menu, { id: 'help', label: 'ヘルプ' }]) {
    menuBox.append(el('button', { type: 'button', onclick: () => send(m.label) }, m.label));
  }
  $('#composer').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const line = $('#line').value;
    $('#line').value = '';
    send(line);
  });
  $('#tab-chat').addEventListener('click', () => showTab('chat'));
  $('#tab-inbox').addEventListener('click', () => showTab('inbox'));
  $('#tab-channel').addEventListener('click', () => showTab('channel'));
  chat.append(
    el('div', { class: 'note' }, staff.length ? '職員を選んで、下のメニューかコマンドで操作してください。' : '職員が登録されていません。'),
  );
  refreshInbox();
  setInterval(refreshInbox, 10_000);
}

init();
