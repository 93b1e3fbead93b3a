// Overview: today's funnel, the 14-day chart, the live list, failures and the daily run (the old single page).
import { el, h, pct, secs, addDays, table, row, load, debounce } from '../lib.js';
// A vendored chart library (ADR-012, wwwroot/vendor/uplot/README.md): axes, a cursor legend with each day's values,
// resizing; nothing fetched at run time.
import uPlot from '../vendor/uplot/uplot.esm.js';

const STEPS = [['sent', 'Template sent'], ['delivered', 'Delivered'], ['read', 'Read'], ['tapped', 'Tapped'], ['packs', 'Pack delivered']];

export async function render(ctx, root) {
  const funnel = h('div', { id: 'funnel', class: 'funnel' }, STEPS.map(([k, label]) => h('div', { class: 'step' },
    el('span', label, 'label'), el('span', '0', 'value', { id: 'funnel-' + k }), el('span', '', 'bar', { id: 'bar-' + k }), el('span', '', 'sub', { id: 'funnel-' + k + '-sub' }))));
  const extra = el('p', '', 'muted', { id: 'funnel-extra' });
  const chart = el('div', '', 'chart', { id: 'chart', role: 'img', 'aria-label': 'Templates sent, read, taps and packs delivered per day, last 14 days' });
  const events = el('ol', '', 'events', { id: 'events' });
  const failures = el('div');
  const run = el('div');
  // The daily report (one row per advisor) for a chosen day, as the API streams it: a link, so the browser downloads it
  // with the session cookie and nothing is held in the page.
  const reportDate = el('input', '', '', { type: 'date', id: 'report-date', value: ctx.today, max: ctx.today, 'aria-label': 'Report day' });
  const reportLink = h('a', { id: 'report-csv', class: 'button secondary' }, 'Download CSV');
  const reportJson = h('a', { id: 'report-json', target: '_blank', rel: 'noopener' }, 'JSON');
  const setReport = () => {
    const d = reportDate.value || ctx.today;
    reportLink.href = '/api/reports/daily?' + new URLSearchParams({ date: d, format: 'csv' });
    reportLink.setAttribute('download', 'hubix-daily-report-' + d + '.csv');
    reportJson.href = '/api/reports/daily?' + new URLSearchParams({ date: d, format: 'json' });
  };
  reportDate.addEventListener('change', setReport);
  setReport();
  root.append(
    h('section', { class: 'card wide', 'aria-labelledby': 'funnel-title' }, el('h2', "Today's funnel", '', { id: 'funnel-title' }), funnel, extra),
    h('section', { class: 'card', 'aria-labelledby': 'chart-title' }, el('h2', 'Last 14 days', '', { id: 'chart-title' }), chart),
    h('section', { class: 'card', 'aria-labelledby': 'live-title' }, el('h2', 'Live', '', { id: 'live-title' }), events),
    h('section', { class: 'card wide', 'aria-labelledby': 'failures-title' }, el('h2', 'Failures (last 7 days)', '', { id: 'failures-title' }), failures),
    h('section', { class: 'card wide', 'aria-labelledby': 'run-title' }, el('h2', 'Daily run', '', { id: 'run-title' }), run),
    h('section', { class: 'card wide', 'aria-labelledby': 'report-title' }, el('h2', 'Daily report', '', { id: 'report-title' }),
      el('p', 'One row per advisor for the day: the template sent, delivered and read or why not, the tap, the pack, messages and chats.', 'muted'),
      h('div', { class: 'toolbar' }, reportDate, reportLink, reportJson)));
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

  // The days are calendar dates in the firm's time zone: drawn as UTC midnights, so no browser offset shifts them.
  let plot = null;
  let resize = null;
  async function loadChart() {
    const m = await ctx.api('/api/webhook/metrics?from=' + addDays(ctx.today, -13) + '&to=' + ctx.today);
    const days = [...m.days].sort((a, b) => (a.date < b.date ? -1 : 1));
    const data = [
      days.map((d) => Date.parse(d.date + 'T00:00:00Z') / 1000),
      days.map((d) => d.templateTotals.sent),
      days.map((d) => d.templateTotals.read),
      days.map((d) => d.taps),
      days.map((d) => d.packs.delivered),
    ];
    chart.dataset.days = String(days.length);
    chart.dataset.sent = String(data[1].reduce((a, b) => a + b, 0));
    chart.dataset.taps = String(data[3].reduce((a, b) => a + b, 0));
    if (plot) { plot.setData(data); return; }
    const css = getComputedStyle(document.documentElement);
    const color = (name) => css.getPropertyValue(name).trim();
    const width = () => Math.max(280, chart.clientWidth);
    const fmtDay = uPlot.fmtDate('{D} {MMM}');
    const utc = (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC');
    plot = new uPlot({
      width: width(),
      height: 240,
      tzDate: utc,
      cursor: { drag: { x: false, y: false } },
      // Half a day either side, so the first and the last bars are whole.
      scales: { x: { time: true, range: (u, min, max) => [min - 43200, max + 43200] }, y: { range: (u, min, max) => [0, Math.max(1, max) * 1.1] } },
      axes: [
        { stroke: color('--muted'), grid: { show: false }, values: (u, ticks) => ticks.map((t) => fmtDay(utc(t))), space: 60 },
        { stroke: color('--muted'), grid: { stroke: color('--line'), width: 1 }, size: 50 },
      ],
      series: [
        { label: 'Day', value: (u, ts) => (ts == null ? '–' : fmtDay(utc(ts))) },
        { label: 'Templates sent', stroke: color('--accent2'), fill: color('--accent2') + '33', paths: uPlot.paths.bars({ size: [0.6, 40] }), points: { show: false } },
        { label: 'Read', stroke: color('--muted'), width: 1.5 },
        { label: 'Taps', stroke: color('--accent'), width: 2 },
        { label: 'Packs delivered', stroke: color('--warn'), width: 1.5, dash: [4, 3] },
      ],
    }, data, chart);
    resize = new ResizeObserver(() => { if (plot) { plot.setSize({ width: width(), height: 240 }); } });
    resize.observe(chart);
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
  const chartLater = debounce(() => loadChart().catch(() => {}), 5000);
  await Promise.allSettled([loadToday(), loadChart(), loadFailures(), loadRun()]);

  return {
    dispose() { if (resize) { resize.disconnect(); } if (plot) { plot.destroy(); plot = null; } },
    onEvent(e) {
      if (e.type === 'reconnected') { today(); return; }
      if (e.type === 'metrics') {
        if (e.data && e.data.today && e.data.today.date === ctx.today) { renderDay(e.data.today); }
        return;
      }
      events.prepend(eventItem(e));
      while (events.children.length > 200) { events.lastElementChild.remove(); }
      // The figures are counted from the raw rows up to a second after the event (ADR-005): read them after that.
      if (['tap', 'status', 'failure', 'pack', 'delivery'].includes(e.type)) { today(); chartLater(); }
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
