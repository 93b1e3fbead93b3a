// Deliveries: today's run (planned, queued, sent, delivered, read, failed by code with what to do), per-pack progress
// from the unlocks (each advisor's pack after their tap), and resending a failed or partial pack (operators).
import { el, h, button, table, row, load, debounce } from '../lib.js';

export async function render(ctx, root) {
  root.classList.add('grid');
  const day = ctx.today;
  const run = el('div', '', '', { id: 'run' });
  const funnel = el('div', '', '', { id: 'delivery-funnel' });
  const failures = el('div');
  const packs = el('div', '', '', { id: 'packs-progress' });
  root.append(
    h('section', { class: 'card' }, el('h2', "Today's run (" + day + ')'), run),
    h('section', { class: 'card' }, el('h2', 'Templates'), funnel),
    h('section', { class: 'card wide' }, el('h2', 'Failed, by code'), failures),
    h('section', { class: 'card wide' }, el('h2', 'Packs after taps (newest first)'), packs));

  const loadRun = () => load(run, () => ctx.api('/api/dashboard/daily-run'), (r) => [
    el('p', r.state + ' · planned ' + r.planned + ' · enqueued ' + r.enqueued + (r.finishedAt ? ' · finished ' + ctx.fmtTime(r.finishedAt) : ''), '', { id: 'run-state' }),
    r.skipped.length ? table(['Advisor', 'Skipped because'], r.skipped.slice(0, 100).map((x) => row([h('a', { href: '#/advisors/' + x.phone }, x.phone), x.reason]))) : el('p', 'Nothing skipped.', 'muted')]);

  const loadMetrics = () => load(funnel, () => ctx.api('/api/webhook/metrics?from=' + day + '&to=' + day), (m) => {
    const t = m.days[0].templateTotals;
    const p = m.days[0].packs;
    failures.replaceChildren(m.failures.length === 0 ? el('p', 'No failures today.', 'muted')
      : table(['Code', 'Count', 'What it is', 'What to do', 'Messages'], m.failures.map((f) => row([f.code ?? '–', f.count, f.title, f.action, f.purposes.join(', ')], { 'data-code': f.code })), { id: 'failures' }));
    return h('dl', { class: 'facts counts' }, ...[['Queued', t.queued], ['Sent', t.sent], ['Delivered', t.delivered], ['Read', t.read], ['Failed', t.failed],
      ['Packs delivered', p.delivered], ['Packs partial', p.partial], ['Packs failed', p.failed], ['Packs in progress', p.inProgress]]
      .flatMap(([k, v]) => [el('dt', k), el('dd', v, '', { 'data-count': k.toLowerCase().replace(/ /g, '-') })]));
  });

  const loadPacks = () => load(packs, () => ctx.api('/api/unlocks?limit=100'), (rows) => rows.length === 0 ? el('p', 'No taps yet.', 'muted')
    : table(['Advisor', 'Tapped', 'Scope', 'Items', 'State', 'Why', ''], rows.map((u) => row([
      h('a', { href: '#/advisors/' + u.phone }, u.phone), ctx.fmtShort(u.tappedAt), u.scope, u.itemCount - u.skippedItems + '/' + u.itemCount,
      el('span', u.state, 'pill ' + (u.state === 'delivered' ? 'ok' : u.state === 'delivering' ? '' : 'bad')), u.failureReason ?? '',
      ctx.can('operator') && (u.state === 'failed' || u.state === 'partial') ? button('Resend', async (e) => {
        e.target.disabled = true;
        try { await ctx.api('/api/unlocks/' + u.id + '/resend', { method: 'POST' }); e.target.textContent = 'Resent'; } catch (err) { e.target.textContent = err.message; }
      }, 'secondary resend') : ''], { 'data-unlock': u.id, 'data-phone': u.phone })), { id: 'unlocks' }));

  await Promise.allSettled([loadRun(), loadMetrics(), loadPacks()]);
  const m = debounce(loadMetrics, 1500), p = debounce(loadPacks, 800), r = debounce(loadRun, 500);
  return {
    onEvent(e) {
      if (e.type === 'reconnected') { m(); p(); r(); return; }
      if (['status', 'failure', 'delivery', 'pack', 'tap'].includes(e.type)) { m(); }
      if (['tap', 'pack', 'delivery', 'status'].includes(e.type)) { p(); }
      if (e.type === 'daily_run') { r(); }
    },
  };
}
