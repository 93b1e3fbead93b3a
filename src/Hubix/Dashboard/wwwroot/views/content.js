// Content studio. #/content: a calendar of packs (past, today, upcoming; upcoming days without a pack flagged before the
// 05:00 run). #/content/{date}/{category}: create or edit that pack (drag and drop images and documents, checked as Meta
// limits them; posts and market updates; order; {name}/{date} placeholders), a WhatsApp-style preview of what one
// advisor receives (the server fills it, as the unlock does), a test send to one advisor, and approval when it is on.
import { el, h, button, addDays, load, debounce } from '../lib.js';

// Meta's limits (REFERENCE.md: images jpeg/png 5 MB; documents pdf, txt, doc(x), xls(x), ppt(x)) and Hubix's own cap on
// stored documents (16 MB, PackImport.MaxDocumentBytes), checked here before the upload and again by the server.
const IMAGE_TYPES = { 'image/png': '.png', 'image/jpeg': '.jpg' };
const DOC_EXT = ['.pdf', '.txt', '.doc', '.docx', '.xls', '.xlsx', '.ppt', '.pptx'];
const MAX_IMAGE = 5 * 1024 * 1024, MAX_DOC = 16 * 1024 * 1024, MAX_TEXT = 4096, MAX_CAPTION = 1024;
const KINDS = { post: 'Post', update: 'Market update', image: 'Image', document: 'Document' };

export function checkFile(kind, file) {
  const ext = (file.name.match(/\.[^.]+$/) || [''])[0].toLowerCase();
  if (kind === 'image') {
    if (!IMAGE_TYPES[file.type] && !['.png', '.jpg', '.jpeg'].includes(ext)) { return file.name + ': WhatsApp takes images as JPEG or PNG only.'; }
    if (file.size > MAX_IMAGE) { return file.name + ': ' + mb(file.size) + '; WhatsApp takes images up to 5 MB.'; }
  } else {
    if (!DOC_EXT.includes(ext)) { return file.name + ': documents are PDF, TXT, Word, Excel or PowerPoint files.'; }
    if (file.size > MAX_DOC) { return file.name + ': ' + mb(file.size) + '; Hubix stores documents up to 16 MB.'; }
  }
  return null;
}
const mb = (n) => (n / 1024 / 1024).toFixed(1) + ' MB';

export async function render(ctx, root, params) {
  root.classList.add('wide-view');
  let current = null;
  async function show(p) {
    if (current && current.dispose) { current.dispose(); }
    root.replaceChildren();
    current = p[0] ? await editor(ctx, root, p[0], p[1] || '') : await calendar(ctx, root);
  }
  await show(params);
  return { update: show, onEvent(e) { if (current && current.onEvent) { current.onEvent(e); } } };
}

// ---------- calendar ----------
async function calendar(ctx, root) {
  const grid = el('div', '', 'calendar', { id: 'calendar' });
  const date = el('input', '', '', { type: 'date', id: 'new-date', required: true, value: addDays(ctx.today, 1) });
  date.value = addDays(ctx.today, 1);
  const cat = el('input', '', '', { id: 'new-category', placeholder: 'category, e.g. market', pattern: '[a-z0-9_-]{1,64}', required: true });
  const form = h('form', { class: 'toolbar', id: 'new-pack' }, el('label', 'New pack for', '', { for: 'new-date' }), date, cat, el('button', 'Open', '', { type: 'submit' }));
  form.addEventListener('submit', (e) => { e.preventDefault(); ctx.navigate('#/content/' + date.value + '/' + encodeURIComponent(cat.value.trim().toLowerCase())); });
  root.append(h('section', { class: 'card' }, el('h2', 'Content calendar'),
    el('p', 'Two weeks back, three weeks ahead. Days from today on without a pack are flagged: the 05:00 run has nothing to send them.', 'muted'),
    ctx.can('admin') ? form : null, ctx.can('admin') ? importer(ctx) : null, grid));
  await load(grid, () => ctx.api('/api/packs?limit=100'), (packs) => {
    const byDate = new Map();
    for (const p of packs) { if (!byDate.has(p.date)) { byDate.set(p.date, []); } byDate.get(p.date).push(p); }
    const cells = [];
    for (let i = -14; i <= 21; i++) {
      const d = addDays(ctx.today, i);
      const list = (byDate.get(d) || []).slice().sort((a, b) => a.category.localeCompare(b.category));
      const missing = i >= 0 && list.length === 0;
      const cls = 'day' + (i === 0 ? ' today' : i < 0 ? ' past' : '') + (missing ? ' missing' : '');
      cells.push(h('div', { class: cls, 'data-date': d },
        el('span', new Date(d + 'T00:00:00Z').toLocaleDateString('en-GB', { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' }), 'day-label'),
        missing ? el('span', 'no pack', 'pill bad') : null,
        list.map((p) => h('a', { href: '#/content/' + p.date + '/' + encodeURIComponent(p.category), class: 'pack-link', 'data-category': p.category },
          p.category || '(default)', ' ', el('span', p.state + ' v' + p.version, 'pill ' + (p.state === 'approved' ? 'ok' : 'warn'))))));
    }
    return cells;
  });
  return {};
}

// ---------- import a folder or a zip (the pack.json shape of `hubix content import`) ----------
// The server checks everything (PackImport, as for the CLI and the JSON API); the page only gathers the files. A zip goes
// as it is; a folder goes as the multipart 'pack' field plus the files pack.json names, under their names relative to it.
let flash = null; // what the editor says first after an import navigated to it

function importer(ctx) {
  const folder = el('input', '', '', { type: 'file', id: 'import-folder', webkitdirectory: true, 'aria-label': 'Import a folder' });
  const zip = el('input', '', '', { type: 'file', id: 'import-zip', accept: '.zip,application/zip', 'aria-label': 'Import a zip' });
  const status = el('p', '', '', { id: 'import-status', role: 'status' });
  const problems = el('ul', '', 'error', { id: 'import-problems', role: 'alert' });
  async function send(body, what) {
    problems.replaceChildren();
    status.textContent = 'Importing ' + what + '…';
    try {
      const r = await ctx.api('/api/packs', { method: 'POST', body });
      flash = 'Imported ' + what + ' (' + r.items + ' items).';
      ctx.navigate('#/content/' + r.date + '/' + encodeURIComponent(r.category));
    } catch (err) {
      status.textContent = 'Not imported: nothing was stored.';
      const list = (err.body && err.body.errors) || [err.message];
      problems.replaceChildren(...[].concat(list).map((x) => el('li', x)));
    }
  }
  zip.addEventListener('change', () => {
    const f = zip.files[0];
    zip.value = '';
    if (f) { send(new Blob([f], { type: 'application/zip' }), f.name); }
  });
  folder.addEventListener('change', async () => {
    const files = [...folder.files];
    folder.value = '';
    // webkitRelativePath is "picked/pack.json" or "picked/2026-11-24/pack.json": the pack is at the top or one folder down.
    const path = (f) => f.webkitRelativePath || f.name;
    const depth = (f) => path(f).split('/').length;
    const packs = files.filter((f) => path(f).endsWith('/pack.json') && depth(f) <= 3).sort((a, b) => depth(a) - depth(b));
    const top = packs.filter((f) => depth(f) === depth(packs[0] || f));
    if (top.length !== 1) {
      problems.replaceChildren(el('li', top.length === 0 ? 'No pack.json in that folder or one folder down.' : 'pack.json in ' + top.length + ' folders: choose the one pack\'s folder.'));
      return;
    }
    const prefix = path(top[0]).slice(0, -'pack.json'.length);
    const text = await top[0].text();
    const data = new FormData();
    data.append('pack', text);
    let named = [];
    try { named = (JSON.parse(text).items || []).map((i) => i && i.file).filter((x) => typeof x === 'string'); } catch { /* the server names the JSON error */ }
    for (const f of files) {
      const rel = path(f).slice(prefix.length);
      if (path(f).startsWith(prefix) && named.includes(rel)) { data.append('files', f, rel); }
    }
    send(data, 'folder ' + prefix.replace(/\/$/, ''));
  });
  return h('div', { class: 'toolbar', id: 'import-pack' }, el('span', 'Import a pack:'),
    h('label', { class: 'secondary file-button' }, 'Folder… ', folder), h('label', { class: 'secondary file-button' }, 'Zip… ', zip), status, problems);
}

// ---------- editor and preview ----------
async function editor(ctx, root, date, category) {
  const canEdit = ctx.can('admin');
  // items: the pack's one ordered list (what is sent, in order); lang null = for every language. langs: the variants shown
  // side by side (those the items carry, plus any just added); the default language's column first.
  const s = { pack: null, items: [], nextKey: 1, langs: [], defaultLang: 'en' };
  const title = el('h2', 'Pack for ' + date + (category ? ' · ' + category : ''));
  const desc = el('input', '', '', { id: 'pack-description', maxlength: '1024', placeholder: 'Description (the template says what is inside)', 'aria-label': 'Description' });
  const list = el('ol', '', 'items', { id: 'pack-items' });
  const variants = el('div', '', 'variants', { id: 'pack-variants', hidden: true });
  const problems = el('ul', '', 'error', { id: 'pack-problems', role: 'alert' });
  const result = el('p', '', '', { id: 'pack-result', role: 'status' });
  const drop = el('div', 'Drop images and documents here (for every language), or ', 'drop', { id: 'drop' });
  const picker = el('input', '', '', { type: 'file', multiple: true, id: 'pack-files', accept: '.png,.jpg,.jpeg,' + DOC_EXT.join(','), 'aria-label': 'Add files' });
  drop.append(picker);
  const save = el('button', 'Save pack', '', { type: 'submit', id: 'pack-save' });
  const approve = button('Approve', approvePack, 'secondary', { id: 'pack-approve', hidden: true });
  const addButtons = h('div', { class: 'toolbar', id: 'pack-add' }, ...Object.entries(KINDS).map(([k, label]) => button('+ ' + label, () => addItem({ kind: k }), 'secondary', { 'data-add': k })));
  const variantLang = el('input', '', '', { id: 'variant-lang', placeholder: 'language, e.g. hi', size: '10', 'aria-label': 'Language of the new variant', pattern: '[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*' });
  const variantForm = h('div', { class: 'toolbar', id: 'variant-add' }, variantLang, button('Add a language variant', addVariant, 'secondary', { id: 'variant-add-button' }),
    el('span', 'copies the texts of the first column for translation; images and documents stay shared unless you add one to a column', 'muted'));
  const form = h('form', { class: 'studio-form', id: 'pack-form' }, desc, list, variants,
    canEdit ? addButtons : null, canEdit ? variantForm : null,
    canEdit ? drop : null, problems, canEdit ? h('div', { class: 'toolbar' }, save, approve) : null, result);
  const preview = el('div', '', 'phone-preview', { id: 'preview', 'aria-label': 'Preview' });
  const who = el('input', '', '', { id: 'preview-phone', placeholder: 'advisor phone or name', 'aria-label': 'Preview for advisor', list: 'preview-advisors' });
  const options = el('datalist', '', '', { id: 'preview-advisors' });
  const testBtn = button('Send a test to this advisor', sendTest, 'secondary', { id: 'send-test', disabled: true });
  const testResult = el('p', '', '', { id: 'test-result', role: 'status' });
  const versions = el('div', '', '', { id: 'pack-versions' });
  const versionView = el('div', '', 'version-view', { id: 'version-view' });
  // Shown once the pack is loaded: the load sets the items, so nothing picked or typed before it may be overwritten.
  const loading = el('p', 'Loading the pack…', 'muted loading');
  root.append(loading);
  const page = [h('p', {}, h('a', { href: '#/content' }, '← Calendar')), h('div', { class: 'studio' },
    h('section', { class: 'card' }, title, form),
    h('section', { class: 'card' }, el('h2', 'What the advisor receives'), h('div', { class: 'toolbar' }, who, options, button('Preview', () => renderPreview(), 'secondary', { id: 'preview-button' })),
      preview, ctx.can('admin') ? h('div', {}, testBtn, testResult) : null)),
  h('section', { class: 'card' }, el('h2', 'Versions'), versions, versionView)];
  if (!canEdit) { desc.disabled = true; }

  // Advisor picker: the advisors API's prefix search, as they type.
  who.addEventListener('input', debounce(async () => {
    const q = who.value.trim();
    if (q.length < 2) { return; }
    try {
      const rows = await ctx.api('/api/advisors?limit=8&q=' + encodeURIComponent(q));
      options.replaceChildren(...rows.map((a) => el('option', a.name, '', { value: a.phone })));
    } catch { /* the picker is a convenience; the preview says what is wrong */ }
  }, 250));

  function addItem(item, file) {
    const it = { key: s.nextKey++, kind: item.kind, lang: item.lang || null, text: item.text || '', caption: item.caption || '', file: file || null, fileName: item.fileName || (file && file.name) || null, mediaUrl: item.mediaUrl || null };
    s.items.push(it);
    drawItems();
    return it;
  }

  function addFiles(files) {
    const errs = [];
    for (const f of files) {
      const kind = IMAGE_TYPES[f.type] || /\.(png|jpe?g)$/i.test(f.name) ? 'image' : 'document';
      const bad = checkFile(kind, f);
      if (bad) { errs.push(bad); continue; }
      addItem({ kind }, f);
    }
    problems.replaceChildren(...errs.map((x) => el('li', x)));
  }
  picker.addEventListener('change', () => { addFiles([...picker.files]); picker.value = ''; });
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); addFiles([...e.dataTransfer.files]); });

  const langName = (tag) => { try { return new Intl.DisplayNames(['en'], { type: 'language' }).of(tag); } catch { return tag; } };
  const same = (a, b) => (a || '').toLowerCase() === (b || '').toLowerCase();
  function languages() {
    const all = [...s.langs];
    for (const it of s.items) { if (it.lang && !all.some((l) => same(l, it.lang))) { all.push(it.lang); } }
    return all.sort((a, b) => (same(b, s.defaultLang) - same(a, s.defaultLang)) || a.localeCompare(b));
  }

  // One item's editor; shared items (every language) appear in each column and stay in step (data-key).
  function itemEl(it, visible, lang) {
    const i = visible.indexOf(it);
    const n = s.items.indexOf(it) + 1;
    const shared = lang !== undefined && !it.lang;
    const li = h('li', { class: 'item ' + it.kind + (shared ? ' shared' : ''), 'data-kind': it.kind, 'data-index': n - 1, 'data-key': it.key, 'data-lang': it.lang || '' });
    const head = h('div', { class: 'item-head' }, el('strong', n + '. ' + KINDS[it.kind] + (lang === undefined && it.lang ? ' · ' + it.lang : '')),
      shared ? el('span', 'shared: every language', 'pill') : null);
    if (canEdit) {
      head.append(button('↑', () => move(visible, i, -1), 'link', { 'aria-label': 'Move item ' + n + ' up', disabled: i === 0 }),
        button('↓', () => move(visible, i, 1), 'link', { 'aria-label': 'Move item ' + n + ' down', disabled: i === visible.length - 1 }),
        button('Remove', () => { s.items.splice(s.items.indexOf(it), 1); drawItems(); }, 'link', { 'aria-label': 'Remove item ' + n + (shared ? ' (from every language)' : '') }));
    }
    li.append(head);
    const sync = (cls, value) => { for (const other of root.querySelectorAll('li[data-key="' + it.key + '"] .' + cls)) { if (other.value !== value) { other.value = value; } } };
    if (it.kind === 'post' || it.kind === 'update') {
      const t = el('textarea', '', 'item-text', { rows: '4', maxlength: String(MAX_TEXT), 'aria-label': KINDS[it.kind] + ' text' + (it.lang ? ' (' + it.lang + ')' : ''), placeholder: 'Text; {name} and {date} are filled for each advisor', lang: it.lang || null });
      t.value = it.text;
      t.disabled = !canEdit;
      t.addEventListener('input', () => { it.text = t.value; sync('item-text', t.value); });
      li.append(t);
    } else {
      const f = el('input', '', '', { type: 'file', accept: it.kind === 'image' ? '.png,.jpg,.jpeg' : DOC_EXT.join(','), 'aria-label': KINDS[it.kind] + ' file', class: 'item-file' });
      f.disabled = !canEdit;
      f.addEventListener('change', () => {
        const file = f.files[0];
        const bad = file && checkFile(it.kind, file);
        if (bad) { problems.replaceChildren(el('li', bad)); f.value = ''; return; }
        it.file = file; it.fileName = file.name; drawItems();
      });
      const c = el('input', '', 'item-caption', { maxlength: String(MAX_CAPTION), 'aria-label': KINDS[it.kind] + ' caption', placeholder: 'Caption; {name} and {date} work here too' });
      c.value = it.caption;
      c.disabled = !canEdit;
      c.addEventListener('input', () => { it.caption = c.value; sync('item-caption', c.value); });
      // A thumbnail: the stored file (same origin) or the chosen one (a blob: URL the page made itself; CSP img-src allows blob:).
      const src = it.file && it.kind === 'image' ? (it.objectUrl ||= URL.createObjectURL(it.file)) : it.kind === 'image' ? it.mediaUrl : null;
      li.append(h('div', { class: 'toolbar' }, src ? el('img', '', 'thumb', { src, alt: '' }) : null,
        el('span', it.fileName || (it.mediaUrl ? 'stored ' + it.kind : 'no file yet'), 'muted file-name'), canEdit ? f : null), c);
    }
    return li;
  }

  function drawItems() {
    const langs = languages();
    list.hidden = langs.length > 0;
    variants.hidden = langs.length === 0;
    addButtons.hidden = langs.length > 0;
    if (langs.length === 0) {
      list.replaceChildren(...s.items.map((it) => itemEl(it, s.items)));
      if (s.items.length === 0) { list.append(el('li', 'No items yet: add posts, updates, images or documents.', 'muted')); }
      variants.replaceChildren();
      return;
    }
    list.replaceChildren();
    // One column per language: its own items and the shared ones, in the order they are sent.
    variants.replaceChildren(...langs.map((lang) => {
      const visible = s.items.filter((it) => !it.lang || same(it.lang, lang));
      const own = visible.filter((it) => it.lang).length;
      return h('section', { class: 'lang-col', 'data-lang': lang, lang },
        h('h3', {}, langName(lang) + ' · ' + lang, same(lang, s.defaultLang) ? el('span', 'default', 'pill') : null, el('span', own + ' own, ' + (visible.length - own) + ' shared', 'muted')),
        h('ol', { class: 'items' }, visible.map((it) => itemEl(it, visible, lang))),
        canEdit ? h('div', { class: 'toolbar' }, ...Object.entries(KINDS).map(([k, label]) => button('+ ' + label, () => addItem({ kind: k, lang }), 'secondary', { 'data-add-lang': k }))) : null);
    }));
  }

  // Moves an item past its neighbour in the list being looked at (a column skips other languages' items).
  function move(visible, i, d) {
    const a = s.items.indexOf(visible[i]), b = s.items.indexOf(visible[i + d]);
    [s.items[a], s.items[b]] = [s.items[b], s.items[a]];
    drawItems();
  }

  function addVariant() {
    problems.replaceChildren();
    const raw = variantLang.value.trim();
    if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(raw) || raw.length > 16) { problems.append(el('li', 'Language: a code such as hi, en or hi-Latn.')); return; }
    const lang = raw.split('-').map((p, i) => i === 0 ? p.toLowerCase() : p.length === 4 ? p[0].toUpperCase() + p.slice(1).toLowerCase() : p.length === 2 ? p.toUpperCase() : p.toLowerCase()).join('-');
    let langs = languages();
    if (langs.some((l) => same(l, lang))) { problems.append(el('li', lang + ' is already a column.')); return; }
    if (langs.length === 0) {
      // The texts so far become the default language's variant; media stay shared.
      for (const it of s.items) { if (it.kind === 'post' || it.kind === 'update') { it.lang = s.defaultLang; } }
      s.langs.push(s.defaultLang);
      langs = [s.defaultLang];
    }
    if (!same(lang, langs[0])) {
      const from = langs[0];
      for (const it of s.items.filter((x) => same(x.lang, from))) {
        const copy = { ...it, key: s.nextKey++, lang, objectUrl: null };
        s.items.splice(s.items.indexOf(it) + 1, 0, copy); // right after its original: both variants keep the pack's order
      }
    }
    s.langs.push(lang);
    variantLang.value = '';
    drawItems();
  }

  async function loadPack() {
    const packs = await ctx.api('/api/packs?date=' + encodeURIComponent(date));
    s.pack = packs.find((p) => p.category === category) || null;
    s.items = [];
    s.langs = [];
    if (s.pack) {
      desc.value = s.pack.description;
      // The stored files come back as links to their bytes, so saving a new version keeps them (each stored once, by hash).
      for (const it of s.pack.items) {
        addItem({ kind: it.kind, text: it.text, caption: it.caption, fileName: it.fileName, mediaUrl: it.mediaUrl, lang: it.lang });
      }
    }
    drawItems();
    markState();
    loadVersions();
  }

  function markState() {
    result.textContent = s.pack ? 'Version ' + s.pack.version + ', ' + s.pack.state + (s.pack.approvedBy ? ' (approved by ' + s.pack.approvedBy + ')' : '') + (s.pack.createdBy ? ' · saved by ' + s.pack.createdBy : '') : 'New pack: not saved yet.';
    approve.hidden = !s.pack || s.pack.state === 'approved';
    testBtn.disabled = !s.pack;
  }

  // ---------- versions: which is sent, who saved and who approved each, and an old version read-only ----------
  const when = (t) => ctx.fmtShort(t);
  async function loadVersions() {
    versionView.replaceChildren();
    if (!s.pack) { versions.replaceChildren(el('p', 'Saved versions appear here.', 'muted')); return; }
    await load(versions, () => ctx.api('/api/packs/' + s.pack.id + '/versions'), (rows) => [h('ol', { class: 'version-list' }, rows.map((v) =>
      h('li', { 'data-version': v.version, 'data-state': v.state },
        el('strong', 'v' + v.version), ' ', el('span', v.state, 'pill ' + (v.state === 'sent' ? 'ok' : v.state === 'draft' ? 'warn' : '')), ' ',
        el('span', v.items + ' items · saved by ' + (v.createdBy || 'unknown') + ' ' + when(v.createdAt) + (v.approvedBy ? ' · approved by ' + v.approvedBy + ' ' + when(v.approvedAt) : ' · not approved'), 'muted'), ' ',
        button('View', () => showVersion(v.version), 'link', { 'data-view-version': v.version }))))]);
  }

  const itemSig = (it) => [it.kind, it.lang || '', it.text || '', it.caption || '', it.mediaUrl || ''].join('\u0001');
  const itemLine = (it) => KINDS[it.kind] + (it.lang ? ' (' + it.lang + ')' : '') + ': ' + (it.text || it.caption || it.fileName || it.mediaUrl || '');
  async function showVersion(v) {
    await load(versionView, async () => {
      const cur = await ctx.api('/api/packs/' + s.pack.id + '/versions/' + v);
      const prev = v > 1 ? await ctx.api('/api/packs/' + s.pack.id + '/versions/' + (v - 1)).catch(() => null) : null;
      return { cur, prev };
    }, ({ cur, prev }) => {
      const out = [el('h3', 'Version ' + v + ' (' + cur.version.state + ', read-only)'), el('p', cur.version.description, 'muted'),
        h('ol', { class: 'items readonly' }, cur.items.map((it) => h('li', { class: 'item ' + it.kind, 'data-kind': it.kind, 'data-lang': it.lang || '' },
          el('strong', KINDS[it.kind] + (it.lang ? ' · ' + it.lang : ' · every language')),
          it.kind === 'image' && it.mediaUrl ? el('img', '', 'thumb', { src: it.mediaUrl, alt: '' }) : null,
          it.text ? el('span', it.text, 'text') : null, it.caption ? el('span', it.caption, 'caption') : null, it.fileName ? el('span', it.fileName, 'muted') : null)))];
      if (prev) {
        // What changed: items present in one version and not the other (same kind, language, text, caption and file).
        const before = prev.items.map(itemSig), after = cur.items.map(itemSig);
        const added = cur.items.filter((it) => { const k = before.indexOf(itemSig(it)); if (k >= 0) { before[k] = null; return false; } return true; });
        const removed = prev.items.filter((it) => { const k = after.indexOf(itemSig(it)); if (k >= 0) { after[k] = null; return false; } return true; });
        out.push(el('h4', 'Changes from version ' + (v - 1)), added.length + removed.length === 0 && prev.version.description === cur.version.description
          ? el('p', 'No change in the items (their order may differ).', 'muted')
          : h('ul', { class: 'changes', id: 'version-changes' },
            prev.version.description !== cur.version.description ? el('li', 'Description: ' + cur.version.description) : null,
            added.map((it) => el('li', '+ ' + itemLine(it), 'added')), removed.map((it) => el('li', '− ' + itemLine(it), 'removed'))));
      }
      return out;
    });
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    problems.replaceChildren();
    const data = new FormData();
    const doc = { date, category, description: desc.value.trim(), items: [] };
    for (const [i, it] of s.items.entries()) {
      const lang = it.lang ? { lang: it.lang } : {};
      if (it.kind === 'post' || it.kind === 'update') { doc.items.push({ kind: it.kind, text: it.text, ...lang }); continue; }
      let file = it.file;
      if (!file && it.mediaUrl && it.mediaUrl.startsWith('/media/')) {
        const blob = await (await fetch(it.mediaUrl, { credentials: 'same-origin' })).blob();
        file = new File([blob], it.fileName || ('item' + (i + 1)), { type: blob.type });
      }
      if (!file && it.mediaUrl) { doc.items.push({ kind: it.kind, url: it.mediaUrl, caption: it.caption || null, filename: it.fileName, ...lang }); continue; }
      if (!file) { problems.append(el('li', 'Item ' + (i + 1) + ': choose a file.')); continue; }
      const name = (i + 1) + '-' + file.name.replace(/[^A-Za-z0-9._-]/g, '_');
      data.append('files', file, name);
      doc.items.push({ kind: it.kind, file: name, caption: it.caption || null, filename: it.kind === 'document' ? (it.fileName || file.name) : null, ...lang });
    }
    if (problems.children.length) { return; }
    data.append('pack', JSON.stringify(doc));
    save.disabled = true;
    try {
      const r = await ctx.api('/api/packs', { method: 'POST', body: data });
      await loadPack();
      result.textContent = 'Saved: version ' + r.version + ', ' + r.state + ', ' + r.items + ' items' + (r.state === 'draft' ? ' (another admin approves it before it is sent)' : '') + '.';
      renderPreview();
    } catch (err) {
      const list2 = (err.body && err.body.errors) || (err.body && err.body.problems) || [err.message];
      problems.replaceChildren(...[].concat(list2).map((x) => el('li', x)));
    } finally { save.disabled = false; }
  });

  async function approvePack() {
    try {
      // The version on screen: if someone saved a newer one meanwhile, the server refuses (409) rather than approve unseen content.
      const r = await ctx.api('/api/packs/' + s.pack.id + '/approve?version=' + s.pack.version, { method: 'POST' });
      await loadPack();
      result.textContent = 'Approved version ' + r.version + ' by ' + r.approvedBy + '.';
    } catch (err) { result.textContent = 'Not approved: ' + err.message; }
  }

  async function renderPreview() {
    if (!s.pack) { preview.replaceChildren(el('p', 'Save the pack to preview it.', 'muted')); return; }
    const phone = who.value.trim();
    await load(preview, () => ctx.api('/api/packs/' + s.pack.id + '/preview' + (phone ? '?phone=' + encodeURIComponent(phone) : '')), (p) => {
      const t = p.template;
      const bubbles = [h('div', { class: 'bubble template', id: 'preview-template' },
        el('span', 'Template ' + t.name + ' (' + t.language + ')' + (t.fallback ? ' · default language: none for this advisor' : ''), 'meta'),
        h('ol', { class: 'params' }, t.parameters.map((x, i) => h('li', {}, el('span', '{{' + (i + 1) + '}} ', 'muted'), x))),
        h('div', { class: 'wa-buttons' }, t.buttons.map((b) => el('span', b.scope === 'all' ? "Get today's content" : 'Get ' + b.scope, 'wa-button', { title: b.payload }))))];
      bubbles.push(el('p', 'After a tap, in order:', 'muted tap-note'));
      for (const it of p.items) {
        const b = h('div', { class: 'bubble ' + it.kind, 'data-kind': it.kind });
        if (it.kind === 'image' && it.mediaUrl) { b.append(el('img', '', '', { src: it.mediaUrl, alt: it.caption || it.fileName || 'image' })); }
        if (it.kind === 'document') { b.append(el('span', '📄 ' + (it.fileName || 'document'), 'doc')); }
        if (it.text) { b.append(el('span', it.text, 'text')); }
        if (it.caption) { b.append(el('span', it.caption, 'caption')); }
        bubbles.push(b);
      }
      return [el('p', 'For ' + p.name + (p.phone ? ' (' + p.phone + ')' : '') + ' · version ' + p.version + ' ' + p.state, 'muted', { id: 'preview-for' }), h('div', { class: 'chat' }, bubbles)];
    });
  }

  async function sendTest() {
    const phone = who.value.trim();
    if (!phone) { testResult.textContent = 'Choose an advisor above first.'; return; }
    testBtn.disabled = true;
    try {
      const r = await ctx.api('/api/daily/send?' + new URLSearchParams({ phone, date }), { method: 'POST' });
      testResult.textContent = r.enqueued > 0 ? 'Test queued: the template goes to ' + phone + '; their tap brings the pack.'
        : 'Not sent: ' + (Object.keys(r.reasons).join(', ') || r.note || 'nothing due');
    } catch (err) { testResult.textContent = 'Not sent: ' + err.message; } finally { testBtn.disabled = false; }
  }

  try { s.defaultLang = (await ctx.api('/api/packs/settings')).defaultLanguage || 'en'; } catch { /* the default stays en */ }
  await loadPack().catch((e) => { result.textContent = 'Could not load: ' + e.message; });
  loading.replaceWith(...page);
  if (flash) { result.textContent = flash + ' ' + result.textContent; flash = null; }
  renderPreview();
  return {};
}
