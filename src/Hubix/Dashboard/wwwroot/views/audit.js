// Audit trail (admins): who changed what, filtered by actor, action and target, newest first.
import { el, h, button, row } from '../lib.js';

export async function render(ctx, root) {
  let cursor = null;
  const f = (id, ph) => el('input', '', '', { id: 'audit-' + id, placeholder: ph, 'aria-label': id });
  const form = h('form', { class: 'toolbar', id: 'audit-form' }, f('actor', 'actor'), f('action', 'action, e.g. conversation.reply'), f('target', 'target, e.g. a phone or pack:12'),
    el('button', 'Filter', '', { type: 'submit' }));
  const tbody = el('tbody');
  const more = button('Older entries', () => loadAudit(false), 'link', { hidden: true, id: 'audit-more' });
  const error = el('p', '', 'error', { role: 'alert' });
  root.append(h('section', { class: 'card' }, el('h2', 'Audit trail'), form, error,
    h('table', { id: 'audit' }, h('thead', {}, h('tr', {}, ['When', 'Who', 'Action', 'Target', 'Detail'].map((x) => el('th', x)))), tbody), more));
  async function loadAudit(reset) {
    if (reset) { cursor = null; }
    const q = new URLSearchParams({ limit: '50' });
    for (const k of ['actor', 'action', 'target']) { const v = form.querySelector('#audit-' + k).value.trim(); if (v) { q.set(k, v); } }
    if (!reset && cursor) { q.set('cursor', cursor); }
    try {
      const page = await ctx.api('/api/audit?' + q);
      error.textContent = '';
      if (reset) { tbody.replaceChildren(); }
      for (const a of page.items) {
        const tr = row([ctx.fmtTime(a.at), el('td', a.actor, 'actor'), a.action, a.target, a.detail ?? ''], { 'data-action': a.action });
        tbody.append(tr);
      }
      cursor = page.nextCursor;
      more.hidden = !cursor;
    } catch (e) { error.textContent = 'Could not load: ' + e.message; }
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); loadAudit(true); });
  await loadAudit(true);
  let t;
  return { onEvent(e) { if (['operator_reply', 'handoff', 'consent', 'reconnected'].includes(e.type)) { clearTimeout(t); t = setTimeout(() => loadAudit(true), 500); } } };
}
