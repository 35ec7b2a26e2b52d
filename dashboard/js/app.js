// The dashboard shell: hash routes (#/hosts, #/host/<name>, #/logs, #/metrics), the shared time
// range and auto-refresh, the token dialog, and each page's lifecycle. A page module exports
// mount(root, ctx) returning {refresh({auto}), destroy()} (auto: a timer, not the user, asked);
// ctx gives it its URL parameters, the time
// range, an AbortSignal that fires when the page is left, and ready(), which marks the first
// complete render (for the browser tests and the Performance API figures).

import { h, replace } from './dom.js';
import { ApiError, getToken, setAuthHandler, setToken } from './api.js';
import { parseRange, rangeParams, rangePicker, REFRESH_CHOICES } from './timerange.js';
import * as hostsPage from './pages/hosts.js';
import * as hostPage from './pages/host.js';
import * as logsPage from './pages/logs.js';
import * as metricsPage from './pages/metrics.js';

const PAGES = { hosts: hostsPage, host: hostPage, logs: logsPage, metrics: metricsPage };
const REFRESH_KEY = 'hivewatch.refresh';

let current = null;
let refreshTimer = null;

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const [name, ...rest] = path.split('/');
  return {
    name: PAGES[name] ? name : 'hosts',
    arg: rest.length ? decodeURIComponent(rest.join('/')) : '',
    path: PAGES[name] ? path : 'hosts',
    params,
  };
}

function autoRefreshKey() {
  const key = localStorage.getItem(REFRESH_KEY);
  return REFRESH_CHOICES.some((c) => c.key === key) ? key : '30s';
}

function scheduleRefresh() {
  clearInterval(refreshTimer);
  const choice = REFRESH_CHOICES.find((c) => c.key === autoRefreshKey());
  if (!choice.ms) return;
  refreshTimer = setInterval(() => {
    if (document.visibilityState !== 'visible' || !current || current.busy) return;
    if (current.page && current.page.refresh) current.refresh({ auto: true });
  }, choice.ms);
}

function render() {
  if (current) {
    current.abort.abort();
    if (current.page && current.page.destroy) current.page.destroy();
  }
  delete document.documentElement.dataset.ready;
  const route = parseHash();
  for (const a of document.querySelectorAll('[data-nav]')) {
    const active = a.dataset.nav === route.name || (route.name === 'host' && a.dataset.nav === 'hosts');
    a.classList.toggle('active', active);
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const root = document.getElementById('page');
  replace(root);
  const state = {
    route,
    abort: new AbortController(),
    page: null,
    busy: false,
    pickers: [],
    readyMarked: false,
  };
  state.refresh = async (opts = {}) => {
    state.busy = true;
    try {
      await state.page.refresh(opts);
    } finally {
      state.busy = false;
    }
  };
  current = state;
  const ctx = makeContext(state);
  state.page = PAGES[route.name].mount(root, ctx);
  document.title = `${route.arg ? `${route.arg} · ` : ''}${route.name[0].toUpperCase()}${route.name.slice(1)} · hivewatch`;
}

function makeContext(state) {
  const { route } = state;
  const ctx = {
    name: route.name,
    arg: route.arg,
    params: route.params,
    signal: state.abort.signal,
    get range() {
      return parseRange(route.params, ctx.defaultRange || '1h');
    },
    // Changes URL parameters without reloading the page (null removes one).
    setParams(values) {
      for (const [k, v] of Object.entries(values)) {
        if (v === null || v === undefined || v === '' || (Array.isArray(v) && !v.length)) route.params.delete(k);
        else if (Array.isArray(v)) route.params.set(k, v.join(','));
        else route.params.set(k, v);
      }
      const qs = route.params.toString();
      history.replaceState(null, '', `#/${route.path}${qs ? `?${qs}` : ''}`);
    },
    navigate(hash) {
      location.hash = hash;
    },
    // Sets the time range (URL and pickers) without refreshing; the page does what it needs.
    setRange(range) {
      ctx.setParams(rangeParams(range));
      for (const redraw of state.pickers) redraw();
    },
    // The time-range toolbar; changing it updates the URL and refreshes the page.
    rangePicker() {
      const holder = h('div.toolbar-slot');
      const draw = () => replace(holder, rangePicker({
        range: ctx.range,
        refresh: autoRefreshKey(),
        onRange: (range) => {
          ctx.setRange(range);
          state.refresh();
        },
        onRefresh: () => state.refresh(),
        onAutoRefresh: (key) => {
          localStorage.setItem(REFRESH_KEY, key);
          scheduleRefresh();
        },
      }));
      state.pickers.push(draw);
      draw();
      return holder;
    },
    // The first complete render: marks it for tests and the Performance API.
    ready() {
      if (state.readyMarked || state !== current) return;
      state.readyMarked = true;
      performance.mark(`hivewatch:${route.name}:ready`);
      document.documentElement.dataset.ready = route.name;
    },
  };
  return ctx;
}

// ---- Token dialog ---------------------------------------------------------------------------

function setupTokenDialog() {
  const dialog = document.getElementById('token-dialog');
  const input = document.getElementById('token-input');
  const reason = document.getElementById('token-reason');
  let waiting = null;  // {resolve, reject} of the request that asked

  const open = (message) => {
    reason.textContent = message || '';
    reason.hidden = !message;
    input.value = getToken();
    if (!dialog.open) dialog.showModal();
    input.focus();
    input.select();
  };
  const close = () => {
    if (dialog.open) dialog.close();
  };

  document.getElementById('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) {
      reason.textContent = 'Enter a token, or cancel.';
      reason.hidden = false;
      return;
    }
    setToken(token);
    close();
    if (waiting) {
      waiting.resolve();
      waiting = null;
    } else {
      render();
    }
  });
  document.getElementById('token-cancel').addEventListener('click', () => {
    close();
    if (waiting) {
      waiting.reject(waiting.error);
      waiting = null;
    }
  });
  document.getElementById('token-clear').addEventListener('click', () => {
    setToken('');
    input.value = '';
    reason.textContent = 'The token was removed from this browser.';
    reason.hidden = false;
  });
  dialog.addEventListener('cancel', () => {
    if (waiting) {
      waiting.reject(waiting.error);
      waiting = null;
    }
  });
  document.getElementById('token-button').addEventListener('click', () => open(''));

  setAuthHandler((status, message) => new Promise((resolve, reject) => {
    const what = status === 403 ? 'The token was refused' : 'The collector asks for a token';
    waiting = { resolve, reject, error: new ApiError(status, message) };
    open(`${what}: ${message}`);
  }));
}

window.addEventListener('hashchange', render);
window.addEventListener('DOMContentLoaded', () => {
  setupTokenDialog();
  scheduleRefresh();
  if (!location.hash) history.replaceState(null, '', '#/hosts');
  render();
});
