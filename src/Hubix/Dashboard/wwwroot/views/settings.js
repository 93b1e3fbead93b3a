// Settings (admins): what this server runs with, as read-only figures (settings are configuration: appsettings, the
// environment or `hubix` commands, documented in the README), and the account's health.
import { el, h, table, row, load } from '../lib.js';

export async function render(ctx, root) {
  const status = el('div');
  const health = el('div');
  root.append(h('section', { class: 'card' }, el('h2', 'This server'), status),
    h('section', { class: 'card' }, el('h2', 'Account health'), health),
    h('section', { class: 'card' }, el('h2', 'Changing settings'), el('p', 'Settings live in appsettings.json or the environment (Hubix__Section__Key) and take effect on restart; the README lists each. Users: the Users page or `hubix users`.', 'muted')));
  await Promise.allSettled([
    load(status, () => ctx.api('/api/dashboard/status'), (s) => h('dl', { class: 'facts', id: 'server-status' },
      ...[['Time zone', s.timeZone], ['Today', s.today], ['Leading (sends)', s.leading ? 'yes' : 'no'], ['Webhooks accepted', s.webhookAccepted],
        ['Inbox pending', s.inboxPending], ['Inbox lag', s.inboxLagSeconds.toFixed(1) + ' s'], ['Live clients', s.liveClients],
        ['Outbox', Object.entries(s.outboxDepth).map(([k, v]) => k + ' ' + v).join(', ') || 'empty']].flatMap(([k, v]) => [el('dt', k), el('dd', v)]))),
    load(health, () => ctx.api('/api/account/health'), (r) => [
      r.health.banners.length ? table(['Severity', 'What'], r.health.banners.map((b) => row([b.severity, b.text]))) : el('p', 'No warnings from Meta.', 'ok'),
      el('h3', 'Recent alerts'),
      r.alerts.length ? table(['When', 'Kind', 'What'], r.alerts.slice(0, 50).map((a) => row([ctx.fmtTime(a.at), a.kind, a.text]))) : el('p', 'None.', 'muted')]),
  ]);
  return {};
}
