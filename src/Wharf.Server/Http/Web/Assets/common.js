// Shared by every page: API calls with the session cookie, safe element building, formatting.
// Data is only ever put in the DOM as text (textContent / attributes), never parsed as HTML.
'use strict';

const Wharf = (() => {
  class ApiError extends Error {
    constructor(message, status, field) {
      super(message);
      this.status = status;
      this.field = field || null;
    }
  }

  // The X-Wharf-Web header is what makes the server accept the cookie on /api calls: a form on
  // another site cannot send it.
  async function api(method, url, body) {
    const init = { method, credentials: 'same-origin', headers: { 'X-Wharf-Web': '1', 'Accept': 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    if (response.status === 401 || (response.redirected && new URL(response.url).pathname === '/web/login')) {
      location.assign('/web/login');
      throw new ApiError('your session has ended: log in again', 401);
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch { data = { detail: text }; }
    }
    if (!response.ok) {
      throw new ApiError((data && (data.detail || data.title)) || ('HTTP ' + response.status), response.status, data && data.field);
    }
    return data;
  }

  // el('td', { className: 'x', dataset: { id } }, 'text', childNode)
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === 'dataset') Object.assign(node.dataset, value);
      else if (key in node) node[key] = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function bytes(n) {
    if (!n) return '0 B';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(n < 10 ? 1 : 0)) + ' ' + units[i];
  }

  function time(ms) {
    return ms ? new Date(ms).toLocaleString() : 'never';
  }

  // Used against limit, with a meter; 0 means unlimited.
  function quota(used, limit, format) {
    const cell = el('div', { className: 'quota' });
    if (limit > 0) {
      cell.append(el('meter', { min: 0, max: limit, value: Math.min(used, limit), high: limit * 0.9, optimum: 0, title: Math.round(used * 100 / limit) + '%' }));
    }
    cell.append(el('span', {}, format(used) + ' / ' + (limit > 0 ? format(limit) : 'unlimited')));
    return cell;
  }

  function message(text, isError) {
    const box = document.getElementById('message');
    if (!box) return;
    box.textContent = text;
    box.classList.toggle('error', !!isError);
    box.hidden = !text;
  }

  document.addEventListener('DOMContentLoaded', () => {
    const logout = document.getElementById('logout');
    if (logout) {
      logout.addEventListener('click', async () => {
        try { await fetch('/web/logout', { method: 'POST', credentials: 'same-origin', headers: { 'X-Wharf-Web': '1' } }); } finally { location.assign('/web/login'); }
      });
    }
    const flash = sessionStorage.getItem('wharf.flash');
    if (flash) {
      sessionStorage.removeItem('wharf.flash');
      message(flash, false);
    }
  });

  return { api, el, bytes, time, quota, message, ApiError };
})();
