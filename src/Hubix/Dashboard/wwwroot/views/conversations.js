// Conversations as an inbox: the list (needs a reply / handed off / all) beside the open thread, with the reply window's
// remaining time, the agent's intent and sources on each answer, the reply box, "hand back to the assistant", and the
// advisor's details alongside. #/conversations/{phone} opens one thread. Live events reload what they touch.
import { el, h, button, duration, load, debounce } from '../lib.js';

const FILTERS = [['needs', 'Needs a reply'], ['handoff', 'Handed off'], ['all', 'All']];
const STATES = { needs: 'needs_reply', handoff: 'handed_off', all: 'all' };
const LIVE_TYPES = new Set(['message', 'operator_reply', 'handoff', 'agent', 'tap', 'status', 'delivery']);

export async function render(ctx, root, params) {
  const s = { filter: 'needs', phone: params[0] || null, cursor: null, listSeq: 0, threadSeq: 0, timer: null };
  const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Which conversations' });
  const list = el('ul', '', 'inbox-list', { id: 'inbox-list' });
  const more = button('Older conversations', () => loadList(false), 'link', { hidden: true, id: 'inbox-more' });
  const thread = el('section', '', 'thread', { id: 'thread', 'aria-label': 'Conversation' });
  const side = el('aside', '', 'advisor-side', { id: 'advisor-side', 'aria-label': 'Advisor' });
  const inbox = h('div', { class: 'inbox' }, h('section', { class: 'inbox-left', 'aria-label': 'Conversations' }, el('h2', 'Conversations'), tabs, list, more), thread, side);
  root.append(inbox);
  root.classList.add('wide-view');

  const counts = {};
  for (const [key, label] of FILTERS) {
    counts[key] = el('span', '', 'count', { 'data-count': key });
    const b = button(label, () => { s.filter = key; markTabs(); loadList(true); }, 'tab', { role: 'tab', 'data-filter': key });
    b.append(counts[key]);
    tabs.append(b);
  }
  // The two waiting tabs show how many they hold (index range counts on the server).
  async function loadCounts() {
    try {
      const c = await ctx.api('/api/webhook/conversations/counts');
      counts.needs.textContent = ' ' + c.needsReply;
      counts.handoff.textContent = ' ' + c.handedOff;
    } catch { /* the list shows the error */ }
  }
  function markTabs() { for (const b of tabs.children) { b.setAttribute('aria-selected', String(b.dataset.filter === s.filter)); } }
  markTabs();

  // ---------- the list ----------
  async function loadList(reset) {
    if (reset) { s.cursor = null; }
    // The server decides what needs a reply (ADR-012): the advisor wrote and nothing answered since.
    const q = new URLSearchParams({ limit: '30', messages: '1', state: STATES[s.filter] });
    if (s.filter === 'all') { q.set('kind', 'chat'); }
    if (!reset && s.cursor) { q.set('cursor', s.cursor); }
    // Only the newest request may draw: live events start reloads while others are in flight.
    const seq = ++s.listSeq;
    let page;
    try {
      page = await ctx.api('/api/webhook/conversations?' + q);
    } catch (e) {
      if (seq === s.listSeq) { list.replaceChildren(el('li', 'Could not load: ' + e.message, 'error')); }
      return;
    }
    if (seq !== s.listSeq) { return; }
    if (reset) { list.replaceChildren(); }
    for (const c of page.items) { list.append(listItem(c)); }
    if (reset && list.children.length === 0) { list.append(el('li', s.filter === 'needs' ? 'Nobody is waiting for a reply.' : 'No conversations yet.', 'muted empty')); }
    s.cursor = page.nextCursor;
    more.hidden = !page.nextCursor;
  }

  function listItem(c) {
    const last = c.messages[c.messages.length - 1];
    const a = h('a', { href: '#/conversations/' + encodeURIComponent(c.phone), class: 'inbox-item', 'data-phone': c.phone, 'aria-current': c.phone === s.phone ? 'true' : null },
      h('span', { class: 'who' }, el('strong', c.name || c.phone), c.handoffOpen ? el('span', 'handoff', 'pill warn') : null,
        c.needsReply ? el('span', 'needs a reply', 'pill needs') : null),
      el('span', ctx.fmtShort(c.lastAt), 'muted when'),
      el('span', last ? (last.direction === 'out' ? '↩ ' : '') + (last.text ?? '[' + last.kind + ']') : '', 'snippet'));
    return h('li', {}, a);
  }

  // ---------- the thread ----------
  async function loadThread() {
    clearInterval(s.timer);
    inbox.classList.toggle('has-thread', !!s.phone);
    for (const a of list.querySelectorAll('.inbox-item')) { a.toggleAttribute('aria-current', a.dataset.phone === s.phone); }
    if (!s.phone) {
      view = null;
      thread.replaceChildren(el('p', 'Choose a conversation.', 'muted'));
      side.replaceChildren();
      return;
    }
    const seq = ++s.threadSeq;
    const phone = s.phone;
    if (!view || view.phone !== phone) { view = null; thread.replaceChildren(el('p', 'Loading…', 'muted loading')); }
    let page;
    try {
      page = await ctx.api('/api/webhook/conversations?' + new URLSearchParams({ phone, messages: '50' }));
    } catch (e) {
      if (seq === s.threadSeq) { thread.replaceChildren(el('p', 'Could not load: ' + e.message, 'error', { role: 'alert' }), button('Retry', loadThread, 'secondary')); }
      return;
    }
    if (seq !== s.threadSeq) { return; }
    const c = page.items[0];
    thread.dataset.phone = phone;
    if (!c) {
      view = null;
      thread.replaceChildren(el('h2', phone), el('p', 'No messages with this advisor yet.', 'muted'));
    } else {
      drawThread(c);
    }
    // The advisor's details change rarely: read them when another conversation opens, or after a handoff or consent change.
    if (side.dataset.phone !== phone || s.sideStale) { side.dataset.phone = phone; s.sideStale = false; loadSide(phone); }
  }

  // The thread is built once per conversation and then updated in place (messages, header, window, hand-back), so a
  // live update never takes the reply box, its draft or its focus away from the operator.
  let view = null;
  function drawThread(c) {
    if (!view || view.phone !== c.phone) { view = buildThread(c.phone); }
    view.c = c;
    view.title.textContent = c.name || c.phone;
    view.mode.textContent = c.handoffOpen ? 'handed off to a person' : 'the assistant answers';
    view.mode.className = 'pill ' + (c.handoffOpen ? 'warn handoff' : '');
    view.tick();
    clearInterval(s.timer);
    s.timer = setInterval(view.tick, 30000);
    view.messages.replaceChildren(...c.messages.map(messageItem));
    view.before = c.olderMessagesCursor;
    view.older.hidden = !view.before;
    if (view.handBack) { view.handBack.hidden = !c.handoffOpen; view.handBack.disabled = false; }
    if (view.text) {
      view.text.disabled = !c.windowOpen;
      view.send.disabled = !c.windowOpen;
    }
    view.messages.scrollTop = view.messages.scrollHeight;
  }

  function buildThread(phone) {
    const v = { phone, c: null, before: null };
    v.title = el('h2', phone);
    v.mode = el('span', '', 'pill');
    v.window = el('p', '', 'window', { id: 'window-left' });
    v.messages = el('ol', '', 'messages');
    v.tick = () => {
      const c = v.c;
      const left = c.windowOpenUntil ? Date.parse(c.windowOpenUntil) - ctx.now() : -1;
      v.window.textContent = left > 0 ? 'Reply window: ' + duration(left) + ' left (until ' + ctx.fmtTime(c.windowOpenUntil) + ')'
        : c.windowOpenUntil ? 'Window closed at ' + ctx.fmtTime(c.windowOpenUntil) + ': WhatsApp allows only templates until they write again.'
          : 'They have not written yet: WhatsApp allows only templates.';
      v.window.className = 'window ' + (left > 0 ? (left < 3600e3 ? 'warn' : 'ok') : 'bad');
    };
    v.older = button('Older messages', async () => {
      const page = await ctx.api('/api/webhook/conversations/' + encodeURIComponent(phone) + '/messages?' + new URLSearchParams({ before: v.before, limit: '30' }));
      v.messages.prepend(...page.items.map(messageItem));
      v.before = page.olderCursor;
      v.older.hidden = !v.before;
    }, 'link older', { hidden: true });
    const parts = [h('header', { class: 'thread-head' }, h('a', { href: '#/conversations', class: 'back-to-list' }, '← All'), v.title, el('span', phone, 'muted'), v.mode), v.window, v.older, v.messages];
    if (ctx.can('operator')) {
      const status = el('span', '', 'muted reason', { role: 'status' });
      v.handBack = button('Hand back to the assistant', async () => {
        v.handBack.disabled = true;
        try {
          await ctx.api('/api/conversations/' + encodeURIComponent(phone) + '/handoff/close', { method: 'POST' });
          await loadThread();
          loadList(true);
        } catch (err) { v.handBack.disabled = false; status.textContent = err.message; }
      }, 'secondary close-handoff', { hidden: true });
      v.text = el('textarea', '', '', { rows: '3', maxlength: '4096', placeholder: 'Reply as ' + ctx.me.name, 'aria-label': 'Reply', id: 'reply-text' });
      v.send = el('button', 'Send', '', { type: 'submit' });
      const form = h('form', { class: 'reply', id: 'reply-form' }, v.text, v.send, status);
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        if (!v.text.value.trim()) { return; }
        v.send.disabled = true;
        try {
          const r = await ctx.api('/api/conversations/' + encodeURIComponent(phone) + '/reply', {
            method: 'POST', body: JSON.stringify({ text: v.text.value, idempotencyKey: crypto.randomUUID() }),
          });
          status.textContent = 'Queued (outbox #' + r.outboxId + ').';
          v.text.value = '';
          reloadThread();
        } catch (err) {
          status.textContent = 'Not sent: ' + err.message;
        } finally {
          v.send.disabled = !(v.c && v.c.windowOpen);
        }
      });
      // Ctrl/Cmd+Enter sends, as in the chat apps operators know.
      v.text.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { form.requestSubmit(); } });
      parts.push(v.handBack, form);
    }
    thread.replaceChildren(...parts);
    return v;
  }

  function messageItem(m) {
    const li = el('li', m.text ?? '[' + m.kind + ']', m.direction);
    if (m.outboxId) { li.dataset.outbox = m.outboxId; }
    const meta = [ctx.fmtShort(m.at), m.direction === 'out' ? m.purpose : m.kind, m.state,
      m.latencyMs !== null && m.latencyMs !== undefined ? (m.latencyMs / 1000).toFixed(1) + ' s' : null,
      m.errorCode ? 'error ' + m.errorCode : null].filter(Boolean).join(' · ');
    li.append(el('span', meta, 'meta'));
    if (m.intent) { li.append(el('span', 'intent: ' + m.intent, 'meta intent')); }
    if (m.sources && m.sources.length) { li.append(el('span', 'sources: ' + m.sources.join(', '), 'meta sources')); }
    return li;
  }

  function loadSide(phone) {
    return load(side, () => ctx.api('/api/advisors/' + encodeURIComponent(phone)).catch((e) => (e.status === 404 ? null : Promise.reject(e))), (a) => a === null
      ? [el('h3', 'Not an advisor'), el('p', phone, 'muted')]
      : [el('h3', a.name || a.phone), h('dl', { class: 'facts' },
        el('dt', 'Phone'), el('dd', a.phone), el('dt', 'Status'), el('dd', a.status, a.status === 'opted_out' ? 'bad' : ''),
        el('dt', 'Language'), el('dd', a.language), el('dt', 'Categories'), el('dd', a.categories.join(', ') || '–'),
        el('dt', 'Time zone'), el('dd', a.timeZone), el('dt', 'Last message'), el('dd', ctx.fmtTime(a.lastInboundAt) || 'never')),
      h('a', { href: '#/advisors/' + encodeURIComponent(a.phone) }, 'Advisor page and timeline →')]);
  }

  const reloadList = debounce(() => { loadList(true); loadCounts(); }, 400);
  const reloadThread = debounce(() => loadThread(), 300);
  await Promise.all([loadList(true), loadThread(), loadCounts()]);

  return {
    update(p) { s.phone = p[0] || null; loadThread(); },
    onEvent(e) {
      if (e.type === 'reconnected') { reloadList(); reloadThread(); return; }
      if (!LIVE_TYPES.has(e.type)) { return; }
      if (e.type !== 'status' && e.type !== 'delivery') { reloadList(); }
      if (s.phone && e.phone === s.phone) { if (e.type === 'handoff' || e.type === 'consent') { s.sideStale = true; } reloadThread(); }
    },
    dispose() { clearInterval(s.timer); },
  };
}
