// Active connections, refreshed every two seconds; Close disconnects one.
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  const { api, el, time, message } = Wharf;
  const body = document.querySelector('#connections tbody');

  async function load() {
    let list;
    try {
      list = await api('GET', '/api/v1/connections');
    } catch (e) {
      message(e.message, true);
      return;
    }
    body.replaceChildren(...(list.length ? list.map(row) : [el('tr', {}, el('td', { className: 'empty', colSpan: 7 }, 'No active connections.'))]));
  }

  function row(c) {
    const close = el('button', { type: 'button', className: 'danger close' }, 'Close');
    close.addEventListener('click', async () => {
      if (!confirm(`Close the connection of ${c.username || 'an unauthenticated client'} from ${c.remote_address}?`)) return;
      close.disabled = true;
      try {
        await api('DELETE', '/api/v1/connections/' + encodeURIComponent(c.connection_id));
        message(`Connection ${c.connection_id} closed.`, false);
      } catch (e) {
        message(e.message, true);
      }
      await load();
    });
    return el('tr', { dataset: { connectionId: c.connection_id, username: c.username } },
      el('td', {}, c.username || '(authenticating)'),
      el('td', { className: 'mono' }, c.remote_address),
      el('td', {}, c.protocol + (c.sftp_version ? ' v' + c.sftp_version : '')),
      el('td', { className: 'mono' }, c.client_version),
      el('td', {}, time(c.connection_time)),
      el('td', { className: 'mono' }, c.connection_id),
      el('td', { className: 'actions' }, close));
  }

  load();
  setInterval(load, 2000);
});
