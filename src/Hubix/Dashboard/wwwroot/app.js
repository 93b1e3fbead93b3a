// Hubix operators' web app: the shell. A hash router loads one view module (views/*.js) at a time and gives it a ctx:
// the api wrapper, the signed-in user and role, the server's clock and time zone, and the live feed, which the shell
// passes to the current view so it updates in place. The session is an HttpOnly, SameSite=Strict cookie the page never
// sees; the live feed opens with a single-use ticket (no key in a URL). All data goes on the page as text.
import { api, el, Unauthorized, debounce } from './lib.js';

const $ = (id) => document.getElementById(id);
const RANK = { viewer: 0, operator: 1, admin: 2 };

// The views, by the first segment of the hash. `role` is the least role that sees it (the API checks again).
const VIEWS = {
  overview: { module: './views/overview.js', role: 'viewer' },
  conversations: { module: './views/conversations.js', role: 'viewer' },
  advisors: { module: './views/advisors.js', role: 'viewer' },
  content: { module: './views/content.js', role: 'viewer' },
  deliveries: { module: './views/deliveries.js', role: 'viewer' },
  users: { module: './views/users.js', role: 'admin' },
  audit: { module: './views/audit.js', role: 'admin' },
  settings: { module: './views/settings.js', role: 'admin' },
};

const state = { me: null, socket: null, retry: 0, current: null, route: null, events: [], listeners: new Set(), seq: 0 };

const ctx = {
  api,
  zone: 'UTC',
  today: null,
  clockOffset: 0,
  get me() { return state.me; },
  can(role) { return state.me !== null && RANK[state.me.role] >= RANK[role]; },
  /** The server's now (the test host and a demo may run on another clock than the browser). */
  now() { return Date.now() + ctx.clockOffset; },
  fmtTime(iso) {
    if (!iso) { return ''; }
    try { return new Date(iso).toLocaleString('en-GB', { timeZone: ctx.zone, hour12: false }); } catch { return iso; }
  },
  fmtShort(iso) {
    if (!iso) { return ''; }
    try { return new Date(iso).toLocaleString('en-GB', { timeZone: ctx.zone, hour12: false, day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }); } catch { return iso; }
  },
  navigate(hash) { if (location.hash !== hash) { location.hash = hash; } else { route(); } },
  /** The newest live events (newest first), kept across views. */
  get events() { return state.events; },
  onAuthLost() { showSignIn('Your session ended; sign in again.'); },
};

// ---------- sign in ----------
function showSignIn(message) {
  state.me = null;
  if (state.socket) { state.socket.onclose = null; state.socket.close(); state.socket = null; }
  disposeView();
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

$('nav-toggle').addEventListener('click', () => {
  const open = !$('nav').classList.contains('open');
  $('nav').classList.toggle('open', open);
  $('nav-toggle').setAttribute('aria-expanded', String(open));
});

async function start() {
  try {
    state.me = await api('/api/session');
    await loadStatus();
  } catch (e) {
    showSignIn(e instanceof Unauthorized ? '' : 'Could not reach the server: ' + e.message);
    return;
  }
  $('signin').hidden = true;
  $('app').hidden = false;
  $('today').textContent = ctx.today + ' (' + ctx.zone + ')';
  $('whoami').textContent = state.me.name + ' · ' + state.me.role;
  for (const a of document.querySelectorAll('#nav a[data-role]')) { a.hidden = !ctx.can(a.dataset.role); }
  connect();
  loadHealth().catch(() => {});
  await route();
}

async function loadStatus() {
  const s = await api('/api/dashboard/status');
  ctx.zone = s.timeZone;
  ctx.today = s.today;
  ctx.clockOffset = Date.parse(s.now) - Date.now();
  ctx.status = s;
  const depth = Object.entries(s.outboxDepth).map(([k, v]) => k + ' ' + v).join(', ') || 'empty';
  $('ops').textContent = 'inbox lag ' + s.inboxLagSeconds.toFixed(1) + ' s · outbox: ' + depth;
}

// ---------- router ----------
function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const parts = raw.split('/').filter(Boolean).map((p) => { try { return decodeURIComponent(p); } catch { return p; } });
  const name = parts[0] && VIEWS[parts[0]] ? parts[0] : 'overview';
  return { name, params: parts.slice(1), hash: '#/' + raw };
}

function disposeView() {
  if (state.current && state.current.dispose) { try { state.current.dispose(); } catch { /* a view's cleanup must not stop the next one */ } }
  state.current = null;
}

async function route() {
  if (!state.me) { return; }
  const r = parseHash();
  const view = VIEWS[r.name];
  // Same view, other parameters (another conversation, another advisor): let the view update itself when it can.
  if (state.route && state.route.name === r.name && state.current && state.current.update) {
    state.route = r;
    state.current.update(r.params);
    markNav(r.name);
    return;
  }
  disposeView();
  state.route = r;
  markNav(r.name);
  $('nav').classList.remove('open');
  $('nav-toggle').setAttribute('aria-expanded', 'false');
  const root = $('view');
  root.dataset.view = r.name;
  root.className = 'view'; // a view's layout classes (grid, wide-view) are its own
  if (!ctx.can(view.role)) {
    root.replaceChildren(el('h2', 'Not available'), el('p', 'This page is for the ' + view.role + ' role; you are signed in as ' + state.me.role + '.', 'error', { role: 'alert' }));
    return;
  }
  root.replaceChildren(el('p', 'Loading…', 'muted loading'));
  const seq = ++state.seq;
  try {
    const mod = await import(view.module);
    if (seq !== state.seq) { return; }
    root.replaceChildren();
    state.current = (await mod.render(ctx, root, r.params)) || {};
  } catch (e) {
    if (e instanceof Unauthorized) { ctx.onAuthLost(); return; }
    if (seq === state.seq) { root.replaceChildren(el('p', 'Could not open this page: ' + e.message, 'error', { role: 'alert' })); }
  }
}

function markNav(name) {
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.view === name) { a.setAttribute('aria-current', 'page'); } else { a.removeAttribute('aria-current'); }
  }
}

window.addEventListener('hashchange', () => { route(); });

// ---------- account health banner ----------
// Template paused/recategorised, quality drops, account updates (stored), plus this server's recent alerts
// (dispatcher paused, messaging-limit skips, backlog, dead letters) from the last 24 hours.
const BANNER_ALERTS = new Set(['dispatcher_paused', 'number_restricted', 'messaging_limit', 'inbox_backlog', 'dead_letters']);
async function loadHealth() {
  const r = await api('/api/account/health');
  const since = ctx.now() - 24 * 3600 * 1000;
  const lines = r.health.banners.map((b) => ({ severity: b.severity, text: b.text }))
    .concat(r.alerts.filter((a) => BANNER_ALERTS.has(a.kind) && Date.parse(a.at) >= since).map((a) => ({ severity: a.severity, text: a.text })));
  const banner = $('health-banner');
  banner.replaceChildren(...lines.map((l) => el('p', l.text, l.severity)));
  banner.hidden = lines.length === 0;
}
const reloadHealth = debounce(() => loadHealth().catch(() => {}), 500);

// ---------- live feed ----------
async function connect() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  let ticket;
  try {
    ticket = (await api('/api/ws-ticket', { method: 'POST' })).ticket;
  } catch (e) {
    if (e instanceof Unauthorized) { showSignIn('Your session ended; sign in again.'); return; }
    setTimeout(() => { if (state.me) { connect(); } }, 2000);
    return;
  }
  if (!state.me) { return; }
  const ws = new WebSocket(scheme + '://' + location.host + '/ws?ticket=' + encodeURIComponent(ticket));
  state.socket = ws;
  const pill = $('live-state');
  ws.onopen = () => {
    // After a reconnect the events in between are gone (the server drops a client that falls behind): the view reloads.
    if (state.retry > 0 && state.current && state.current.onEvent) { state.current.onEvent({ type: 'reconnected' }); }
    state.retry = 0; pill.textContent = 'live'; pill.className = 'pill ok';
  };
  ws.onclose = () => {
    pill.textContent = 'reconnecting…';
    pill.className = 'pill warn';
    state.retry = Math.min(state.retry + 1, 6);
    setTimeout(() => { if (state.me) { connect(); } }, 500 * 2 ** state.retry);
  };
  ws.onmessage = (msg) => {
    let e;
    try { e = JSON.parse(msg.data); } catch { return; }
    if (e.type !== 'metrics') {
      state.events.unshift(e);
      if (state.events.length > 200) { state.events.length = 200; }
    }
    if (e.type === 'account_health' || e.type === 'daily_run') { reloadHealth(); }
    if (state.current && state.current.onEvent) {
      try { state.current.onEvent(e); } catch (err) { console.error(err); }
    }
  };
}

setInterval(() => { if (state.me && !$('app').hidden) { loadStatus().catch(() => {}); } }, 10000);
start();
