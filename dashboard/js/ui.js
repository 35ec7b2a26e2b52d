// Building blocks shared by the pages: headers, error and empty states, status pills, level
// badges and percentage meters.

import { h } from './dom.js';
import { formatPercent } from './format.js';

// Hosts are "up" when they pushed within UP_MS, "stale" within DOWN_MS, "down" after that.
export const UP_MS = 2 * 60e3;
export const DOWN_MS = 10 * 60e3;

export function hostStatus(lastSeenMs, now = Date.now()) {
  const age = now - lastSeenMs;
  if (age <= UP_MS) return 'up';
  if (age <= DOWN_MS) return 'stale';
  return 'down';
}

export function statusPill(status) {
  const titles = {
    up: 'pushed within the last 2 minutes',
    stale: 'no push for 2 to 10 minutes',
    down: 'no push for more than 10 minutes',
  };
  return h(`span.pill.status-${status}`, { title: titles[status] }, h('span.dot'), status);
}

export function levelBadge(level) {
  return h(`span.level.level-${level}`, level);
}

export function pageHeader(title, { subtitle, back, actions } = {}) {
  return h('div.page-header',
    h('div.page-title',
      back ? h('a.back', { href: back.href }, `← ${back.label}`) : null,
      h('h1', title),
      subtitle ? h('div.subtitle', subtitle) : null),
    actions ? h('div.page-actions', actions) : null);
}

// An error message from the collector (or the network), in a panel that says what failed.
export function errorBox(what, err) {
  const message = err && err.message ? err.message : String(err);
  const status = err && err.status ? ` (HTTP ${err.status})` : '';
  return h('div.error-box', { role: 'alert' },
    h('strong', `${what}${status}`), h('div.error-message', message));
}

export function emptyState(title, ...body) {
  return h('div.empty-state', h('h2', title), body);
}

// What to do when no agent has reported yet.
export function installHint() {
  const url = location.origin;
  return emptyState('No agent has reported yet',
    h('p', 'Hosts appear here as soon as a hivewatch agent pushes its first batch. Install an agent on each machine you want to watch:'),
    h('ol.steps',
      h('li', 'Create an ingest token on the collector\'s machine:',
        h('pre.cmd', 'hivewatch-collector token create --name web1 --scope ingest > /etc/hivewatch/token')),
      h('li', 'Install the agent on the host (the hivewatch package, or copy ', h('code', 'hivewatch-agent'), ') and point it at this collector:',
        h('pre.cmd', `hivewatch-agent --collector ${url} --token-file /etc/hivewatch/token`)),
      h('li', 'Within one interval (10 s by default) the host shows up here with its CPU, memory, disk and network.')),
    h('p.muted', 'Applications can also push logs and metrics directly: see docs/api.md (POST /api/v1/push).'));
}

// A percentage with a thin bar; colour warns above 80 % and 90 %.
export function meter(percent, title) {
  if (percent === undefined || percent === null || Number.isNaN(percent)) {
    return h('span.meter.none', { title: title || 'no data' }, '—');
  }
  const bar = h('span.meter-fill');
  bar.style.width = `${Math.max(0, Math.min(100, percent)).toFixed(1)}%`;
  const level = percent >= 90 ? 'crit' : percent >= 80 ? 'warn' : 'ok';
  return h(`span.meter.${level}`, { title: title || '' },
    h('span.meter-value', formatPercent(percent)), h('span.meter-track', bar));
}

export function loading(text = 'Loading…') {
  return h('div.loading', h('span.spinner'), text);
}

// Escapes a value for a PromQL double-quoted string.
export function promString(value) {
  return `"${String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

// The width of the page's content, from the window alone: reading an element's width before the
// first layout would force that layout (fonts, styles) before the page's requests go out.
export function contentWidth() {
  return Math.max(320, Math.min(window.innerWidth, 1480) - 48);
}
