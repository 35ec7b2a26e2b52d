// Logs: full-text search with the CLI's query syntax, host/service/level filters, the page's
// time range, a histogram of matching volume (click or drag to zoom), results newest first with
// expandable fields and paging, and a live tail that long-polls /api/v1/logs/tail.

import { h, replace } from '../dom.js';
import { api } from '../api.js';
import { Histogram, LEVELS } from '../chart.js';
import { formatDate, formatDateTime, formatTime } from '../format.js';
import { describeRange, resolveRange } from '../timerange.js';
import { contentWidth, emptyState, errorBox, installHint, levelBadge, pageHeader } from '../ui.js';

const PAGE_SIZES = [100, 500, 1000];
const MAX_LIVE_ROWS = 5000;

export function mount(root, ctx) {
  const params = ctx.params;
  let live = false;
  let liveAbort = null;
  let searchAbort = null;
  let nextCursor = null;
  let shown = 0;
  const services = new Set();

  // ---- Controls ----
  const queryInput = h('input.search-input', {
    type: 'search',
    id: 'log-query',
    value: params.get('q') || '',
    placeholder: 'Search: words, "exact phrase", prefix*   (press / to focus)',
    'aria-label': 'Search logs',
    autocomplete: 'off',
    spellcheck: false,
  });
  // The host from the URL is an option at once, so the first search need not wait for the list.
  const hostSelect = h('select#log-host', { 'aria-label': 'Host' }, h('option', { value: '' }, 'All hosts'),
    params.get('host') ? h('option', { value: params.get('host'), selected: true }, params.get('host')) : null);
  const serviceList = h('datalist#log-services');
  const serviceInput = h('input#log-service', {
    type: 'text', list: 'log-services', placeholder: 'Any service', value: params.get('service') || '',
    'aria-label': 'Service', autocomplete: 'off', spellcheck: false,
  });
  const selectedLevels = new Set((params.get('level') || '').split(',').filter((l) => LEVELS.includes(l)));
  const levelButtons = LEVELS.map((level) => h(`button.chip.level-chip.level-${level}`, {
    type: 'button',
    dataset: { level },
    'aria-pressed': String(selectedLevels.has(level)),
    onclick: (e) => {
      if (selectedLevels.has(level)) selectedLevels.delete(level);
      else selectedLevels.add(level);
      e.currentTarget.setAttribute('aria-pressed', String(selectedLevels.has(level)));
      search();
    },
  }, level));
  const limit = PAGE_SIZES.includes(Number(params.get('limit'))) ? Number(params.get('limit')) : 100;
  const limitSelect = h('select#log-limit', { 'aria-label': 'Lines per page', onchange: () => search() },
    PAGE_SIZES.map((n) => h('option', { value: String(n), selected: n === limit }, `${n} per page`)));
  const liveButton = h('button.btn.live-toggle', {
    type: 'button', 'aria-pressed': 'false', title: 'Stream new lines as they arrive',
    onclick: () => setLive(!live),
  }, h('span.live-dot'), 'Live tail');
  const form = h('form.search-bar', {
    role: 'search',
    onsubmit: (e) => {
      e.preventDefault();
      search();
    },
  }, queryInput, h('button.btn.primary', { type: 'submit' }, 'Search'), liveButton);
  const filters = h('div.filters',
    h('label.filter', h('span', 'Host'), hostSelect),
    h('label.filter', h('span', 'Service'), serviceInput, serviceList),
    h('div.filter', h('span', 'Level'), h('div.chips', levelButtons)),
    h('label.filter', h('span', 'Show'), limitSelect));
  hostSelect.addEventListener('change', () => search());
  serviceInput.addEventListener('change', () => search());

  const summary = h('div.subtitle');
  const histogramSlot = h('div.histogram-slot');
  const histogramCard = h('section.card.histogram-card',
    h('div.card-head', h('h2.card-title', 'Volume'), h('span.muted.small', 'drag or click to zoom')),
    histogramSlot);
  const histogram = new Histogram(histogramSlot, {
    onSelect: (from, to) => {
      ctx.setRange({ from, to });
      search();
    },
  });
  const liveStatus = h('div.live-status', { hidden: true });
  const results = h('div.log-list#log-results', { role: 'list' });
  const more = h('div.more');
  const resultsCard = h('section.card.results-card', liveStatus, results, more);
  const status = h('div');
  root.append(
    pageHeader('Logs', { subtitle: summary, actions: ctx.rangePicker() }),
    h('div.card.search-card', form, filters),
    status, histogramCard, resultsCard);

  const onKey = (e) => {
    if (e.key === '/' && !e.ctrlKey && !e.metaKey && !['INPUT', 'TEXTAREA', 'SELECT'].includes(document.activeElement?.tagName)) {
      e.preventDefault();
      queryInput.focus();
      queryInput.select();
    }
  };
  document.addEventListener('keydown', onKey);

  function filterParams() {
    return {
      q: queryInput.value.trim(),
      host: hostSelect.value,
      service: serviceInput.value.trim(),
      level: [...selectedLevels].join(','),
    };
  }

  function saveParams() {
    const f = filterParams();
    ctx.setParams({ ...f, limit: limitSelect.value === '100' ? null : limitSelect.value });
  }

  async function loadHosts() {
    try {
      const { hosts } = await api('/api/v1/hosts', null, { signal: ctx.signal });
      const wanted = hostSelect.value;
      replace(hostSelect, h('option', { value: '' }, 'All hosts'),
        hosts.map((x) => h('option', { value: x.host, selected: x.host === wanted }, x.host)));
      if (wanted && !hosts.some((x) => x.host === wanted)) {
        hostSelect.append(h('option', { value: wanted, selected: true }, wanted));
      }
      return hosts;
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      return null;  // the search reports errors
    }
  }

  function timeText(ts) {
    return formatDate(ts) === formatDate(Date.now()) ? formatTime(ts) : `${formatDate(ts).slice(5)} ${formatTime(ts)}`;
  }

  function renderRow(l) {
    const row = h('div.log-row', {
      role: 'listitem',
      tabindex: '0',
      dataset: { level: l.level, id: String(l.id) },
      'aria-expanded': 'false',
    },
      h('span.log-time', { title: l.time }, timeText(l.ts), h('span.ms', `.${String(l.ts % 1000).padStart(3, '0')}`)),
      levelBadge(l.level),
      h('span.log-host', l.host),
      h('span.log-service', l.service || '—'),
      h('span.log-message', l.message),
      l.fields ? h('span.log-has-fields', { title: 'has fields' }, `{${Object.keys(l.fields).length}}`) : null);
    row._log = l;
    if (l.service) services.add(l.service);
    return row;
  }

  function toggleRow(row) {
    const open = row.getAttribute('aria-expanded') === 'true';
    row.setAttribute('aria-expanded', String(!open));
    if (open) {
      row.nextSibling?.classList.contains('log-detail') && row.nextSibling.remove();
      return;
    }
    const l = row._log;
    const entries = [
      ['time', `${l.time} (${formatDateTime(l.ts, true)} local)`], ['host', l.host],
      ['service', l.service || '""'], ['level', l.level], ['id', String(l.id)],
      ...Object.entries(l.fields || {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [`fields.${k}`, v]),
    ];
    row.after(h('div.log-detail', { role: 'listitem' },
      h('pre.log-full', l.message),
      h('dl.fields', entries.map(([k, v]) => [h('dt', k), h('dd', v)]))));
  }

  results.addEventListener('click', (e) => {
    const row = e.target.closest('.log-row');
    if (row && !window.getSelection()?.toString()) toggleRow(row);
  });
  results.addEventListener('keydown', (e) => {
    const row = e.target.closest('.log-row');
    if (!row) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      toggleRow(row);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      let next = e.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling;
      while (next && !next.classList.contains('log-row')) {
        next = e.key === 'ArrowDown' ? next.nextElementSibling : next.previousElementSibling;
      }
      next?.focus();
    }
  });

  // Rows go in by chunks, one chunk per frame, so a 1,000-line page never blocks the browser
  // for long: the first lines show at once and scrolling stays smooth while the rest arrive.
  const CHUNK_ROWS = 150;
  let renderGeneration = 0;
  async function appendRows(logs) {
    const generation = ++renderGeneration;
    performance.mark('hivewatch:logs:render-start');
    for (let i = 0; i < logs.length; i += CHUNK_ROWS) {
      if (i > 0) {
        await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
        if (generation !== renderGeneration || ctx.signal.aborted) return false;
      }
      const frag = document.createDocumentFragment();
      for (const l of logs.slice(i, i + CHUNK_ROWS)) frag.append(renderRow(l));
      results.append(frag);
      shown += Math.min(CHUNK_ROWS, logs.length - i);
    }
    replace(serviceList, [...services].sort().map((s) => h('option', { value: s })));
    performance.mark('hivewatch:logs:render-end');
    performance.measure('hivewatch:logs:render', 'hivewatch:logs:render-start', 'hivewatch:logs:render-end');
    return true;
  }

  function renderMore() {
    replace(more, nextCursor
      ? h('button.btn#log-more', { type: 'button', onclick: () => loadPage(false) }, `Load ${limitSelect.value} older lines`)
      : shown ? h('span.muted.small', 'End of results.') : null);
  }

  function fetchPage(first, signal) {
    const range = resolveRange(ctx.range);
    const query = { ...filterParams(), start: range.start, end: range.end, limit: limitSelect.value };
    if (!first) query.cursor = nextCursor;
    return api('/api/v1/logs', query, { signal });
  }

  async function renderPage(page, first) {
    if (first) {
      ++renderGeneration;  // stops a previous page still going in
      replace(results);
      shown = 0;
    }
    nextCursor = page.next;
    replace(more);
    if (await appendRows(page.logs)) renderMore();
  }

  async function loadPage(first) {
    try {
      await renderPage(await fetchPage(first, searchAbort.signal), first);
    } catch (e) {
      if (e.name !== 'AbortError') replace(status, errorBox('Could not load more lines', e));
    }
  }

  function histogramBuckets() {
    return Math.max(20, Math.min(200, Math.floor(contentWidth() / 9)));
  }

  function fetchHistogram(signal) {
    const range = resolveRange(ctx.range);
    return api('/api/v1/logs/histogram',
      { ...filterParams(), start: range.start, end: range.end, buckets: histogramBuckets() }, { signal });
  }

  function renderHistogram(hist) {
    histogram.setData(hist);
    const total = hist.total;
    replace(summary, h('span#log-total', { dataset: { total: String(total) } },
      `${total.toLocaleString('en-US')} matching ${total === 1 ? 'line' : 'lines'}`), ` in ${describeRange(ctx.range)}`);
  }

  async function updateHistogram() {
    try {
      renderHistogram(await fetchHistogram(ctx.signal));
    } catch (e) {
      if (e.name !== 'AbortError') replace(status, errorBox('Could not count the matching lines', e));
    }
  }

  async function search() {
    saveParams();
    if (live) setLive(true);  // follow the new filters
    if (searchAbort) searchAbort.abort();
    searchAbort = new AbortController();
    ctx.signal.addEventListener('abort', () => searchAbort.abort(), { once: true });
    resultsCard.classList.add('busy');
    replace(status);
    try {
      // Both answers are shown together, so the count always describes the rows below it.
      const [hist, page] = await Promise.all([fetchHistogram(searchAbort.signal), fetchPage(true, searchAbort.signal)]);
      renderHistogram(hist);
      await renderPage(page, true);
      if (!page.logs.length) {
        const hosts = await loadHosts();
        if (hosts && !hosts.length) {
          replace(results, installHint());
        } else {
          replace(results, emptyState('No log lines match',
            h('p', `Nothing matches in ${describeRange(ctx.range)}. Try a wider time range or fewer filters.`),
            h('div.empty-actions',
              h('button.btn', { type: 'button', onclick: () => { ctx.setRange({ preset: '7d' }); search(); } }, 'Search the last 7 days'),
              h('button.btn', { type: 'button', onclick: clearFilters }, 'Clear filters'))));
        }
      }
    } catch (e) {
      if (e.name === 'AbortError') return;
      replace(status, errorBox('The search failed', e));
      replace(results);
      replace(more);
      replace(summary, '');
      histogram.setData(null);
    } finally {
      resultsCard.classList.remove('busy');
    }
    ctx.ready();
  }

  function clearFilters() {
    queryInput.value = '';
    hostSelect.value = '';
    serviceInput.value = '';
    selectedLevels.clear();
    for (const b of levelButtons) b.setAttribute('aria-pressed', 'false');
    search();
  }

  // ---- Live tail ----
  function setLive(on) {
    live = on;
    liveButton.setAttribute('aria-pressed', String(on));
    liveButton.classList.toggle('on', on);
    liveStatus.hidden = !on;
    if (liveAbort) liveAbort.abort();
    liveAbort = null;
    if (on) tail();
  }

  async function tail() {
    const abort = new AbortController();
    liveAbort = abort;
    ctx.signal.addEventListener('abort', () => abort.abort(), { once: true });
    const f = filterParams();
    replace(liveStatus, h('span.live-dot.on'), 'Live: new lines appear at the top as they arrive.');
    let after = null;
    let failures = 0;
    while (!abort.signal.aborted) {
      const started = performance.now();
      try {
        const waited = after !== null;
        const params = waited ? { ...f, after_id: after, wait: 25 } : { ...f };
        const res = await api('/api/v1/logs/tail', params, { signal: abort.signal });
        failures = 0;
        if (waited && res.logs.length) prependLive(res.logs);
        after = res.last_id;
        replace(liveStatus, h('span.live-dot.on'), 'Live: new lines appear at the top as they arrive.');
        // Answered at once with nothing: the collector has no waiting slot free; pause.
        if (waited && !res.logs.length && performance.now() - started < 500) await sleep(1000, abort.signal);
      } catch (e) {
        if (e.name === 'AbortError') return;
        failures++;
        replace(liveStatus, h('span.live-dot.err'), `Live tail interrupted: ${e.message}. Retrying…`);
        await sleep(Math.min(30000, 1000 * 2 ** failures), abort.signal).catch(() => {});
      }
    }
  }

  function prependLive(logs) {
    const frag = document.createDocumentFragment();
    for (let i = logs.length - 1; i >= 0; i--) {
      const row = renderRow(logs[i]);
      row.classList.add('new');
      frag.append(row);
    }
    const empty = results.querySelector('.empty-state');
    if (empty) empty.remove();
    results.prepend(frag);
    shown += logs.length;
    while (results.children.length > MAX_LIVE_ROWS) results.lastElementChild.remove();
  }

  loadHosts().catch(() => {});
  search();
  return {
    refresh({ auto } = {}) {
      if (live) return Promise.resolve();  // the tail keeps the list current
      // A timer must not throw away what the reader is looking at: pages loaded, rows opened,
      // a scrolled list. Then only the volume and the count are brought up to date.
      const reading = nextCursor && shown > Number(limitSelect.value) ||
        results.querySelector('.log-detail') || window.scrollY > 200;
      if (auto && reading) return updateHistogram();
      return search();
    },
    destroy() {
      document.removeEventListener('keydown', onKey);
      histogram.destroy();
      if (liveAbort) liveAbort.abort();
      if (searchAbort) searchAbort.abort();
    },
  };
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new DOMException('aborted', 'AbortError'));
    }, { once: true });
  });
}
