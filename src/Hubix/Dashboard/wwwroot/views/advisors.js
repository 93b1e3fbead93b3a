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
    const admin = ctx.can('admin');
    const bulk = admin ? bulkBar() : null;
    if (bulk) { box.before(bulk.bar); root.append(bulk.dialog); }

    const restart = () => { s.cursors = [null]; s.page = 0; if (bulk) { bulk.clear(); } fetchPage(); };
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
        const t = table([...(bulk ? [''] : []), 'Phone', 'Name', 'Status', 'Language', 'Time zone', 'Categories', 'Last message'], body.map((a) => row([
          ...(bulk ? [bulk.rowBox(a)] : []),
          h('a', { href: '#/advisors/' + encodeURIComponent(a.phone) }, a.phone), a.name, el('span', a.status, a.status === 'opted_out' ? 'pill bad' : 'pill ok'),
          a.language, a.timeZone, a.categories.join(', '), ctx.fmtShort(a.lastInboundAt)], { 'data-phone': a.phone })), { id: 'advisors' });
        if (bulk) { t.querySelector('thead th').append(bulk.pageBox(body)); }
        return t;
      });
    }

    // ---------- bulk actions (admins): pick rows, or every advisor matching the search; a dry run says how many will
    // change, a dialog asks to confirm, then the server applies it in batches and says what changed. ----------
    function bulkBar() {
      const b = { selected: new Set(), all: false, boxes: [] };
      const count = el('strong', '', '', { id: 'bulk-count' });
      const allLink = button('', () => { b.all = !b.all; sync(); }, 'link', { id: 'bulk-all' });
      const action = h('select', { id: 'bulk-action', 'aria-label': 'Action' },
        ...[['set_language', 'Set language'], ['set_time_zone', 'Set time zone'], ['add_category', 'Add category'], ['remove_category', 'Remove category'],
          ['opt_out', 'Opt out (with reason)'], ['opt_in', 'Opt back in (with evidence)']].map(([v, t]) => el('option', t, '', { value: v })));
      const value = el('input', '', '', { id: 'bulk-value', 'aria-label': 'Value', placeholder: 'e.g. hi, Asia/Dubai, tax', maxlength: '64' });
      const reason = el('input', '', '', { id: 'bulk-reason', 'aria-label': 'Reason', placeholder: 'Reason or evidence (kept in each consent history)', maxlength: '500', hidden: true });
      const apply = button('Apply…', ask, '', { id: 'bulk-apply' });
      const msg = el('span', '', 'muted', { id: 'bulk-result', role: 'status' });
      const bar = h('div', { class: 'toolbar bulk', id: 'bulk-bar', hidden: true }, count, allLink, action, value, reason, apply, msg);
      const question = el('p', '', '', { id: 'bulk-question' });
      const failures = el('ul', '', 'muted');
      const confirmBtn = el('button', 'Confirm', '', { type: 'submit', value: 'confirm', id: 'bulk-confirm' });
      const dialog = h('dialog', { id: 'bulk-dialog', 'aria-labelledby': 'bulk-question' },
        h('form', { method: 'dialog' }, question, failures, h('div', { class: 'toolbar' }, confirmBtn, el('button', 'Cancel', 'secondary', { type: 'submit', value: 'cancel', id: 'bulk-cancel' }))));
      action.addEventListener('change', () => {
        const consent = action.value === 'opt_out' || action.value === 'opt_in';
        value.hidden = consent;
        reason.hidden = !consent;
      });

      function sync() {
        bar.hidden = b.selected.size === 0 && !b.all;
        count.textContent = b.all ? 'All advisors matching this search' : b.selected.size + ' selected';
        allLink.textContent = b.all ? 'Only the ones ticked' : 'Select all matching this search';
        for (const x of b.boxes) { x.checked = b.all || b.selected.has(x.dataset.select); x.disabled = b.all; }
      }
      b.clear = () => { b.selected.clear(); b.all = false; msg.textContent = ''; sync(); };
      b.rowBox = (a) => {
        const x = el('input', '', '', { type: 'checkbox', 'data-select': a.phone, 'aria-label': 'Select ' + (a.name || a.phone) });
        x.checked = b.all || b.selected.has(a.phone);
        x.addEventListener('change', () => { if (x.checked) { b.selected.add(a.phone); } else { b.selected.delete(a.phone); } sync(); });
        b.boxes = b.boxes.filter((y) => y.isConnected).concat([x]);
        return x;
      };
      b.pageBox = (rows) => {
        const x = el('input', '', '', { type: 'checkbox', id: 'bulk-page', 'aria-label': 'Select this page' });
        x.addEventListener('change', () => { for (const a of rows) { if (x.checked) { b.selected.add(a.phone); } else { b.selected.delete(a.phone); } } sync(); });
        return x;
      };

      function body(dryRun) {
        const r = { action: action.value, dryRun };
        if (reason.hidden) { r.value = value.value.trim(); } else { r.reason = reason.value.trim(); }
        if (b.all) { r.search = { q: s.q, status: s.status || null }; } else { r.phones = [...b.selected]; }
        return JSON.stringify(r);
      }
      const label = () => action.options[action.selectedIndex].textContent + (reason.hidden ? ' “' + value.value.trim() + '”' : '');
      async function ask() {
        msg.textContent = '';
        let dry;
        try {
          dry = await ctx.api('/api/advisors/bulk', { method: 'POST', body: body(true) });
        } catch (e) { msg.textContent = e.message; msg.className = 'error'; return; }
        question.textContent = label() + ': ' + dry.changed + (dry.changed === 1 ? ' advisor' : ' advisors') + ' will change'
          + (dry.unchanged ? ', ' + dry.unchanged + ' already so' : '') + (dry.failed ? ', ' + dry.failed + ' cannot (below)' : '') + '. Go ahead?';
        failures.replaceChildren(...dry.failures.slice(0, 10).map((f) => el('li', f.phone + ': ' + f.reason)));
        confirmBtn.disabled = dry.changed === 0;
        dialog.returnValue = '';
        dialog.showModal();
      }
      dialog.addEventListener('close', async () => {
        if (dialog.returnValue !== 'confirm') { return; } // Cancel, Escape
        apply.disabled = true;
        try {
          const r = await ctx.api('/api/advisors/bulk', { method: 'POST', body: body(false) });
          b.clear();
          msg.textContent = 'Done: ' + r.changed + ' changed, ' + r.unchanged + ' already so, ' + r.failed + ' failed.';
          msg.className = 'ok';
          bar.hidden = false;
          fetchPage();
        } catch (e) { msg.textContent = 'Not applied: ' + e.message; msg.className = 'error'; } finally { apply.disabled = false; }
      });
      sync();
      return { bar, dialog, clear: b.clear, rowBox: b.rowBox, pageBox: b.pageBox };
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
