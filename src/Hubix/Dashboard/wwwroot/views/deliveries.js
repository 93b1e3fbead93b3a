// Deliveries: today's run (planned, queued, sent, delivered, read, failed by code with what to do), per-pack progress
// from the unlocks (each advisor's pack after their tap: items sent and delivered of all), and resending a failed or
// partial pack (operators). Everything updates in place from the live feed: the run when it starts or finishes, the
// counts as statuses arrive, each pack as its items go out.
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
    h('p', { id: 'run-state', 'data-state': r.state },
      el('span', r.state.replace('_', ' '), 'pill ' + (r.state === 'done' ? 'ok' : r.state === 'failed' ? 'bad' : ''), { id: 'run-state-pill' }),
      ' planned ', el('strong', r.planned, '', { id: 'run-planned' }), ' · enqueued ', el('strong', r.enqueued, '', { id: 'run-enqueued' }),
      r.finishedAt ? ' · finished ' + ctx.fmtTime(r.finishedAt) : ''),
    r.skipped.length ? table(['Advisor', 'Skipped because'], r.skipped.slice(0, 100).map((x) => row([h('a', { href: '#/advisors/' + x.phone }, x.phone), x.reason]))) : el('p', 'Nothing skipped.', 'muted')]);

  // The counts are updated in place (the same elements, new numbers), from a read or from the live 'metrics' snapshot.
  const counts = {};
  const LABELS = [['Queued', 'queued'], ['Sent', 'sent'], ['Delivered', 'delivered'], ['Read', 'read'], ['Failed', 'failed'],
    ['Packs delivered', 'packs-delivered'], ['Packs partial', 'packs-partial'], ['Packs failed', 'packs-failed'], ['Packs in progress', 'packs-in-progress']];
  funnel.replaceChildren(h('dl', { class: 'facts counts' }, ...LABELS.flatMap(([k, key]) => [el('dt', k), counts[key] = el('dd', '–', '', { 'data-count': key })])));
  function drawDay(d) {
    const t = d.templateTotals;
    const p = d.packs;
    const v = { queued: t.queued, sent: t.sent, delivered: t.delivered, read: t.read, failed: t.failed,
      'packs-delivered': p.delivered, 'packs-partial': p.partial, 'packs-failed': p.failed, 'packs-in-progress': p.inProgress };
    for (const [key, n] of Object.entries(v)) {
      const text = String(n);
      if (counts[key].textContent !== text) { counts[key].textContent = text; counts[key].classList.add('changed'); setTimeout(() => counts[key].classList.remove('changed'), 1200); }
    }
  }
  const loadMetrics = async () => {
    try {
      const m = await ctx.api('/api/webhook/metrics?from=' + day + '&to=' + day);
      drawDay(m.days[0]);
      failures.replaceChildren(m.failures.length === 0 ? el('p', 'No failures today.', 'muted')
        : table(['Code', 'Count', 'What it is', 'What to do', 'Messages'], m.failures.map((f) => row([f.code ?? '–', f.count, f.title, f.action, f.purposes.join(', ')], { 'data-code': f.code })), { id: 'failures' }));
    } catch (e) { failures.replaceChildren(el('p', 'Could not load: ' + e.message, 'error', { role: 'alert' })); }
  };

  const loadPacks = () => load(packs, () => ctx.api('/api/unlocks?limit=100'), (rows) => rows.length === 0 ? el('p', 'No taps yet.', 'muted')
    : table(['Advisor', 'Tapped', 'Scope', 'Items sent', 'Delivered', 'State', 'Why', ''], rows.map((u) => row([
      h('a', { href: '#/advisors/' + u.phone }, u.phone), ctx.fmtShort(u.tappedAt), u.scope,
      progress(u.itemsAccepted, u.itemCount - u.skippedItems, 'sent'), progress(u.itemsDelivered, u.itemCount - u.skippedItems, 'delivered'),
      el('span', u.state, 'pill ' + (u.state === 'delivered' ? 'ok' : u.state === 'delivering' ? '' : 'bad'), { 'data-state': u.state }),
      (u.failureReason ?? '') + (u.skippedItems ? ' (' + u.skippedItems + ' not uploaded)' : ''),
      ctx.can('operator') && (u.state === 'failed' || u.state === 'partial') ? button('Resend', async (e) => {
        e.target.disabled = true;
        try { await ctx.api('/api/unlocks/' + u.id + '/resend', { method: 'POST' }); e.target.textContent = 'Resent'; } catch (err) { e.target.textContent = err.message; }
      }, 'secondary resend') : ''], { 'data-unlock': u.id, 'data-phone': u.phone })), { id: 'unlocks' }));

  // An item's progress: a bar and "n/N" (the bar is a <progress>, styled by the stylesheet; no inline style under the CSP).
  function progress(n, total, what) {
    return h('span', { class: 'progress', 'data-progress': what }, el('progress', '', '', { max: String(Math.max(total, 1)), value: String(Math.min(n, total)), 'aria-label': what }),
      ' ' + n + '/' + total);
  }

  await Promise.allSettled([loadRun(), loadMetrics(), loadPacks()]);
  // The figures are counted from the raw rows up to a second after the event (ADR-005): read them after that, and once
  // more later so that the last event of a burst is never read before it was counted.
  const m1 = debounce(loadMetrics, 1200), m2 = debounce(loadMetrics, 3000);
  const m = () => { m1(); m2(); };
  const p = debounce(loadPacks, 600), r = debounce(loadRun, 400);
  return {
    onEvent(e) {
      if (e.type === 'reconnected') { m(); p(); r(); return; }
      if (e.type === 'metrics') { if (e.data && e.data.today && e.data.today.date === day) { drawDay(e.data.today); } return; }
      if (['status', 'failure', 'delivery', 'pack', 'tap', 'daily_run'].includes(e.type)) { m(); }
      if (['tap', 'pack', 'delivery', 'status'].includes(e.type)) { p(); }
      if (e.type === 'daily_run') { r(); }
    },
  };
}
