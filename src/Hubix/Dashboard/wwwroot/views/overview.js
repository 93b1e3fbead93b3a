// Overview: today's funnel, the 14-day chart, the live list, failures and the daily run (the old single page).
import { el, h, pct, secs, addDays, table, row, load, debounce } from '../lib.js';

const STEPS = [['sent', 'Template sent'], ['delivered', 'Delivered'], ['read', 'Read'], ['tapped', 'Tapped'], ['packs', 'Pack delivered']];

export async function render(ctx, root) {
  const funnel = h('div', { id: 'funnel', class: 'funnel' }, STEPS.map(([k, label]) => h('div', { class: 'step' },
    el('span', label, 'label'), el('span', '0', 'value', { id: 'funnel-' + k }), el('span', '', 'bar', { id: 'bar-' + k }), el('span', '', 'sub', { id: 'funnel-' + k + '-sub' }))));
  const extra = el('p', '', 'muted', { id: 'funnel-extra' });
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.id = 'chart';
  svg.setAttribute('viewBox', '0 0 560 220');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'Templates sent and taps per day');
  const events = el('ol', '', 'events', { id: 'events' });
  const failures = el('div');
  const run = el('div');
  root.append(
    h('section', { class: 'card wide', 'aria-labelledby': 'funnel-title' }, el('h2', "Today's funnel", '', { id: 'funnel-title' }), funnel, extra),
    h('section', { class: 'card', 'aria-labelledby': 'chart-title' }, el('h2', 'Last 14 days: sends and taps', '', { id: 'chart-title' }), svg,
      h('p', { class: 'legend' }, el('span', '', 'swatch sends'), 'templates sent ', el('span', '', 'swatch taps'), 'taps')),
    h('section', { class: 'card', 'aria-labelledby': 'live-title' }, el('h2', 'Live', '', { id: 'live-title' }), events),
    h('section', { class: 'card wide', 'aria-labelledby': 'failures-title' }, el('h2', 'Failures (last 7 days)', '', { id: 'failures-title' }), failures),
    h('section', { class: 'card wide', 'aria-labelledby': 'run-title' }, el('h2', 'Daily run', '', { id: 'run-title' }), run));
  root.classList.add('grid');

  function renderDay(day) {
    const t = day.templateTotals;
    const values = { sent: t.sent, delivered: t.delivered, read: t.read, tapped: day.taps, packs: day.packs.delivered };
    const max = Math.max(1, t.queued, t.sent);
    for (const [k, v] of Object.entries(values)) {
      root.querySelector('#funnel-' + k).textContent = String(v);
      root.querySelector('#bar-' + k).style.width = Math.min(100, (100 * v) / max).toFixed(1) + '%';
    }
    root.querySelector('#funnel-tapped-sub').textContent = day.uniqueTappers + ' advisors · tap rate ' + pct(day.tapRate);
    const p = day.packs;
    root.querySelector('#funnel-packs-sub').textContent = p.partial + ' partial · ' + p.failed + ' failed · ' + p.inProgress + ' in progress';
    const lat = day.tapToFirstContentAccepted;
    extra.textContent = 'queued ' + t.queued + ' · failed ' + t.failed + ' · delivery success ' + pct(day.deliverySuccessRate) +
      ' · tap→first content p50 ' + secs(lat.medianSeconds) + ', p95 ' + secs(lat.p95Seconds) +
      ' · chats ' + day.chats + ' · agent answers ' + day.agentAnswers + ' · handoffs ' + day.handoffs +
      ' · opt-outs ' + day.optOuts + ' · opt-ins ' + day.optIns;
  }

  const loadToday = async () => renderDay((await ctx.api('/api/webhook/metrics')).days[0]);

  async function loadChart() {
    const m = await ctx.api('/api/webhook/metrics?from=' + addDays(ctx.today, -13) + '&to=' + ctx.today);
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
      const s = mk('rect', { x, y: y(d.templateTotals.sent), width: bw, height: H - bottom - y(d.templateTotals.sent), class: 'sends' });
      s.appendChild(Object.assign(document.createElementNS(ns, 'title'), { textContent: d.date + ': ' + d.templateTotals.sent + ' sent' }));
      const t = mk('rect', { x: x + bw, y: y(d.taps), width: bw, height: H - bottom - y(d.taps), class: 'taps' });
      t.appendChild(Object.assign(document.createElementNS(ns, 'title'), { textContent: d.date + ': ' + d.taps + ' taps' }));
      if (i % 2 === 0) { mk('text', { x, y: H - 8 }, d.date.slice(5)); }
    });
  }

  const loadFailures = () => load(failures, () => ctx.api('/api/webhook/metrics?from=' + addDays(ctx.today, -6) + '&to=' + ctx.today), (m) =>
    m.failures.length === 0 ? el('p', 'No failures.', 'muted') : table(['Code', 'Count', 'What it is', 'What Meta means', 'What to do', 'Messages'],
      m.failures.map((f) => row([f.code ?? '–', f.count, f.title, f.meaning, f.action, f.purposes.join(', ')])), { id: 'failures' }));

  const loadRun = () => load(run, () => ctx.api('/api/dashboard/daily-run'), (r) => [
    el('p', r.state === 'unknown' ? 'The scheduler has not reported on ' + r.date + '.'
      : r.date + ': ' + r.state + ' · planned ' + r.planned + ' · enqueued ' + r.enqueued +
        (r.startedAt ? ' · started ' + ctx.fmtTime(r.startedAt) : '') + (r.finishedAt ? ' · finished ' + ctx.fmtTime(r.finishedAt) : ''), 'muted', { id: 'run-state' }),
    h('ul', { id: 'run-skipped' }, r.skipped.map((s) => el('li', s.phone + ': ' + s.reason))),
    h('p', {}, h('a', { href: '#/deliveries' }, 'Deliveries: per-pack progress and resends →'))]);

  function eventItem(e) {
    const li = h('li', { 'data-type': e.type }, el('span', ctx.fmtTime(e.at), 'muted'), el('span', e.type, 'type ' + e.type), el('span', e.phone ?? ''), el('span', summarize(e)));
    return li;
  }
  events.append(...ctx.events.map(eventItem));

  const today = debounce(() => loadToday().catch(() => {}), 1500);
  const fails = debounce(() => loadFailures(), 1000);
  const runs = debounce(() => loadRun(), 500);
  await Promise.allSettled([loadToday(), loadChart(), loadFailures(), loadRun()]);

  return {
    onEvent(e) {
      if (e.type === 'reconnected') { today(); return; }
      if (e.type === 'metrics') {
        if (e.data && e.data.today && e.data.today.date === ctx.today) { renderDay(e.data.today); }
        return;
      }
      events.prepend(eventItem(e));
      while (events.children.length > 200) { events.lastElementChild.remove(); }
      // The figures are counted from the raw rows up to a second after the event (ADR-005): read them after that.
      if (['tap', 'status', 'failure', 'pack', 'delivery'].includes(e.type)) { today(); }
      if (e.type === 'failure') { fails(); }
      if (e.type === 'daily_run') { runs(); }
    },
  };
}

export function summarize(e) {
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
