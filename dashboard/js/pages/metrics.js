// Metrics: type a PromQL query (metric names and functions autocomplete from /api/v1/labels and
// /api/v1/label/__name__/values) or pick an example, and chart it over the page's time range.

import { h, replace } from '../dom.js';
import { api, queryRange } from '../api.js';
import { TimeChart } from '../chart.js';
import { formatLabels } from '../format.js';
import { describeRange, rateWindow, resolveRange, stepFor } from '../timerange.js';
import { contentWidth, errorBox, pageHeader } from '../ui.js';

const FUNCTIONS = ['rate', 'irate', 'increase', 'sum', 'avg', 'min', 'max', 'count', 'by', 'without',
                   'avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time'];

const EXAMPLES = [
  { label: 'CPU busy % by host', query: '100 * (1 - avg by (host) (rate(node_cpu_seconds_total{mode="idle"}[$w])))', unit: 'percent' },
  { label: 'Memory used % by host', query: '100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)', unit: 'percent' },
  { label: 'Load (1 min)', query: 'node_load1' },
  { label: 'Network in by host', query: 'sum by (host) (rate(node_network_receive_bytes_total{device!="lo"}[$w]))', unit: 'bytes/s' },
  { label: 'Disk writes by device', query: 'sum by (host, device) (rate(node_disk_written_bytes_total[$w]))', unit: 'bytes/s' },
];

// A unit guessed from the query text, for axis labels.
function guessUnit(query) {
  if (/^\s*100\s*\*/.test(query) || /_ratio\b/.test(query) && /100/.test(query)) return 'percent';
  if (/_bytes_total\b/.test(query) && /\b(i?rate)\s*\(/.test(query)) return 'bytes/s';
  if (/_bytes\b/.test(query)) return 'bytes';
  if (/_total\b/.test(query) && /\b(i?rate)\s*\(/.test(query)) return 'ops/s';
  return '';
}

export function mount(root, ctx) {
  let metricNames = [];
  let labelNames = [];
  const input = h('input.query-input#metric-query', {
    type: 'text',
    value: ctx.params.get('query') || '',
    placeholder: 'A metric name or a PromQL query, e.g. rate(node_network_receive_bytes_total[5m])',
    'aria-label': 'PromQL query',
    autocomplete: 'off',
    spellcheck: false,
    role: 'combobox',
    'aria-autocomplete': 'list',
    'aria-expanded': 'false',
    'aria-controls': 'metric-suggestions',
  });
  const suggestions = h('ul.suggestions#metric-suggestions', { role: 'listbox', hidden: true });
  const runButton = h('button.btn.primary', { type: 'submit' }, 'Run query');
  const form = h('form.query-bar', {
    onsubmit: (e) => {
      e.preventDefault();
      closeSuggestions();
      run();
    },
  }, h('div.query-field', input, suggestions), runButton);
  const examples = h('div.examples', h('span.muted.small', 'Examples:'),
    EXAMPLES.map((ex) => h('button.chip', {
      type: 'button',
      onclick: () => {
        input.value = ex.query.replaceAll('$w', '5m');
        run();
      },
    }, ex.label)));
  const catalog = h('div.muted.small.catalog');
  const status = h('div.query-status');
  const chartSlot = h('div.chart-slot');
  const title = h('h2.card-title#metric-title', 'Chart');
  const chartCard = h('section.card.chart-card.metrics-chart', title, chartSlot);
  root.append(
    pageHeader('Metrics', { subtitle: 'Query what the agents sent, with PromQL', actions: ctx.rangePicker() }),
    h('div.card.query-card', form, examples, catalog),
    status, chartCard);
  let chart = new TimeChart(chartSlot, { height: 320, unit: guessUnit(input.value) });
  chart.setError('Type a query above, or pick an example.');
  chartCard.dataset.state = 'idle';

  // ---- Autocomplete ----
  let active = -1;
  let items = [];
  function currentToken() {
    const before = input.value.slice(0, input.selectionStart ?? input.value.length);
    const m = before.match(/[a-zA-Z_:][a-zA-Z0-9_:]*$/);
    return m ? { text: m[0], start: before.length - m[0].length } : null;
  }
  function updateSuggestions() {
    const token = currentToken();
    if (!token || !token.text) return closeSuggestions();
    const t = token.text.toLowerCase();
    const inBraces = (input.value.slice(0, token.start).match(/\{/g) || []).length >
                     (input.value.slice(0, token.start).match(/\}/g) || []).length;
    const pool = inBraces ? labelNames : [...metricNames, ...FUNCTIONS];
    const prefix = pool.filter((n) => n.toLowerCase().startsWith(t));
    const infix = pool.filter((n) => !n.toLowerCase().startsWith(t) && n.toLowerCase().includes(t));
    items = [...prefix, ...infix].filter((n) => n !== token.text).slice(0, 12);
    if (!items.length) return closeSuggestions();
    active = -1;
    replace(suggestions, items.map((name, i) => h('li', {
      role: 'option',
      id: `suggestion-${i}`,
      dataset: { value: name },
      onmousedown: (e) => {
        e.preventDefault();
        accept(name);
      },
    }, FUNCTIONS.includes(name) ? h('span.kind', 'fn') : inBraces ? h('span.kind', 'label') : h('span.kind.metric', 'metric'), name)));
    suggestions.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  }
  function closeSuggestions() {
    suggestions.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    active = -1;
  }
  function highlight(i) {
    active = i;
    [...suggestions.children].forEach((li, k) => li.classList.toggle('active', k === i));
    if (i >= 0) input.setAttribute('aria-activedescendant', `suggestion-${i}`);
  }
  function accept(name) {
    const token = currentToken();
    const caret = input.selectionStart ?? input.value.length;
    const start = token ? token.start : caret;
    input.value = input.value.slice(0, start) + name + input.value.slice(caret);
    const pos = start + name.length;
    input.setSelectionRange(pos, pos);
    closeSuggestions();
    input.focus();
  }
  input.addEventListener('input', updateSuggestions);
  input.addEventListener('blur', () => setTimeout(closeSuggestions, 100));
  input.addEventListener('keydown', (e) => {
    if (suggestions.hidden) return;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      highlight((active + 1) % items.length);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      highlight((active - 1 + items.length) % items.length);
    } else if ((e.key === 'Enter' || e.key === 'Tab') && active >= 0) {
      e.preventDefault();
      accept(items[active]);
    } else if (e.key === 'Escape') {
      closeSuggestions();
    }
  });

  async function loadCatalog() {
    try {
      const [names, labels] = await Promise.all([
        api('/api/v1/label/__name__/values', null, { signal: ctx.signal }),
        api('/api/v1/labels', null, { signal: ctx.signal }),
      ]);
      metricNames = names.data || [];
      labelNames = (labels.data || []).filter((l) => l !== '__name__');
      replace(catalog, `${metricNames.length} metrics, labels: ${labelNames.join(', ') || 'none'}`);
      catalog.dataset.metrics = String(metricNames.length);
    } catch (e) {
      if (e.name === 'AbortError') return;
      replace(catalog, h('span.error-text', `Metric names could not be loaded: ${e.message}`));
    }
  }

  async function run() {
    const query = input.value.trim();
    ctx.setParams({ query });
    replace(status);
    if (!query) {
      chart.setError('Type a query above, or pick an example.');
      ctx.ready();
      return;
    }
    const { start, end } = resolveRange(ctx.range);
    const step = stepFor(start, end, Math.min(1000, Math.max(200, contentWidth())));
    const expr = query.replaceAll('$w', rateWindow(step));
    const unit = guessUnit(query);
    if (unit !== chart.opts.unit) chart.opts.unit = unit;
    chart.setLoading();
    chartCard.classList.add('busy');
    try {
      const series = await queryRange(expr, start, end, step, { signal: ctx.signal });
      chart.setData(series.map((s) => ({ name: formatLabels(s.labels) || query, points: s.points })), start, end);
      replace(title, `${series.length} series · ${describeRange(ctx.range)} · step ${step / 1000} s`);
      chartCard.dataset.state = 'drawn';
    } catch (e) {
      if (e.name === 'AbortError') return;
      chart.setError('The query failed; see the message above.');
      replace(status, errorBox('The query failed', e));
      chartCard.dataset.state = 'error';
    } finally {
      chartCard.classList.remove('busy');
    }
    ctx.ready();
  }

  loadCatalog();
  run();
  return {
    refresh: run,
    destroy() {
      chart.destroy();
      chart = null;
    },
  };
}
