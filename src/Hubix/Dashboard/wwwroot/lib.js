// Small helpers every view shares. All data reaches the page through textContent (el, text), never innerHTML.

export class Unauthorized extends Error {}

export class ApiError extends Error {
  constructor(message, status, body) { super(message); this.status = status; this.body = body; }
}

/** fetch with the session cookie; JSON in and out; ProblemDetails turned into an ApiError with its detail. */
export async function api(path, options = {}) {
  const isForm = options.body instanceof FormData;
  const headers = options.body && !isForm && typeof options.body === 'string' ? { 'Content-Type': options.contentType || 'application/json' } : {};
  const res = await fetch(path, { ...options, headers, credentials: 'same-origin' });
  if (res.status === 401) { throw new Unauthorized('Not signed in.'); }
  const type = res.headers.get('content-type') || '';
  const body = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) {
    throw new ApiError((body && body.detail) || (body && body.title) || res.status + ' ' + res.statusText, res.status, body);
  }
  if (options.withHeaders) { return { body, headers: res.headers }; }
  return body;
}

/** An element with optional text (as text) and class. */
export function el(tag, text, cls, attrs) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) { e.textContent = String(text); }
  if (cls) { e.className = cls; }
  if (attrs) { for (const [k, v] of Object.entries(attrs)) { if (v !== undefined && v !== null && v !== false) { e.setAttribute(k, v === true ? '' : String(v)); } } }
  return e;
}

/** An element with children. */
export function h(tag, attrs, ...children) {
  const e = el(tag, undefined, attrs && attrs.class, attrs && Object.fromEntries(Object.entries(attrs).filter(([k]) => k !== 'class')));
  for (const c of children.flat()) { if (c !== null && c !== undefined && c !== false) { e.append(c instanceof Node ? c : document.createTextNode(String(c))); } }
  return e;
}

export function button(text, onClick, cls, attrs) {
  const b = el('button', text, cls, { type: 'button', ...(attrs || {}) });
  if (onClick) { b.addEventListener('click', onClick); }
  return b;
}

export function pct(x) { return x === null || x === undefined ? '–' : (x * 100).toFixed(1) + '%'; }
export function secs(x) { return x === null || x === undefined ? '–' : x.toFixed(1) + ' s'; }

export function addDays(iso, n) {
  const d = new Date(iso + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** "2h 14m" for a number of milliseconds. */
export function duration(ms) {
  if (ms <= 0) { return '0m'; }
  const m = Math.floor(ms / 60000);
  return (m >= 60 ? Math.floor(m / 60) + 'h ' : '') + (m % 60) + 'm';
}

export function table(headers, rows, attrs) {
  const t = h('table', attrs || {}, h('thead', {}, h('tr', {}, headers.map((x) => el('th', x, undefined, { scope: 'col' })))));
  const body = el('tbody');
  for (const r of rows) { body.append(r); }
  t.append(body);
  return t;
}

export function row(cells, attrs) {
  return h('tr', attrs || {}, cells.map((c) => (c instanceof Node && c.tagName === 'TD') ? c : h('td', {}, c ?? '')));
}

/**
 * Runs an async load into a container: a loading state while it runs, an error with a retry button when it fails.
 * The container is replaced by what render returns.
 */
export async function load(box, fetchData, render) {
  box.setAttribute('aria-busy', 'true');
  if (!box.firstChild) { box.append(el('p', 'Loading…', 'muted loading')); }
  try {
    const data = await fetchData();
    box.replaceChildren(...[].concat(render(data)).filter(Boolean));
    return data;
  } catch (e) {
    if (e instanceof Unauthorized) { throw e; }
    box.replaceChildren(el('p', 'Could not load: ' + e.message, 'error', { role: 'alert' }), button('Retry', () => load(box, fetchData, render), 'secondary'));
    return undefined;
  } finally {
    box.removeAttribute('aria-busy');
  }
}

export function debounce(fn, ms) {
  let t;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}
