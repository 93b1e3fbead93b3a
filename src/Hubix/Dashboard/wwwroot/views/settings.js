// Settings (admins): what this server runs with, as read-only figures (settings are configuration: appsettings, the
// environment or `hubix` commands, documented in the README), and the account's health.
import { el, h, table, row, load } from '../lib.js';

export async function render(ctx, root) {
  const status = el('div');
  const health = el('div');
  const config = el('div', '', 'table-box', { id: 'settings-config' });
  const onlyChanged = el('input', '', '', { type: 'checkbox', id: 'settings-changed' });
  const filter = el('input', '', '', { type: 'search', id: 'settings-filter', placeholder: 'Filter, e.g. Schedule', 'aria-label': 'Filter settings' });
  let settings = [];
  const drawConfig = () => {
    const q = filter.value.trim().toLowerCase();
    const shown = settings.filter((x) => (!onlyChanged.checked || x.changed) && (!q || x.key.toLowerCase().includes(q)));
    config.replaceChildren(table(['Setting', 'Value', ''], shown.map((x) => row([
      el('code', x.key), x.secret ? el('span', x.value, 'pill ' + (x.value === 'set' ? 'ok' : '')) : (x.value ?? '–'),
      x.changed ? el('span', 'changed', 'pill warn') : el('span', 'default', 'muted')], { 'data-key': x.key })), { id: 'settings' }));
  };
  onlyChanged.addEventListener('change', drawConfig);
  filter.addEventListener('input', drawConfig);
  root.append(h('section', { class: 'card' }, el('h2', 'This server'), status),
    h('section', { class: 'card' }, el('h2', 'Account health'), health),
    h('section', { class: 'card wide' }, el('h2', 'Configuration'),
      el('p', 'What this server runs with. Settings live in appsettings.json or the environment (Hubix__Section__Key) and take effect on restart; the README lists each. Secrets show only whether they are set. Users: the Users page or `hubix users`.', 'muted'),
      h('div', { class: 'toolbar' }, filter, h('label', {}, onlyChanged, ' only what differs from the defaults')), config));
  await Promise.allSettled([
    load(config, () => ctx.api('/api/settings'), (list) => { settings = list; drawConfig(); return [...config.childNodes]; }),
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
