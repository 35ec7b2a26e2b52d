// The time range shared by every chart and query on a page: a preset relative to now
// ("1h": the last hour) or an absolute window. Kept in the page URL (range=1h, or from=&to= in
// ms) so that reloads and shared links show the same thing. Also the picker that edits it.

import { h, replace } from './dom.js';
import { formatDateTime, formatDuration } from './format.js';

export const PRESETS = [
  { key: '15m', label: '15 min', ms: 15 * 60e3 },
  { key: '1h', label: '1 h', ms: 3600e3 },
  { key: '6h', label: '6 h', ms: 6 * 3600e3 },
  { key: '24h', label: '24 h', ms: 24 * 3600e3 },
  { key: '7d', label: '7 d', ms: 7 * 24 * 3600e3 },
];

export const REFRESH_CHOICES = [
  { key: 'off', label: 'Off', ms: 0 },
  { key: '10s', label: '10 s', ms: 10e3 },
  { key: '30s', label: '30 s', ms: 30e3 },
  { key: '1m', label: '1 min', ms: 60e3 },
  { key: '5m', label: '5 min', ms: 300e3 },
];

export function parseRange(params, fallback = '1h') {
  const from = Number(params.get('from'));
  const to = Number(params.get('to'));
  if (from > 0 && to > from) return { from, to };
  const key = params.get('range');
  const preset = PRESETS.find((p) => p.key === key) || PRESETS.find((p) => p.key === fallback);
  return { preset: preset.key };
}

export function rangeParams(range) {
  return range.preset ? { range: range.preset, from: null, to: null }
                      : { range: null, from: String(range.from), to: String(range.to) };
}

// {start, end} in ms for the range now.
export function resolveRange(range, now = Date.now()) {
  if (range.preset) {
    const p = PRESETS.find((x) => x.key === range.preset);
    return { start: now - p.ms, end: now };
  }
  return { start: range.from, end: range.to };
}

export function describeRange(range) {
  if (range.preset) return `the last ${PRESETS.find((p) => p.key === range.preset).label}`;
  return `${formatDateTime(range.from)} – ${formatDateTime(range.to)}`;
}

// A query step giving about `points` points over the range, a whole number of seconds and at
// least `minStepMs`.
export function stepFor(start, end, points = 300, minStepMs = 1000) {
  const raw = Math.max(minStepMs, (end - start) / points);
  const nice = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800,
                21600, 43200, 86400].map((s) => s * 1000);
  return nice.find((s) => s >= raw) || Math.ceil(raw / 86400e3) * 86400e3;
}

// The window for rate() at a given step: at least four agent intervals and one step.
export function rateWindow(stepMs) {
  const s = Math.max(60, Math.ceil((stepMs * 2) / 1000));
  return s % 60 === 0 ? `${s / 60}m` : `${s}s`;
}

function toLocalInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60e3);
  return d.toISOString().slice(0, 16);
}

// The picker: preset buttons, a custom window, the refresh button and the auto-refresh choice.
// onRange(range), onRefresh(), onAutoRefresh(key) are called on changes.
export function rangePicker({ range, refresh, onRange, onRefresh, onAutoRefresh }) {
  const customPanel = h('div.range-custom', { hidden: true });
  const buttons = PRESETS.map((p) => h('button.seg', {
    type: 'button',
    dataset: { range: p.key },
    'aria-pressed': String(range.preset === p.key),
    onclick: () => onRange({ preset: p.key }),
  }, p.label));
  // The custom window's inputs are made when first opened: date-time inputs are costly to
  // create (locale formats), and most visits never open them.
  const openCustom = () => {
    if (!customPanel.firstChild) {
      const current = resolveRange(range);
      const fromInput = h('input', { type: 'datetime-local', value: toLocalInput(current.start), 'aria-label': 'From' });
      const toInput = h('input', { type: 'datetime-local', value: toLocalInput(current.end), 'aria-label': 'To' });
      const customError = h('span.range-error');
      replace(customPanel,
        h('label', 'From ', fromInput),
        h('label', 'To ', toInput),
        h('button.btn.primary', {
          type: 'button',
          onclick: () => {
            const from = new Date(fromInput.value).getTime();
            const to = new Date(toInput.value).getTime();
            if (!(from < to)) {
              customError.textContent = 'The start must be before the end.';
              return;
            }
            customPanel.hidden = true;
            onRange({ from, to });
          },
        }, 'Apply'),
        customError);
    }
    customPanel.hidden = !customPanel.hidden;
  };
  const customButton = h('button.seg', {
    type: 'button',
    dataset: { range: 'custom' },
    'aria-pressed': String(!range.preset),
    title: range.preset ? 'Pick a start and an end' : describeRange(range),
    onclick: openCustom,
  }, range.preset ? 'Custom' : `${formatDuration(range.to - range.from)} window`);
  const refreshSelect = h('select.refresh-select', {
    'aria-label': 'Auto-refresh',
    title: 'Auto-refresh',
    onchange: (e) => onAutoRefresh(e.target.value),
  }, REFRESH_CHOICES.map((c) => h('option', { value: c.key, selected: c.key === refresh }, c.key === 'off' ? 'Auto-refresh off' : `Every ${c.label}`)));
  return h('div.range-picker',
    h('div.segmented', { role: 'group', 'aria-label': 'Time range' }, buttons, customButton),
    customPanel,
    h('button.btn.icon-btn', { type: 'button', title: 'Refresh now', 'aria-label': 'Refresh now', onclick: onRefresh }, '↻'),
    refreshSelect);
}
