// Hubix operators' dashboard. Plain ES module: fetch, WebSocket, SVG. Every piece of data is put on the
// page with textContent (never innerHTML). The session is an HttpOnly, SameSite=Strict cookie the page never sees;
// the live feed opens with a single-use ticket (browsers cannot set headers on a WebSocket, and no key goes in a URL).
const $ = (id) => document.getElementById(id);
const state = { zone: 'UTC', today: null, socket: null, retry: 0, convCursor: null, convSeq: 0, timelineCursor: null, auditCursor: null, timers: {}, me: null };
const RANK = { viewer: 0, operator: 1, admin: 2 };

function signedIn() { return state.me !== null; }
function can(role) { return signedIn() && RANK[state.me.role] >= RANK[role]; }

class Unauthorized extends Error {}

async function api(path, options = {}) {
  const headers = options.body ? { 'Content-Type': 'application/json' } : {};
  const res = await fetch(path, { ...options, headers, credentials: 'same-origin' });
  if (res.status === 401) { throw new Unauthorized('Not signed in.'); }
  const type = res.headers.get('content-type') || '';
  const body = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) { const e = new Error((body && body.detail) || (body && body.title) || res.statusText); e.status = res.status; throw e; }
  return body;
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) { e.textContent = String(text); }
  if (cls) { e.className = cls; }
  return e;
}

function fmtTime(iso) {
  if (!iso) { return ''; }
  try { return new Date(iso).toLocaleString('en-GB', { timeZone: state.zone, hour12: false }); } catch { return iso; }
}

function secs(x) { return x === null || x === undefined ? '–' : x.toFixed(1) + ' s'; }

function pct(x) { return x === null || x === undefined ? '–' : (x * 100).toFixed(1) + '%'; }

function debounce(name, fn, ms) {
  clearTimeout(state.timers[name]);
  state.timers[name] = setTimeout(fn, ms);
}

// ---------- sign in ----------
function showSignIn(message) {
  state.me = null;
  if (state.socket) { state.socket.onclose = null; state.socket.close(); state.socket = null; }
  $('app').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = message || '';
  $('signin-name').focus();
}

$('signin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const body = JSON.stringify({ name: $('signin-name').value.trim(), password: $('signin-password').value });
  $('signin-password').value = '';
  const res = await fetch('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, credentials: 'same-origin' });
  if (res.status === 429) { showSignIn('Too many failed attempts; wait a minute and try again.'); return; }
  if (!res.ok) { showSignIn('Name or password not accepted.'); return; }
  await start();
});

$('signout').addEventListener('click', async () => {
  await fetch('/api/session/signout', { method: 'POST', credentials: 'same-origin' }).catch(() => {});
  showSignIn('Signed out.');
});

async function start() {
  try {
    state.me = await api('/api/session');
    const status = await api('/api/dashboard/status');
    state.zone = status.timeZone;
    state.today = status.today;
  } catch (e) {
    showSignIn(e instanceof Unauthorized ? '' : 'Could not reach the server: ' + e.message);
    return;
  }
  $('signin').hidden = true;
  $('app').hidden = false;
  $('today').textContent = state.today + ' (' + state.zone + ')';
  $('whoami').textContent = state.me.name + ' · ' + state.me.role;
  $('audit-card').hidden = !can('admin');
  connect();
  await Promise.allSettled([loadToday(), loadChart(), loadFailures(), loadRun(), loadConversations(true), loadStatus(), loadHealth(),
    can('admin') ? loadAudit(true) : Promise.resolve()]);
}

// ---------- today's funnel ----------
function renderDay(day) {
  const t = day.templateTotals;
  const values = { sent: t.sent, delivered: t.delivered, read: t.read, tapped: day.taps, packs: day.packs.delivered };
  const max = Math.max(1, t.queued, t.sent);
  for (const [k, v] of Object.entries(values)) {
    $('funnel-' + k).textContent = String(v);
    $('bar-' + k).style.width = Math.min(100, (100 * v) / max).toFixed(1) + '%';
  }
  $('funnel-tapped-sub').textContent = day.uniqueTappers + ' advisors · tap rate ' + pct(day.tapRate);
  const p = day.packs;
  $('funnel-packs-sub').textContent = p.partial + ' partial · ' + p.failed + ' failed · ' + p.inProgress + ' in progress';
  const lat = day.tapToFirstContentAccepted;
  $('funnel-extra').textContent =
    'queued ' + t.queued + ' · failed ' + t.failed + ' · delivery success ' + pct(day.deliverySuccessRate) +
    ' · tap→first content p50 ' + secs(lat.medianSeconds) + ', p95 ' + secs(lat.p95Seconds) +
    ' · chats ' + day.chats + ' · agent answers ' + day.agentAnswers + ' · handoffs ' + day.handoffs +
    ' · opt-outs ' + day.optOuts + ' · opt-ins ' + day.optIns;
}

async function loadToday() {
  const m = await api('/api/webhook/metrics');
  renderDay(m.days[0]);
}

async function loadStatus() {
  const s = await api('/api/dashboard/status');
  const depth = Object.entries(s.outboxDepth).map(([k, v]) => k + ' ' + v).join(', ') || 'empty';
  $('ops').textContent = 'inbox lag ' + s.inboxLagSeconds.toFixed(1) + ' s · outbox: ' + depth;
}

// ---------- account health banner ----------
// Template paused/recategorised, quality drops, account updates (stored), plus this server's recent alerts
// (dispatcher paused, messaging-limit skips, backlog, dead letters) from the last 24 hours.
const BANNER_ALERTS = new Set(['dispatcher_paused', 'number_restricted', 'messaging_limit', 'inbox_backlog', 'dead_letters']);
async function loadHealth() {
  const r = await api('/api/account/health');
  const since = Date.now() - 24 * 3600 * 1000;
  const lines = r.health.banners.map((b) => ({ severity: b.severity, text: b.text }))
    .concat(r.alerts.filter((a) => BANNER_ALERTS.has(a.kind) && Date.parse(a.at) >= since).map((a) => ({ severity: a.severity, text: a.text })));
  const banner = $('health-banner');
  banner.replaceChildren(...lines.map((l) => el('p', l.text, l.severity)));
  banner.hidden = lines.length === 0;
}

// ---------- 14-day chart (SVG drawn here) ----------
function addDays(iso, n) {
  const d = new Date(iso + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

async function loadChart() {
  const m = await api('/api/webhook/metrics?from=' + addDays(state.today, -13) + '&to=' + state.today);
  const svg = $('chart');
  svg.replaceChildren();
  const ns = 'http://www.w3.org/2000/svg';
  const W = 560, H = 220, left = 34, bottom = 24, top = 10;
  const max = Math.max(1, ...m.days.map((d) => Math.max(d.templateTotals.sent, d.taps)));
  const slot = (W - left) / m.days.length;
  const y = (v) => H - bottom - ((H - bottom - top) * v) / max;
  const mk = (name, attrs, text) => {
    const e = document.createElementNS(ns, name);
    for (const [k, v] of Object.entries(attrs)) { e.setAttribute(k, String(v)); }
    if (text !== undefined) { e.textContent = String(text); }
    svg.appendChild(e);
    return e;
  };
  mk('line', { x1: left, y1: H - bottom, x2: W, y2: H - bottom, class: 'axis' });
  mk('text', { x: 2, y: top + 8 }, max);
  mk('text', { x: 2, y: H - bottom }, 0);
  m.days.forEach((d, i) => {
    const x = left + i * slot + 3;
    const bw = Math.max(2, (slot - 8) / 2);
    const sends = mk('rect', { x, y: y(d.templateTotals.sent), width: bw, height: H - bottom - y(d.templateTotals.sent), class: 'sends' });
    sends.appendChild(Object.assign(document.createElementNS(ns, 'title'), { textContent: d.date + ': ' + d.templateTotals.sent + ' sent' }));
    const taps = mk('rect', { x: x + bw, y: y(d.taps), width: bw, height: H - bottom - y(d.taps), class: 'taps' });
    taps.appendChild(Object.assign(document.createElementNS(ns, 'title'), { textContent: d.date + ': ' + d.taps + ' taps' }));
    if (i % 2 === 0) { mk('text', { x, y: H - 8 }, d.date.slice(5)); }
  });
}

// ---------- failures ----------
async function loadFailures() {
  const m = await api('/api/webhook/metrics?from=' + addDays(state.today, -6) + '&to=' + state.today);
  const body = $('failures').tBodies[0];
  body.replaceChildren();
  for (const f of m.failures) {
    const tr = el('tr');
    tr.append(el('td', f.code ?? '–'), el('td', f.count), el('td', f.title), el('td', f.meaning), el('td', f.action), el('td', f.purposes.join(', ')));
    body.appendChild(tr);
  }
  $('failures-empty').hidden = m.failures.length > 0;
}

// ---------- daily run ----------
async function loadRun() {
  const r = await api('/api/dashboard/daily-run');
  $('run-state').textContent = r.state === 'unknown'
    ? 'The scheduler has not reported on ' + r.date + ' (not wired in this build).'
    : r.date + ': ' + r.state + ' · planned ' + r.planned + ' · enqueued ' + r.enqueued +
      (r.startedAt ? ' · started ' + fmtTime(r.startedAt) : '') + (r.finishedAt ? ' · finished ' + fmtTime(r.finishedAt) : '');
  const ul = $('run-skipped');
  ul.replaceChildren(...r.skipped.map((s) => el('li', s.phone + ': ' + s.reason)));
}

// ---------- conversations ----------
async function loadConversations(reset) {
  if (reset) { state.convCursor = null; }
  const q = new URLSearchParams({ limit: '10' });
  if ($('conv-handoff').checked) { q.set('handoff', 'true'); }
  if (!$('conv-taps').checked) { q.set('kind', 'chat'); }
  if (!reset && state.convCursor) { q.set('cursor', state.convCursor); }
  // Live events start reloads while others are in flight; only the latest may draw, or a slow, older answer would
  // replace a newer one (e.g. hide a reply just sent).
  const seq = ++state.convSeq;
  const page = await api('/api/webhook/conversations?' + q);
  if (seq !== state.convSeq) { return; }
  const box = $('conversations');
  if (reset) { box.replaceChildren(); }
  for (const c of page.items) {
    const node = renderConversation(c);
    box.appendChild(node);
    const list = node.querySelector('.messages');
    list.scrollTop = list.scrollHeight; // newest at the bottom, in view
  }
  if (reset && page.items.length === 0) { box.appendChild(el('p', 'No conversations yet.', 'muted')); }
  state.convCursor = page.nextCursor;
  $('conv-more').hidden = !page.nextCursor;
}

function messageItem(m) {
  const li = el('li', m.text ?? '[' + m.kind + ']', m.direction);
  const meta = [fmtTime(m.at), m.direction === 'out' ? m.purpose : m.kind, m.state, m.intent ? 'intent ' + m.intent : null,
    m.latencyMs !== null && m.latencyMs !== undefined ? (m.latencyMs / 1000).toFixed(1) + ' s' : null,
    m.errorCode ? 'error ' + m.errorCode : null].filter(Boolean).join(' · ');
  li.appendChild(el('span', meta, 'meta'));
  if (m.sources && m.sources.length) { li.appendChild(el('span', 'sources: ' + m.sources.join(', '), 'meta')); }
  return li;
}

function renderConversation(c) {
  const node = $('conversation-template').content.firstElementChild.cloneNode(true);
  node.dataset.phone = c.phone;
  node.querySelector('.who').textContent = c.name || c.phone;
  node.querySelector('.phone').textContent = c.phone;
  node.querySelector('.handoff').hidden = !c.handoffOpen;
  const close = node.querySelector('.close-handoff');
  close.hidden = !c.handoffOpen;
  if (!can('operator')) { close.remove(); }
  close.addEventListener('click', async () => {
    await api('/api/conversations/' + encodeURIComponent(c.phone) + '/handoff/close', { method: 'POST' });
    await loadConversations(true);
  });
  const list = node.querySelector('.messages');
  for (const m of c.messages) { list.appendChild(messageItem(m)); }
  // A conversation comes with its newest messages; older ones are fetched a page at a time, on request.
  const older = node.querySelector('.older');
  let before = c.olderMessagesCursor;
  older.hidden = !before;
  older.addEventListener('click', async () => {
    const q = new URLSearchParams({ before, limit: '20' });
    const page = await api('/api/webhook/conversations/' + encodeURIComponent(c.phone) + '/messages?' + q);
    list.prepend(...page.items.map(messageItem));
    before = page.olderCursor;
    older.hidden = !before;
  });
  const form = node.querySelector('.reply');
  // A viewer reads only: no reply control at all (the API would answer 403 anyway).
  if (!can('operator')) { form.remove(); return node; }
  const text = form.querySelector('textarea');
  const button = form.querySelector('button');
  const reason = form.querySelector('.reason');
  if (!c.windowOpen) {
    text.disabled = true;
    button.disabled = true;
    reason.textContent = c.windowOpenUntil
      ? 'Window closed at ' + fmtTime(c.windowOpenUntil) + ': WhatsApp allows only templates until they write again.'
      : 'They have not written yet: WhatsApp allows only templates.';
  } else {
    reason.textContent = 'Window open until ' + fmtTime(c.windowOpenUntil);
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!text.value.trim()) { return; }
    button.disabled = true;
    try {
      const r = await api('/api/conversations/' + encodeURIComponent(c.phone) + '/reply', {
        method: 'POST', body: JSON.stringify({ text: text.value, idempotencyKey: crypto.randomUUID() }),
      });
      reason.textContent = 'Queued (outbox #' + r.outboxId + ').';
      text.value = '';
      debounce('conv', () => loadConversations(true), 400);
    } catch (err) {
      reason.textContent = 'Not sent: ' + err.message;
    } finally {
      button.disabled = false;
    }
  });
  return node;
}

$('conv-handoff').addEventListener('change', () => loadConversations(true));
$('conv-taps').addEventListener('change', () => loadConversations(true));
$('conv-more').addEventListener('click', () => loadConversations(false));

// ---------- advisor timeline ----------
// Newest first; each page is the entries before the oldest one shown (olderCursor), appended below.
async function loadTimeline(reset) {
  const phone = $('advisor-phone').value.replace(/[^0-9]/g, '');
  if (!phone) { return; }
  const q = new URLSearchParams({ limit: '200' });
  if (!reset && state.timelineCursor) { q.set('before', state.timelineCursor); }
  const t = await api('/api/advisors/' + encodeURIComponent(phone) + '/timeline?' + q);
  $('advisor-summary').textContent = t.known
    ? (t.name || t.phone) + ' · ' + t.status + ' · last message ' + (fmtTime(t.lastInboundAt) || 'never') + (t.handoffOpen ? ' · handoff open' : '')
    : 'No advisor with this phone; showing what the log has.';
  const body = $('timeline').tBodies[0];
  if (reset) { body.replaceChildren(); }
  for (const x of t.entries.slice().reverse()) {
    const tr = el('tr');
    tr.append(el('td', fmtTime(x.at)), el('td', x.kind), el('td', x.summary ?? ''), el('td', (x.state ?? '') + (x.errorCode ? ' (' + x.errorCode + ')' : '')));
    body.appendChild(tr);
  }
  state.timelineCursor = t.olderCursor;
  $('timeline-more').hidden = !t.olderCursor;
}

$('advisor-form').addEventListener('submit', (e) => {
  e.preventDefault();
  loadTimeline(true);
});
$('timeline-more').addEventListener('click', () => loadTimeline(false));

// ---------- audit trail (admins) ----------
async function loadAudit(reset) {
  if (reset) { state.auditCursor = null; }
  const q = new URLSearchParams({ limit: '50' });
  for (const f of ['actor', 'action', 'target']) {
    const v = $('audit-' + f).value.trim();
    if (v) { q.set(f, v); }
  }
  if (!reset && state.auditCursor) { q.set('cursor', state.auditCursor); }
  const page = await api('/api/audit?' + q);
  const body = $('audit').tBodies[0];
  if (reset) { body.replaceChildren(); }
  for (const a of page.items) {
    const tr = el('tr');
    tr.dataset.action = a.action;
    tr.append(el('td', fmtTime(a.at)), el('td', a.actor, 'actor'), el('td', a.action), el('td', a.target), el('td', a.detail ?? ''));
    body.appendChild(tr);
  }
  state.auditCursor = page.nextCursor;
  $('audit-more').hidden = !page.nextCursor;
}

$('audit-form').addEventListener('submit', (e) => { e.preventDefault(); loadAudit(true).catch(() => {}); });
$('audit-more').addEventListener('click', () => loadAudit(false).catch(() => {}));

// ---------- live feed ----------
async function connect() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  let ticket;
  try {
    ticket = (await api('/api/ws-ticket', { method: 'POST' })).ticket;
  } catch (e) {
    if (e instanceof Unauthorized) { showSignIn('Your session ended; sign in again.'); return; }
    setTimeout(() => { if (signedIn()) { connect(); } }, 2000);
    return;
  }
  if (!signedIn()) { return; }
  const ws = new WebSocket(scheme + '://' + location.host + '/ws?ticket=' + encodeURIComponent(ticket));
  state.socket = ws;
  const pill = $('live-state');
  ws.onopen = () => {
    // After a reconnect the events in between are gone (the server drops a client that falls behind): reload.
    if (state.retry > 0) { loadToday().catch(() => {}); loadConversations(true).catch(() => {}); }
    state.retry = 0; pill.textContent = 'live'; pill.className = 'pill ok';
  };
  ws.onclose = () => {
    pill.textContent = 'reconnecting…';
    pill.className = 'pill warn';
    state.retry = Math.min(state.retry + 1, 6);
    setTimeout(() => { if (signedIn()) { connect(); } }, 500 * 2 ** state.retry);
  };
  ws.onmessage = (msg) => {
    let e;
    try { e = JSON.parse(msg.data); } catch { return; }
    onEvent(e);
  };
}

function onEvent(e) {
  if (e.type === 'metrics') {
    if (e.data && e.data.today && e.data.today.date === state.today) { renderDay(e.data.today); }
    return;
  }
  const li = el('li');
  li.dataset.type = e.type;
  li.append(el('span', fmtTime(e.at), 'muted'), el('span', e.type, 'type ' + e.type), el('span', e.phone ?? ''), el('span', summarize(e)));
  const list = $('events');
  list.prepend(li);
  while (list.children.length > 200) { list.lastElementChild.remove(); }
  if (e.type === 'tap' || e.type === 'status' || e.type === 'failure' || e.type === 'pack' || e.type === 'delivery') {
    // The figures are counted from the raw rows up to a second after the event (ADR-005): read them after that.
    debounce('today', () => loadToday().catch(() => {}), 1500);
  }
  if (e.type === 'failure') { debounce('failures', () => loadFailures().catch(() => {}), 1000); }
  if (e.type === 'message' || e.type === 'operator_reply' || e.type === 'handoff' || e.type === 'agent' || e.type === 'tap') {
    debounce('conv', () => loadConversations(true).catch(() => {}), 500);
  }
  if (e.type === 'daily_run') { debounce('run', () => loadRun().catch(() => {}), 500); }
  if (e.type === 'account_health' || e.type === 'daily_run') { debounce('health', () => loadHealth().catch(() => {}), 500); }
  if (can('admin') && (e.type === 'operator_reply' || e.type === 'handoff')) { debounce('audit', () => loadAudit(true).catch(() => {}), 500); }
}

function summarize(e) {
  const d = e.data || {};
  switch (e.type) {
    case 'tap': return 'tapped ' + (d.payload ?? d.text ?? '');
    case 'message': return d.text ?? '[' + d.kind + ']';
    case 'status':
    case 'failure': return d.status + (d.errorCode ? ' ' + d.errorCode + ' ' + (d.error ?? '') : '');
    case 'operator_reply': return (d.by ?? 'operator') + ': ' + (d.text ?? '');
    case 'handoff': return d.open ? 'handoff opened' : 'handoff closed';
    default: return JSON.stringify(d).slice(0, 200);
  }
}

setInterval(() => { if (signedIn() && !$('app').hidden) { loadStatus().catch(() => {}); } }, 10000);
start();
