// Host: one host's CPU by mode, memory, load, disk I/O, network and filesystem usage over the
// page's time range, and its recent error logs.

import { h, replace } from '../dom.js';
import { api, queryRange } from '../api.js';
import { TimeChart } from '../chart.js';
import { formatAgo, formatDateTime } from '../format.js';
import { describeRange, rangeParams, rateWindow, resolveRange, stepFor } from '../timerange.js';
import { contentWidth, emptyState, errorBox, hostStatus, levelBadge, pageHeader, promString, statusPill } from '../ui.js';

// $host: the host as a PromQL string; $w: the rate window for the step.
const CHARTS = [
  {
    id: 'cpu', title: 'CPU busy by mode', unit: 'percent', stacked: true,
    queries: [{
      expr: '100 * avg by (mode) (rate(node_cpu_seconds_total{host=$host,mode!="idle"}[$w]))',
      name: (l) => l.mode,
      // Stacked from the bottom in the usual order; unknown modes after these.
      order: ['user', 'nice', 'system', 'iowait', 'irq', 'softirq', 'steal', 'guest', 'guest_nice'],
    }],
  },
  {
    // One query for both gauges; "used" (total - available) is computed here.
    id: 'memory', title: 'Memory', unit: 'bytes',
    queries: [{
      expr: '{__name__=~"node_memory_MemTotal_bytes|node_memory_MemAvailable_bytes",host=$host}',
      name: (l) => l.__name__,
    }],
    transform: (series) => {
      const total = series.find((s) => s.name === 'node_memory_MemTotal_bytes');
      const avail = series.find((s) => s.name === 'node_memory_MemAvailable_bytes');
      if (!total || !avail) return [];
      const totals = new Map(total.points);
      const used = avail.points.filter(([t]) => totals.has(t)).map(([t, v]) => [t, totals.get(t) - v]);
      return [{ name: 'used', points: used }, { name: 'total', points: total.points, color: '#9ca3af' }];
    },
  },
  {
    id: 'load', title: 'Load average', unit: '',
    queries: [{
      expr: '{__name__=~"node_load1|node_load5|node_load15",host=$host}',
      name: (l) => ({ node_load1: '1 min', node_load5: '5 min', node_load15: '15 min' })[l.__name__],
      order: ['1 min', '5 min', '15 min'],
    }],
  },
  {
    id: 'disk', title: 'Disk I/O', unit: 'bytes/s',
    queries: [
      { expr: 'sum by (device) (rate(node_disk_read_bytes_total{host=$host}[$w]))', name: (l) => `read ${l.device}` },
      { expr: 'sum by (device) (rate(node_disk_written_bytes_total{host=$host}[$w]))', name: (l) => `write ${l.device}` },
    ],
  },
  {
    id: 'network', title: 'Network', unit: 'bytes/s',
    queries: [
      { expr: 'sum by (device) (rate(node_network_receive_bytes_total{host=$host,device!="lo"}[$w]))', name: (l) => `in ${l.device}` },
      { expr: 'sum by (device) (rate(node_network_transmit_bytes_total{host=$host,device!="lo"}[$w]))', name: (l) => `out ${l.device}` },
    ],
  },
  {
    id: 'filesystem', title: 'Filesystem used', unit: 'percent', yMax: 100,
    queries: [{
      expr: '100 * (1 - node_filesystem_avail_bytes{host=$host} / node_filesystem_size_bytes{host=$host})',
      name: (l) => l.mountpoint || l.device,
    }],
  },
];

const ERROR_LEVELS = ['error', 'critical'];
const NAME_ORDER = new Intl.Collator('en', { numeric: true });  // "sda2" before "sda10"

export function mount(root, ctx) {
  const host = ctx.arg;
  const status = h('span');
  const meta = h('span.muted');
  root.append(pageHeader(host || '(no host)', {
    back: { href: '#/hosts', label: 'Hosts' },
    subtitle: h('span.host-meta', status, meta),
    actions: ctx.rangePicker(),
  }));
  const notice = h('div');
  const grid = h('div.chart-grid');
  const charts = CHARTS.map((def) => {
    const slot = h('div.chart-slot');
    grid.append(h('section.card.chart-card', { dataset: { chart: def.id } },
      h('h2.card-title', def.title), slot));
    return { def, chart: new TimeChart(slot, { unit: def.unit, stacked: def.stacked, yMax: def.yMax }) };
  });
  const logsBody = h('div.log-list.compact');
  const logsLink = h('a.card-link', 'Open in Logs →');
  const logsCard = h('section.card.logs-card',
    h('div.card-head', h('h2.card-title', 'Recent errors'), logsLink), logsBody);
  root.append(notice, grid, logsCard);

  let firstChartMarked = false;
  async function loadChart({ def, chart }, start, end, step) {
    chart.setLoading();
    const w = rateWindow(step);
    try {
      const parts = await Promise.all(def.queries.map(async (q) => {
        const expr = q.expr.replaceAll('$host', promString(host)).replaceAll('$w', w);
        const series = await queryRange(expr, start, end, step, { signal: ctx.signal });
        const rank = (name) => (q.order && q.order.includes(name) ? q.order.indexOf(name) : Infinity);
        return series.map((s) => ({ name: q.name(s.labels) || '(none)', points: s.points, color: q.color }))
          .sort((a, b) => rank(a.name) - rank(b.name) || NAME_ORDER.compare(a.name, b.name));
      }));
      chart.setData(def.transform ? def.transform(parts.flat()) : parts.flat(), start, end);
      if (!firstChartMarked && chart.series.length) {
        firstChartMarked = true;  // the first chart with data on screen: first meaningful paint
        performance.mark('hivewatch:host:first-chart');
      }
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      chart.setError(`Query failed: ${e.message}`);
    }
  }

  async function loadLogs(start, end) {
    const params = { host, level: ERROR_LEVELS.join(','), start, end, limit: 25 };
    logsLink.href = `#/logs?${new URLSearchParams({
      host, level: ERROR_LEVELS.join(','), ...Object.fromEntries(Object.entries(rangeParams(ctx.range)).filter(([, v]) => v)),
    })}`;
    try {
      const { logs } = await api('/api/v1/logs', params, { signal: ctx.signal });
      if (!logs.length) {
        replace(logsBody, h('p.muted.pad', `No errors in ${describeRange(ctx.range)}.`));
        return;
      }
      replace(logsBody, logs.map((l) => h('div.log-row', { dataset: { level: l.level } },
        h('span.log-time', { title: l.time }, formatDateTime(l.ts)),
        levelBadge(l.level),
        h('span.log-service', l.service || '—'),
        h('span.log-message', l.message))));
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      replace(logsBody, errorBox('Could not read the logs', e));
    }
  }

  async function loadHeader() {
    try {
      const { hosts } = await api('/api/v1/hosts', null, { signal: ctx.signal });
      const info = hosts.find((x) => x.host === host);
      if (!info) {
        replace(notice, emptyState(`No host named "${host}" has reported`,
          h('p', 'Check the name, or go back to ', h('a', { href: '#/hosts' }, 'the list of hosts'), '.')));
        return;
      }
      replace(notice);
      replace(status, statusPill(hostStatus(info.last_seen)));
      replace(meta, ` agent ${info.agent_version || info.agent_id} · last push ${formatAgo(info.last_seen)}`);
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      replace(notice, errorBox('Could not read the host', e));
    }
  }

  async function refresh() {
    const { start, end } = resolveRange(ctx.range);
    const width = contentWidth() / (window.innerWidth > 1100 ? 2 : 1);  // two columns when wide
    const step = stepFor(start, end, Math.min(600, Math.max(120, Math.round(width))));
    try {
      await Promise.all([
        loadHeader(),
        loadLogs(start, end),
        ...charts.map((c) => loadChart(c, start, end, step)),
      ]);
      ctx.ready();
    } catch (e) {
      if (e.name !== 'AbortError') throw e;
    }
  }

  refresh();
  return {
    refresh,
    destroy() {
      for (const c of charts) c.chart.destroy();
    },
  };
}
