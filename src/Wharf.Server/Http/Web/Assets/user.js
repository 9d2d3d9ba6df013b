// Add and edit form: every property of a user. The password is write-only: an edit that leaves
// it empty keeps the current one. Server errors (problem+json with "field") show next to the field.
'use strict';

document.addEventListener('DOMContentLoaded', async () => {
  const { api, el, bytes, time } = Wharf;
  const permissionNames = ['*', 'list', 'download', 'upload', 'overwrite', 'delete', 'rename', 'create_dirs', 'create_symlinks', 'chmod', 'chown', 'chtimes'];
  const numbers = ['uid', 'gid', 'max_sessions', 'quota_size', 'quota_files', 'upload_bandwidth', 'download_bandwidth'];
  const lists = ['public_keys', 'allowed_ip', 'denied_ip'];
  const form = document.getElementById('user-form');
  const field = name => document.getElementById('f-' + name);
  const permissionRows = document.querySelector('#permissions tbody');
  const editing = new URLSearchParams(location.search).get('username');

  function addPermission(dir, granted) {
    const dirInput = el('input', { className: 'perm-dir', value: dir, placeholder: '/path', spellcheck: false, 'aria-label': 'Directory' });
    const boxes = el('div', { className: 'perm-list' });
    for (const name of permissionNames) {
      const box = el('input', { type: 'checkbox', value: name, checked: granted.includes(name) });
      boxes.append(el('label', {}, box, name === '*' ? 'all' : name));
    }
    const remove = el('button', { type: 'button', className: 'danger' }, 'Remove');
    const tr = el('tr', {}, el('td', {}, dirInput), el('td', {}, boxes), el('td', { className: 'actions' }, remove));
    remove.addEventListener('click', () => tr.remove());
    permissionRows.append(tr);
  }

  function toLocalInput(ms) {
    if (!ms) return '';
    const d = new Date(ms);
    const pad = n => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  function fill(user) {
    field('username').value = user.username;
    field('username').readOnly = true;
    field('status').value = String(user.status);
    field('expiration_date').value = toLocalInput(user.expiration_date);
    field('expiration_date').dataset.original = String(user.expiration_date || 0);
    field('home_dir').value = user.home_dir || '';
    for (const n of numbers) field(n).value = String(user[n] || 0);
    for (const n of lists) field(n).value = (user[n] || []).join('\n');
    permissionRows.replaceChildren();
    for (const [dir, granted] of Object.entries(user.permissions || {})) addPermission(dir, granted);
    document.getElementById('password-help').textContent = 'Leave empty to keep the current password. Stored as an argon2id hash and never shown.';
    const usage = document.getElementById('usage');
    usage.textContent = `Used: ${bytes(user.used_quota_size || 0)} in ${user.used_quota_files || 0} files (updated ${time(user.last_quota_update)}). Last login: ${time(user.last_login)}.`;
    usage.hidden = false;
  }

  // A number the browser cannot parse is sent as typed, so the server's 400 names the field.
  function number(name) {
    const input = field(name);
    const raw = input.value.trim();
    if (raw === '' && !input.validity.badInput) return 0;
    const n = Number(raw);
    return raw !== '' && Number.isFinite(n) ? n : (raw || 'not a number');
  }

  // The input has minute precision: an untouched date keeps its exact stored value.
  function expiration() {
    const input = field('expiration_date');
    const original = Number(input.dataset.original || 0);
    if (input.value === toLocalInput(original)) return original;
    return input.value ? new Date(input.value).getTime() : 0;
  }

  function collect() {
    const user = {
      username: field('username').value.trim(),
      status: Number(field('status').value),
      home_dir: field('home_dir').value.trim(),
      expiration_date: expiration(),
      permissions: {},
    };
    const password = field('password').value;
    if (password) user.password = password;
    for (const n of numbers) user[n] = number(n);
    for (const n of lists) user[n] = field(n).value.split('\n').map(s => s.trim()).filter(s => s);
    for (const tr of permissionRows.children) {
      const dir = tr.querySelector('.perm-dir').value.trim();
      if (!dir) continue;
      user.permissions[dir] = [...tr.querySelectorAll('.perm-list input:checked')].map(b => b.value);
    }
    return user;
  }

  function clearErrors() {
    for (const f of form.querySelectorAll('.field')) {
      f.classList.remove('invalid');
      const p = f.querySelector('.field-error');
      p.textContent = '';
      p.hidden = true;
    }
    const general = document.getElementById('form-error');
    general.textContent = '';
    general.hidden = true;
  }

  function showError(e) {
    const target = e.field && form.querySelector(`.field[data-field="${CSS.escape(e.field)}"]`);
    if (target) {
      target.classList.add('invalid');
      const p = target.querySelector('.field-error');
      p.textContent = e.message;
      p.hidden = false;
      target.scrollIntoView({ block: 'center' });
    } else {
      const general = document.getElementById('form-error');
      general.textContent = e.message;
      general.hidden = false;
    }
  }

  document.getElementById('add-permission').addEventListener('click', () => addPermission('', []));

  form.addEventListener('submit', async event => {
    event.preventDefault();
    clearErrors();
    const user = collect();
    const save = document.getElementById('save');
    save.disabled = true;
    try {
      if (editing) await api('PUT', '/api/v1/users/' + encodeURIComponent(editing), user);
      else await api('POST', '/api/v1/users', user);
      sessionStorage.setItem('wharf.flash', `User "${user.username}" saved.`);
      location.assign('/web/users');
    } catch (e) {
      showError(e);
    } finally {
      save.disabled = false;
    }
  });

  if (editing) {
    try {
      fill(await api('GET', '/api/v1/users/' + encodeURIComponent(editing)));
    } catch (e) {
      showError(e);
      document.getElementById('save').disabled = true;
    }
  } else {
    addPermission('/', ['*']);
    field('username').focus();
  }
  form.dataset.ready = '1';
});
