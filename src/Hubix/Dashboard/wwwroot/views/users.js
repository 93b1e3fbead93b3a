// Users (admins): who may sign in, with which role; add (the generated password is shown once) and disable.
import { el, h, button, table, row, load } from '../lib.js';

export async function render(ctx, root) {
  const list = el('div');
  const name = el('input', '', '', { id: 'user-name', required: true, placeholder: 'name', 'aria-label': 'Name' });
  const role = h('select', { id: 'user-role', 'aria-label': 'Role' }, ['viewer', 'operator', 'admin'].map((r) => el('option', r, '', { value: r })));
  const out = el('p', '', '', { role: 'status', id: 'user-result' });
  const form = h('form', { class: 'toolbar', id: 'user-form' }, name, role, el('button', 'Add user', '', { type: 'submit' }));
  root.append(h('section', { class: 'card' }, el('h2', 'Users'), list), h('section', { class: 'card' }, el('h2', 'Add a user'),
    el('p', 'A password is generated and shown once; give it to them in person.', 'muted'), form, out));
  const loadList = () => load(list, () => ctx.api('/api/users'), (users) => table(['Name', 'Role', 'Created', 'Last sign-in', ''], users.map((u) => row([
    u.name, u.role, ctx.fmtTime(u.createdAt), ctx.fmtTime(u.lastSignInAt) || 'never',
    u.disabledAt ? 'disabled ' + ctx.fmtTime(u.disabledAt) : u.name === ctx.me.name ? '(you)' : button('Disable', async () => {
      if (!confirm('Disable ' + u.name + '? Their sessions and tokens stop working.')) { return; }
      try { await ctx.api('/api/users/' + encodeURIComponent(u.name) + '/disable', { method: 'POST' }); loadList(); } catch (e) { out.textContent = e.message; }
    }, 'secondary')], { 'data-user': u.name })), { id: 'users' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await ctx.api('/api/users', { method: 'POST', body: JSON.stringify({ name: name.value.trim(), role: role.value }) });
      out.replaceChildren('Added ' + r.user.name + ' (' + r.user.role + '). Password, shown once: ', el('code', r.generatedPassword ?? '(the one you gave)'));
      name.value = '';
      loadList();
    } catch (err) { out.textContent = 'Not added: ' + err.message; }
  });
  await loadList();
  return {};
}
