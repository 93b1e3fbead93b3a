// Advisors: a table paged and searched on the server (keyset pages; a phone or name prefix through an index), CSV import
// with a dry-run preview of every row and every error before anything is written, and #/advisors/{phone}: details,
// edit (admins), consent history and the timeline.
import { el, h, button, table, row, load, debounce } from '../lib.js';

const PAGE = 50;

export async function render(ctx, root, params) {
  root.classList.add('wide-view');
  let disposeDetail = null;
  const s = { q: '', status: '', cursors: [null], page: 0 };

  function show(p) {
    if (disposeDetail) { disposeDetail(); disposeDetail = null; }
    root.replaceChildren();
    if (p[0]) { detail(p[0]); } else { list(); }
  }

  // ---------- the table ----------
  function list() {
    const search = el('input', '', '', { type: 'search', id: 'advisor-search', placeholder: 'Phone or name (starts with)', 'aria-label': 'Search advisors', value: s.q });
    search.value = s.q;
    const status = h('select', { id: 'advisor-status', 'aria-label': 'Status' }, el('option', 'Any status', '', { value: '' }), el('option', 'Active', '', { value: 'active' }), el('option', 'Opted out', '', { value: 'opted_out' }));
    status.value = s.status;
    const box = el('div', '', 'table-box', { id: 'advisor-table' });
    const prev = button('← Previous', () => { s.page--; fetchPage(); }, 'secondary', { id: 'advisor-prev' });
    const next = button('Next →', () => { s.page++; fetchPage(); }, 'secondary', { id: 'advisor-next' });
    const pager = h('div', { class: 'pager' }, prev, el('span', '', 'muted', { id: 'advisor-page' }), next);
    root.append(h('section', { class: 'card' },
      h('div', { class: 'toolbar' }, el('h2', 'Advisors'), search, status, ctx.can('admin') ? button('Import CSV…', openImport, 'secondary', { id: 'import-open' }) : null),
      box, pager));
    const importBox = el('section', '', 'card', { id: 'import', hidden: true });
    root.append(importBox);

    const restart = () => { s.cursors = [null]; s.page = 0; fetchPage(); };
    search.addEventListener('input', debounce(() => { s.q = search.value.trim(); restart(); }, 250));
    status.addEventListener('change', () => { s.status = status.value; restart(); });

    async function fetchPage() {
      const q = new URLSearchParams({ limit: String(PAGE) });
      if (s.q) { q.set('q', s.q); }
      if (s.status) { q.set('status', s.status); }
      if (s.cursors[s.page]) { q.set('cursor', s.cursors[s.page]); }
      const started = performance.now();
      await load(box, () => ctx.api('/api/advisors?' + q, { withHeaders: true }), ({ body, headers }) => {
        s.cursors[s.page + 1] = headers.get('X-Next-Cursor');
        prev.disabled = s.page === 0;
        next.disabled = !s.cursors[s.page + 1];
        pager.querySelector('#advisor-page').textContent = 'Page ' + (s.page + 1) + (body.length ? ' · ' + body.length + ' shown' : '');
        box.dataset.ms = String(Math.round(performance.now() - started));
        if (body.length === 0) { return el('p', s.q ? 'No advisor starts with “' + s.q + '”.' : 'No advisors yet.', 'muted'); }
        return table(['Phone', 'Name', 'Status', 'Language', 'Categories', 'Last message'], body.map((a) => row([
          h('a', { href: '#/advisors/' + encodeURIComponent(a.phone) }, a.phone), a.name, el('span', a.status, a.status === 'opted_out' ? 'pill bad' : 'pill ok'),
          a.language, a.categories.join(', '), ctx.fmtShort(a.lastInboundAt)], { 'data-phone': a.phone })), { id: 'advisors' });
      });
    }

    function openImport() {
      importBox.hidden = false;
      const file = el('input', '', '', { type: 'file', accept: '.csv,text/csv', id: 'import-file', 'aria-label': 'CSV file' });
      const out = el('div', '', '', { id: 'import-preview' });
      const skip = el('input', '', '', { type: 'checkbox', id: 'import-skip' });
      const commit = button('Import', doImport, '', { id: 'import-commit', disabled: true });
      importBox.replaceChildren(el('h2', 'Import advisors from CSV'),
        el('p', 'Columns: phone, name, timezone, language, categories (separated by ;), consent (source and date of opt-in). Nothing is written until you press Import.', 'muted'),
        h('div', { class: 'toolbar' }, file, button('Preview', preview, 'secondary', { id: 'import-preview-button' })), out,
        h('div', { class: 'toolbar' }, h('label', {}, skip, ' skip the rows with errors'), commit));
      let text = null;
      let last = null;
      async function preview() {
        if (!file.files[0]) { out.replaceChildren(el('p', 'Choose a CSV file first.', 'error')); return; }
        text = await file.files[0].text();
        last = await load(out, () => ctx.api('/api/advisors/import/preview', { method: 'POST', body: text, contentType: 'text/csv' }), (p) => [
          el('p', p.valid + ' valid rows: ' + p.create + ' new, ' + p.update + ' updated, ' + p.unchanged + ' unchanged · ' + p.invalidRows + ' rows with errors', 'summary', { id: 'import-summary' }),
          p.errors.length ? table(['Row', 'Field', 'Problem'], p.errors.map((e) => row([e.row, e.field, e.reason], { 'data-row': e.row })), { id: 'import-errors', class: 'errors' }) : el('p', 'No errors.', 'ok'),
          table(['Row', 'Phone', 'Name', 'Time zone', 'Language', 'Categories', 'Consent', 'Will'], p.rows.map((r) =>
            row([r.row, r.phone, r.name, r.timeZone, r.language, r.categories, r.consent ?? '', r.action], { 'data-row': r.row })), { id: 'import-rows' })]);
        updateCommit();
      }
      function updateCommit() {
        const fileErrors = last && last.errors.some((e) => e.row <= 1);
        commit.disabled = !last || fileErrors || last.valid === 0 || (last.errors.length > 0 && !skip.checked);
        commit.textContent = last ? 'Import ' + last.valid + ' rows' : 'Import';
      }
      skip.addEventListener('change', updateCommit);
      async function doImport() {
        commit.disabled = true;
        try {
          const r = await ctx.api('/api/advisors/import' + (skip.checked ? '?skipInvalid=true' : ''), { method: 'POST', body: text, contentType: 'text/csv' });
          out.replaceChildren(el('p', 'Imported: ' + r.created + ' new, ' + r.updated + ' updated, ' + r.skipped + ' rows skipped.', 'ok', { id: 'import-done', role: 'status' }));
          last = null;
          restart();
        } catch (e) {
          out.prepend(el('p', 'Not imported: ' + e.message, 'error', { role: 'alert' }));
          updateCommit();
        }
      }
      file.focus();
    }

    fetchPage();
    search.focus();
  }

  // ---------- one advisor ----------
  function detail(phone) {
    const head = el('div', '', 'card', { id: 'advisor-detail' });
    const consent = el('div');
    const timeline = el('div');
    root.append(h('p', {}, h('a', { href: '#/advisors' }, '← All advisors')), head,
      h('section', { class: 'card' }, el('h2', 'Consent history'), consent),
      h('section', { class: 'card' }, el('h2', 'Timeline'), el('p', 'Templates, taps, packs and chats, newest first.', 'muted'), timeline));
    const loadHead = () => load(head, () => ctx.api('/api/advisors/' + encodeURIComponent(phone)), (a) => {
      const parts = [h('div', { class: 'toolbar' }, el('h2', a.name || a.phone), el('span', a.status, a.status === 'opted_out' ? 'pill bad' : 'pill ok'),
        h('a', { href: '#/conversations/' + encodeURIComponent(a.phone) }, 'Conversation →')),
      h('dl', { class: 'facts' }, el('dt', 'Phone'), el('dd', a.phone), el('dt', 'Language'), el('dd', a.language), el('dt', 'Time zone'), el('dd', a.timeZone),
        el('dt', 'Categories'), el('dd', a.categories.join(', ') || '–'), el('dt', 'Created'), el('dd', ctx.fmtTime(a.createdAt)),
        el('dt', 'Last message'), el('dd', ctx.fmtTime(a.lastInboundAt) || 'never'))];
      if (ctx.can('admin')) { parts.push(editForm(a)); }
      return parts;
    });

    function editForm(a) {
      const f = (id, label, value, attrs) => {
        const input = el('input', '', '', { id: 'edit-' + id, name: id, ...(attrs || {}) });
        input.value = value;
        return h('label', { for: 'edit-' + id }, label, input);
      };
      const status = h('select', { id: 'edit-status', name: 'status' }, el('option', 'active', '', { value: 'active' }), el('option', 'opted out', '', { value: 'opted_out' }));
      status.value = a.status;
      const msg = el('p', '', '', { role: 'status', id: 'edit-result' });
      const form = h('form', { class: 'edit grid-form', id: 'advisor-edit' },
        f('name', 'Name', a.name, { required: true }), f('language', 'Language', a.language), f('timezone', 'Time zone', a.timeZone),
        f('categories', 'Categories (;)', a.categories.join(';')), h('label', { for: 'edit-status' }, 'Status', status),
        f('reason', 'Reason (evidence for a status change)', '', { maxlength: '500' }),
        h('div', { class: 'toolbar' }, el('button', 'Save', '', { type: 'submit' }),
          button('Delete advisor…', async () => {
            if (!confirm('Delete ' + (a.name || a.phone) + '? Their history stays; they get nothing more.')) { return; }
            try { await ctx.api('/api/advisors/' + encodeURIComponent(a.phone), { method: 'DELETE' }); ctx.navigate('#/advisors'); } catch (e) { msg.textContent = e.message; msg.className = 'error'; }
          }, 'danger')), msg);
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const v = (n) => form.querySelector('#edit-' + n).value;
        const body = { name: v('name'), language: v('language'), timeZone: v('timezone'), categories: v('categories').split(';').map((x) => x.trim()).filter(Boolean) };
        if (v('status') !== a.status) { body.status = v('status'); body.reason = v('reason') || null; }
        try {
          await ctx.api('/api/advisors/' + encodeURIComponent(a.phone), { method: 'PATCH', body: JSON.stringify(body) });
          await Promise.all([loadHead(), loadConsent()]);
          head.append(el('p', 'Saved.', 'ok', { role: 'status' }));
        } catch (err) { msg.textContent = 'Not saved: ' + err.message; msg.className = 'error'; }
      });
      return h('details', { class: 'edit-box' }, el('summary', 'Edit'), form);
    }

    const loadConsent = () => load(consent, () => ctx.api('/api/advisors/' + encodeURIComponent(phone) + '/consent'), (rows) => rows.length === 0
      ? el('p', 'No consent events recorded.', 'muted')
      : table(['When', 'Status', 'Source', 'Detail'], rows.slice().reverse().map((c) => row([ctx.fmtTime(c.at), c.status, c.source, c.detail ?? ''])), { id: 'consent' }));

    let before = null;
    const tbody = el('tbody');
    const olderBtn = button('Older entries', () => loadTimeline(false), 'link', { hidden: true });
    async function loadTimeline(reset) {
      const q = new URLSearchParams({ limit: '100' });
      if (!reset && before) { q.set('before', before); }
      try {
        const t = await ctx.api('/api/advisors/' + encodeURIComponent(phone) + '/timeline?' + q);
        if (reset) {
          tbody.replaceChildren();
          timeline.replaceChildren(h('table', { id: 'timeline' }, h('thead', {}, h('tr', {}, ['When', 'What', 'Detail', 'State'].map((x) => el('th', x)))), tbody), olderBtn);
        }
        for (const x of t.entries.slice().reverse()) {
          tbody.append(row([ctx.fmtTime(x.at), x.kind, x.summary ?? '', (x.state ?? '') + (x.errorCode ? ' (' + x.errorCode + ')' : '')], { 'data-kind': x.kind }));
        }
        before = t.olderCursor;
        olderBtn.hidden = !before;
      } catch (e) { timeline.replaceChildren(el('p', 'Could not load: ' + e.message, 'error')); }
    }
    Promise.allSettled([loadHead(), loadConsent(), loadTimeline(true)]);
    const refresh = debounce(() => { loadTimeline(true); loadHead(); }, 500);
    disposeDetail = () => {};
    state.onEvent = (e) => { if (e.phone === phone || e.type === 'reconnected') { refresh(); } if (e.type === 'consent' && e.phone === phone) { loadConsent(); } };
  }

  const state = { onEvent: null };
  show(params);
  return {
    update(p) { state.onEvent = null; show(p); },
    onEvent(e) { if (state.onEvent) { state.onEvent(e); } },
  };
}
