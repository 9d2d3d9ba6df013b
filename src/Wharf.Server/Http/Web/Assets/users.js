// Users table: search by name, server-side pages, quota usage, delete with confirmation.
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  const { api, el, bytes, time, quota, message } = Wharf;
  const pageSize = 20;
  const body = document.querySelector('#users tbody');
  const search = document.getElementById('search');
  const prev = document.getElementById('prev');
  const next = document.getElementById('next');
  const info = document.getElementById('page-info');
  let offset = 0;
  let loading = 0;

  async function load() {
    const ticket = ++loading;
    const query = new URLSearchParams({ search: search.value.trim(), offset: String(offset), limit: String(pageSize) });
    let page;
    try {
      page = await api('GET', '/web/data/users?' + query);
    } catch (e) {
      message(e.message, true);
      return;
    }
    if (ticket !== loading) return; // a newer search already answered
    body.replaceChildren(...(page.users.length ? page.users.map(row) : [el('tr', {}, el('td', { className: 'empty', colSpan: 7 }, search.value.trim() ? 'No user matches.' : 'No users yet.'))]));
    prev.disabled = offset === 0;
    next.disabled = !page.more;
    info.textContent = page.users.length ? `${offset + 1}–${offset + page.users.length}` : '';
    body.dataset.loaded = String(ticket);
  }

  function row(user) {
    const edit = el('a', { className: 'button secondary', href: '/web/users/edit?username=' + encodeURIComponent(user.username) }, 'Edit');
    const remove = el('button', { type: 'button', className: 'danger delete' }, 'Delete');
    remove.addEventListener('click', async () => {
      if (!confirm(`Delete user "${user.username}"? Their files stay on disk.`)) return;
      try {
        await api('DELETE', '/api/v1/users/' + encodeURIComponent(user.username));
        message(`User "${user.username}" deleted.`, false);
        await load();
      } catch (e) {
        message(e.message, true);
      }
    });
    return el('tr', { dataset: { username: user.username } },
      el('td', {}, el('a', { href: edit.href }, user.username)),
      el('td', {}, el('span', { className: 'badge ' + (user.status === 1 ? 'on' : 'off') }, user.status === 1 ? 'active' : 'inactive')),
      el('td', { className: 'mono' }, user.home_dir),
      el('td', {}, quota(user.used_quota_size || 0, user.quota_size || 0, bytes)),
      el('td', {}, quota(user.used_quota_files || 0, user.quota_files || 0, String)),
      el('td', {}, time(user.last_login)),
      el('td', { className: 'actions' }, edit, remove));
  }

  let timer = 0;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => { offset = 0; load(); }, 250);
  });
  prev.addEventListener('click', () => { offset = Math.max(0, offset - pageSize); load(); });
  next.addEventListener('click', () => { offset += pageSize; load(); });
  load();
});
