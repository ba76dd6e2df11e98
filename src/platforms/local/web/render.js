// The Reply renderer shared by the local web chat (app.js) and the one-time browser form
// (/form?t=…): text, card, list and form blocks, built with DOM APIs only (textContent, never
// innerHTML), so nothing a user typed can become markup.
//
// hooks: { onAction?(action, label, sourceMsg, button), onSubmit(block, values) → Promise<{ fieldErrors?, replies? }>,
//          onSubmitted?(block, result) }. Without onAction, buttons are left out.

// Children go through add(), never the DOM's own append(): append(null) inserts the text
// "null" (it stringifies whatever it is given), so an optional part left out as null would
// show up on screen.
export function add(node, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  return add(node, children);
}

function renderButton(b, hooks) {
  if (!hooks.onAction) return null;
  return el(
    'button',
    {
      type: 'button',
      class: b.style || '',
      onclick: (ev) => hooks.onAction(b.action, b.label, ev.target.closest('.msg'), ev.currentTarget),
    },
    b.label,
  );
}

function renderCard(block, hooks) {
  const buttons = (block.buttons || []).map((b) => renderButton(b, hooks)).filter(Boolean);
  return el(
    'div',
    { class: 'card' },
    el('h3', {}, block.title),
    block.subtitle ? el('div', { class: 'sub' }, block.subtitle) : null,
    el(
      'dl',
      {},
      block.fields.map((f) => [el('dt', {}, f.label), el('dd', {}, f.value)]),
    ),
    buttons.length ? el('div', { class: 'buttons' }, buttons) : null,
  );
}

function renderList(block, hooks) {
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
          it.button ? renderButton(it.button, hooks) : null,
        ),
      ),
    ),
  );
}

// Links open in a new tab; only web and calendar addresses become links (never javascript: …).
function safeUrl(url) {
  try {
    const u = new URL(url, location.href);
    return ['http:', 'https:', 'webcal:'].includes(u.protocol) ? u.href : null;
  } catch {
    return null;
  }
}

function renderLinks(block) {
  return el(
    'div',
    { class: 'links' },
    block.title ? el('div', { class: 'text' }, block.title) : null,
    el(
      'ul',
      {},
      block.links.map((l) => {
        const href = safeUrl(l.url);
        return el(
          'li',
          {},
          href ? el('a', { href, target: '_blank', rel: 'noopener noreferrer' }, l.label) : l.label,
          l.note ? el('div', { class: 'desc' }, l.note) : null,
        );
      }),
    ),
  );
}

// The chart's picture is served by this same server: it is loaded from the page's own origin
// (the page may be open as localhost while the link names 127.0.0.1).
function sameOrigin(url) {
  try {
    const u = new URL(url, location.href);
    return `${u.pathname}${u.search}`;
  } catch {
    return null;
  }
}

function renderChart(block) {
  const src = sameOrigin(block.svgUrl);
  const png = safeUrl(block.pngUrl);
  return el(
    'figure',
    { class: 'chart' },
    src ? el('img', { src, alt: block.alt, width: block.width, height: block.height }) : null,
    el(
      'figcaption',
      {},
      block.title,
      png ? [' ', el('a', { href: png, target: '_blank', rel: 'noopener noreferrer' }, '画像（PNG）')] : null,
    ),
  );
}

// A longtext field that accepts a file: the file's bytes go to the server as a data: URL, so
// that the server reads the encoding (Excel's Shift_JIS) instead of the browser guessing it.
const MAX_FILE_VALUE = 20000;
function fileChooser(f, textarea) {
  const status = el('div', { class: 'hint file-status' });
  const picker = el('input', { type: 'file', accept: f.accept, class: 'file', 'aria-label': `${f.label}をファイルから選ぶ` });
  const choose = (name, dataUrl) => {
    textarea.fileValue = dataUrl;
    textarea.disabled = true;
    textarea.value = '';
    status.textContent = `ファイル「${name}」を送信します（文字コードは自動で判定します）。`;
  };
  if (typeof f.initial === 'string' && f.initial.startsWith('data:')) choose('前回選んだファイル', f.initial);
  picker.addEventListener('change', () => {
    const file = picker.files?.[0];
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => {
      const dataUrl = String(reader.result);
      if (dataUrl.length > MAX_FILE_VALUE) {
        textarea.fileValue = undefined;
        textarea.disabled = false;
        status.textContent = 'ファイルが大きすぎます（約14KBまで）。分けて選ぶか、内容を貼り付けてください。';
        return;
      }
      choose(file.name, dataUrl);
    };
    reader.readAsDataURL(file);
  });
  return el('div', { class: 'file-chooser' }, el('label', {}, 'またはファイルを選ぶ: ', picker), status);
}

// A multiselect is a row of checkbox chips (a phone shows every choice; a list box hides them).
function chipsInput(f, id, initial) {
  const chosen = Array.isArray(initial) ? initial : [initial];
  const box = el('fieldset', { id, class: 'chips', 'data-name': f.name }, el('legend', {}, f.label, f.required ? ' *' : ''));
  for (const o of f.options || []) {
    box.append(
      el(
        'label',
        { class: 'chip' },
        el('input', { type: 'checkbox', name: f.name, value: o.value, checked: chosen.includes(o.value) }),
        el('span', {}, o.label),
      ),
    );
  }
  box.values = () => [...box.querySelectorAll('input[type=checkbox]:checked')].map((c) => c.value);
  return box;
}

// A date: the text box takes what people type (今日, 11/22, 令和8年11月22日: the bot reads them),
// and the phone's own date picker beside it fills the box with the chosen day.
function dateInput(f, id, initial) {
  const text = el('input', {
    id,
    name: f.name,
    type: 'text',
    maxlength: f.maxLength,
    placeholder: f.placeholder || '例: 今日 / 11/22',
    autocomplete: 'off',
  });
  text.value = typeof initial === 'string' ? initial : '';
  const picker = el('input', {
    type: 'date',
    class: 'date-picker',
    'aria-label': `${f.label}をカレンダーから選ぶ`,
    'data-picker-for': f.name,
  });
  if (/^\d{4}-\d{2}-\d{2}$/.test(text.value)) picker.value = text.value;
  picker.addEventListener('change', () => {
    if (picker.value) text.value = picker.value;
  });
  text.addEventListener('input', () => {
    picker.value = /^\d{4}-\d{2}-\d{2}$/.test(text.value) ? text.value : '';
  });
  return { input: text, extra: el('div', { class: 'date-field' }, text, picker) };
}

function fieldInput(f) {
  const id = `f-${f.name}-${Math.random().toString(36).slice(2, 8)}`;
  const initial = f.initial ?? '';
  let input;
  if (f.type === 'longtext') {
    input = el('textarea', { id, name: f.name, maxlength: f.maxLength, placeholder: f.placeholder });
    input.value = typeof initial === 'string' && initial.startsWith('data:') ? '' : initial;
  } else if (f.type === 'multiselect') {
    input = chipsInput(f, id, initial);
  } else if (f.type === 'select') {
    input = el('select', { id, name: f.name });
    if (!f.required) input.append(el('option', { value: '' }, '（選択なし）'));
    if (f.required && !initial) input.append(el('option', { value: '' }, '選んでください'));
    for (const o of f.options || []) {
      input.append(el('option', { value: o.value, selected: initial === o.value }, o.label));
    }
  } else if (f.type === 'date') {
    const { input: text, extra } = dateInput(f, id, initial);
    return { id, input: text, shown: extra };
  } else {
    input = el('input', {
      id,
      name: f.name,
      type: 'text',
      maxlength: f.maxLength,
      placeholder: f.placeholder,
      inputmode: f.type === 'number' ? 'numeric' : undefined,
    });
    input.value = initial;
  }
  return { id, input, shown: input };
}

function renderForm(block, hooks) {
  const form = el('form', { class: 'bot-form', 'data-form-id': block.formId });
  form.append(el('h3', {}, block.title));
  const inputs = {};
  for (const f of block.fields) {
    const { id, input, shown } = fieldInput(f);
    inputs[f.name] = input;
    const error = block.errors?.[f.name];
    if (error) input.classList.add('invalid');
    add(
      form,
      f.type === 'multiselect' ? null : el('label', { for: id }, f.label, f.required ? ' *' : ''),
      shown,
      f.type === 'longtext' && f.accept ? fileChooser(f, input) : null,
      typeof f.hint === 'string' && f.hint !== '' ? el('div', { class: 'hint' }, f.hint) : null,
      el('div', { class: 'error', 'data-error-for': f.name }, error || ''),
    );
  }
  form.append(el('div', { class: 'buttons' }, el('button', { type: 'submit' }, block.submitLabel || '送信')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const values = {};
    for (const [name, input] of Object.entries(inputs)) {
      values[name] = input.values ? input.values() : (input.fileValue ?? input.value);
    }
    const submitBtn = form.querySelector('button[type=submit]');
    submitBtn.disabled = true;
    const result = await hooks.onSubmit(block, values);
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
    if (hooks.onSubmitted) hooks.onSubmitted(block, result);
  });
  return form;
}

export function renderBlock(block, hooks = {}) {
  switch (block.type) {
    case 'text':
      return el('div', { class: 'text' }, block.text);
    case 'card':
      return renderCard(block, hooks);
    case 'list':
      return renderList(block, hooks);
    case 'form':
      return renderForm(block, hooks);
    case 'links':
      return renderLinks(block);
    case 'chart':
      return renderChart(block);
    default:
      return el('div', { class: 'text' }, '（表示できない内容）');
  }
}
