// The local web chat: renders the platform-free Reply model (text, card, list, form) with DOM
// APIs only (textContent, never innerHTML), so nothing a user typed can become markup.

const $ = (sel) => document.querySelector(sel);
const chat = $('#chat');
const inbox = $('#inbox');
const channel = $('#channel');
const staffSelect = $('#staff');
let seenInbox = 0;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function scrollDown() {
  chat.scrollTop = chat.scrollHeight;
  $('main').scrollTop = $('main').scrollHeight;
}

async function post(input) {
  const staffId = staffSelect.value;
  const res = await fetch('/local/api/input', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ staffId, input }),
  });
  const data = await res.json().catch(() => ({ error: '応答を読めませんでした。' }));
  if (!res.ok) return { replies: [{ blocks: [{ type: 'text', text: data.error || 'エラーが発生しました。' }] }] };
  return data;
}

function renderButton(b) {
  return el(
    'button',
    { type: 'button', class: b.style || '', onclick: (ev) => act(b.action, b.label, ev.target.closest('.msg')) },
    b.label,
  );
}

function renderCard(block) {
  return el(
    'div',
    { class: 'card' },
    el('h3', {}, block.title),
    block.subtitle ? el('div', { class: 'sub' }, block.subtitle) : null,
    el('dl', {}, block.fields.map((f) => [el('dt', {}, f.label), el('dd', {}, f.value)])),
    block.buttons && block.buttons.length ? el('div', { class: 'buttons' }, block.buttons.map(renderButton)) : null,
  );
}

function renderList(block) {
  return el(
    'div',
    { class: 'list' },
    block.title ? el('div', { class: 'text' }, block.title) : null,
    el(
      'ul',
      {},
      block.items.map((it) =>
        el(
          'li',
          {},
          el('div', {}, el('div', {}, it.title), it.description ? el('div', { class: 'desc' }, it.description) : null),
          it.button ? renderButton(it.button) : null,
        ),
      ),
    ),
  );
}

function fieldInput(f) {
  const id = `f-${f.name}-${Math.random().toString(36).slice(2, 8)}`;
  const initial = f.initial ?? '';
  let input;
  if (f.type === 'longtext') {
    input = el('textarea', { id, name: f.name, maxlength: f.maxLength, placeholder: f.placeholder });
    input.value = initial;
  } else if (f.type === 'select' || f.type === 'multiselect') {
    input = el('select', { id, name: f.name, multiple: f.type === 'multiselect' });
    if (f.type === 'select' && !f.required) input.append(el('option', { value: '' }, '（選択なし）'));
    if (f.type === 'select' && f.required && !initial) input.append(el('option', { value: '' }, '選んでください'));
    const chosen = Array.isArray(initial) ? initial : [initial];
    for (const o of f.options || []) {
      input.append(el('option', { value: o.value, selected: chosen.includes(o.value) }, o.label));
    }
  } else {
    // Dates are typed as text: the bot reads 今日, 11/22, 令和8年11月22日 and more.
    input = el('input', { id, name: f.name, type: 'text', maxlength: f.maxLength, placeholder: f.placeholder, inputmode: f.type === 'number' ? 'numeric' : undefined });
    input.value = initial;
  }
  return { id, input };
}

function renderForm(block) {
  const form = el('form', { class: 'bot-form', 'data-form-id': block.formId });
  form.append(el('h3', {}, block.title));
  const inputs = {};
  for (const f of block.fields) {
    const { id, input } = fieldInput(f);
    inputs[f.name] = input;
    const error = block.errors && block.errors[f.name];
    if (error) input.classList.add('invalid');
    form.append(
      el('label', { for: id }, f.label, f.required ? ' *' : ''),
      input,
      f.hint ? el('div', { class: 'hint' }, f.hint) : null,
      el('div', { class: 'error', 'data-error-for': f.name }, error || ''),
    );
  }
  form.append(el('div', { class: 'buttons' }, el('button', { type: 'submit' }, block.submitLabel || '送信')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const values = {};
    for (const [name, input] of Object.entries(inputs)) {
      values[name] = input.multiple ? [...input.selectedOptions].map((o) => o.value) : input.value;
    }
    const submitBtn = form.querySelector('button[type=submit]');
    submitBtn.disabled = true;
    const result = await post({ kind: 'form', formId: block.formId, values, context: block.context });
    submitBtn.disabled = false;
    for (const node of form.querySelectorAll('.error')) node.textContent = '';
    for (const input of Object.values(inputs)) input.classList.remove('invalid');
    if (result.fieldErrors) {
      for (const [name, msg] of Object.entries(result.fieldErrors)) {
        const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
        if (slot) slot.textContent = msg;
        if (inputs[name]) inputs[name].classList.add('invalid');
      }
      return;
    }
    form.replaceWith(el('div', { class: 'note' }, `${block.title}を送信しました`));
    showReplies(result);
  });
  return form;
}

function renderBlock(block) {
  switch (block.type) {
    case 'text':
      return el('div', { class: 'text' }, block.text);
    case 'card':
      return renderCard(block);
    case 'list':
      return renderList(block);
    case 'form':
      return renderForm(block);
    default:
      return el('div', { class: 'text' }, '（表示できない内容）');
  }
}

function renderReply(r, container = chat) {
  const node = el('div', { class: 'msg bot', 'data-visibility': r.visibility || '' }, (r.blocks || []).map(renderBlock));
  container.append(node);
  return node;
}

function showReplies(result) {
  for (const r of result.replies || []) renderReply(r);
  scrollDown();
}

// A reply marked replaceOriginal (a reminder marked 完了) takes the place of the message whose
// button was pressed; anything else continues the conversation in the chat tab.
async function act(action, label, sourceMsg) {
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
  chat.append(el('div', { class: 'msg me' }, label));
  showReplies(result);
}

async function send(line) {
  if (!line.trim()) return;
  chat.append(el('div', { class: 'msg me' }, line));
  scrollDown();
  showReplies(await post({ kind: 'line', line }));
}

async function refreshInbox() {
  if (!staffSelect.value) return;
  const res = await fetch(`/local/api/inbox?staffId=${encodeURIComponent(staffSelect.value)}`);
  if (!res.ok) return;
  const { items } = await res.json();
  inbox.replaceChildren();
  if (items.length === 0) inbox.append(el('div', { class: 'note' }, '通知はまだありません'));
  for (const item of items) renderReply(item.payload, inbox);
  const fresh = items.length - seenInbox;
  const badge = $('#badge');
  badge.hidden = inbox.hidden === false || fresh <= 0;
  badge.textContent = String(Math.max(fresh, 0));
}

async function refreshChannel() {
  if (!staffSelect.value) return;
  const res = await fetch(`/local/api/channel?staffId=${encodeURIComponent(staffSelect.value)}`);
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
  if (name === 'inbox') refreshInbox().then(() => (seenInbox = inbox.querySelectorAll('.msg').length));
  if (name === 'channel') refreshChannel();
}

async function init() {
  const res = await fetch('/local/api/staff');
  const { staff, menu } = await res.json();
  const roleLabels = { counselor: '相談支援専門員', chief: '主任', kikan: '基幹', secretariat: '事務局', gyosei: '行政', office_manager: '管理者', abuse_contact: '虐待防止', admin: '管理' };
  for (const s of staff) {
    const roles = s.roles.map((r) => roleLabels[r] || r).join('・');
    staffSelect.append(el('option', { value: s.id }, `${s.name}（${s.office}・${roles}）`));
  }
  const saved = localStorage.getItem('soudan-staff');
  if (saved && staff.some((s) => s.id === saved)) staffSelect.value = saved;
  staffSelect.addEventListener('change', () => {
    localStorage.setItem('soudan-staff', staffSelect.value);
    chat.replaceChildren(el('div', { class: 'note' }, `${staffSelect.selectedOptions[0].textContent} として操作します`));
    seenInbox = 0;
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
  chat.append(el('div', { class: 'note' }, staff.length ? '職員を選んで、下のメニューかコマンドで操作してください。' : '職員が登録されていません。'));
  refreshInbox();
  setInterval(refreshInbox, 10_000);
}

init();
