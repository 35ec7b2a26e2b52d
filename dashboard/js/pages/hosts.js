// Hosts: every host that has pushed, with its status, CPU, memory, fullest filesystem, load and
// an hour of CPU as a sparkline. Sortable by any column; a row opens the host.

import { h, replace } from '../dom.js';
import { api, queryInstant, queryRange } from '../api.js';
import { drawSparkline } from '../chart.js';
import { formatAgo, formatDateTime, formatDuration, formatNumber } from '../format.js';
import { errorBox, hostStatus, installHint, meter, pageHeader, statusPill, loading } from '../ui.js';

const QUERIES = {
  cpu: '100 * (1 - avg by (host) (rate(node_cpu_seconds_total{mode="idle"}[2m])))',
  mem: '100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)',
  fs: 'max by (host) (100 * (1 - node_filesystem_avail_bytes / node_filesystem_size_bytes))',
  load: 'node_load1',
  cpus: 'count by (host) (node_cpu_seconds_total{mode="idle"})',
};
const SPARK_QUERY = QUERIES.cpu;
const SPARK_RANGE_MS = 3600e3;
const SPARK_POINTS = 60;

const COLUMNS = [
  { key: 'host', label: 'Host', type: 'text' },
  { key: 'status', label: 'Status', type: 'text' },
  { key: 'cpu', label: 'CPU', type: 'num' },
  { key: 'mem', label: 'Memory', type: 'num' },
  { key: 'fs', label: 'Fullest disk', type: 'num' },
  { key: 'load', label: 'Load (1 min)', type: 'num' },
  { key: 'spark', label: 'CPU', sortable: false },  // the last hour, or since the first push
  { key: 'last_seen', label: 'Last seen', type: 'num' },
  { key: 'log_lines', label: 'Log lines', type: 'num' },
];
const STATUS_ORDER = { down: 0, stale: 1, up: 2 };

export function mount(root, ctx) {
  const body = h('div.hosts-body', loading());
  const summary = h('div.subtitle');
  root.append(pageHeader('Hosts', { subtitle: summary }), body);
  let rows = [];
  let metricsError = null;
  let sparkWindow = null;
  let sort = { key: ctx.params.get('sort') || 'host', dir: ctx.params.get('dir') || 'asc' };

  async function refresh() {
    let hosts;
    try {
      hosts = (await api('/api/v1/hosts', null, { signal: ctx.signal })).hosts;
    } catch (e) {
      if (e.name === 'AbortError') return;
      replace(body, errorBox('Could not list the hosts', e));
      ctx.ready();
      return;
    }
    if (!hosts.length) {
      replace(summary, 'No hosts yet');
      replace(body, h('div.card', installHint()));
      ctx.ready();
      return;
    }
    const now = Date.now();
    // The sparklines cover the last hour, or less while every host is younger than that, so a
    // new installation shows its first minutes at once.
    const sparkStart = Math.max(now - SPARK_RANGE_MS, Math.min(...hosts.map((x) => x.first_seen)) - 1000);
    const sparkStep = Math.max(1000, Math.round((now - sparkStart) / SPARK_POINTS / 1000) * 1000);
    const byHost = new Map(hosts.map((x) => [x.host, {
      ...x, status: hostStatus(x.last_seen, now), spark: [],
    }]));
    metricsError = null;
    const results = await Promise.allSettled([
      ...Object.entries(QUERIES).map(([key, q]) => queryInstant(q, now, { signal: ctx.signal })
        .then((list) => ({ key, list }))),
      queryRange(SPARK_QUERY, sparkStart, now, sparkStep, { signal: ctx.signal })
        .then((list) => ({ key: 'spark', list })),
    ]);
    if (ctx.signal.aborted) return;
    for (const r of results) {
      if (r.status === 'rejected') {
        metricsError = metricsError || r.reason;
        continue;
      }
      const { key, list } = r.value;
      for (const s of list) {
        const row = byHost.get(s.labels.host);
        if (!row) continue;
        if (key === 'spark') row.spark = s.points;
        else if (key === 'fs') row.fs = s.value;
        else row[key] = s.value;
      }
    }
    rows = [...byHost.values()];
    sparkWindow = { start: sparkStart, end: now };
    const counts = { up: 0, stale: 0, down: 0 };
    for (const r of rows) counts[r.status]++;
    replace(summary, `${rows.length} ${rows.length === 1 ? 'host' : 'hosts'} · `,
      h('span.count-up', `${counts.up} up`), ' · ',
      h('span.count-stale', `${counts.stale} stale`), ' · ',
      h('span.count-down', `${counts.down} down`));
    draw();
    ctx.ready();
  }

  function sortRows() {
    const col = COLUMNS.find((c) => c.key === sort.key) || COLUMNS[0];
    const dir = sort.dir === 'desc' ? -1 : 1;
    const value = (r) => (col.key === 'status' ? STATUS_ORDER[r.status] : r[col.key]);
    rows.sort((a, b) => {
      const va = value(a), vb = value(b);
      const missingA = va === undefined || va === null || Number.isNaN(va);
      const missingB = vb === undefined || vb === null || Number.isNaN(vb);
      if (missingA || missingB) return missingA === missingB ? a.host.localeCompare(b.host) : missingA ? 1 : -1;
      const c = col.type === 'num' || col.key === 'status' ? va - vb : String(va).localeCompare(String(vb));
      return c !== 0 ? c * dir : a.host.localeCompare(b.host);
    });
  }

  const mark = (active) => h('span.sort-mark', active ? (sort.dir === 'asc' ? '▲' : '▼') : '');

  function draw() {
    sortRows();
    const head = h('tr', COLUMNS.map((c) => {
      if (c.key === 'spark') {
        const span = sparkWindow ? sparkWindow.end - sparkWindow.start : SPARK_RANGE_MS;
        const last = span >= SPARK_RANGE_MS - 60e3 ? 'hour' : formatDuration(Math.round(span / 1000) * 1000);
        return h('th', { scope: 'col' }, `CPU, last ${last}`);
      }
      const active = sort.key === c.key;
      return h(`th.${c.type === 'num' ? 'num' : 'txt'}`, {
        scope: 'col',
        'aria-sort': active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none',
      }, h('button.sort', {
        type: 'button',
        dataset: { sort: c.key },
        onclick: () => {
          sort = { key: c.key, dir: active && sort.dir === 'asc' ? 'desc' : active ? 'asc' : c.type === 'num' ? 'desc' : 'asc' };
          ctx.setParams({ sort: sort.key, dir: sort.dir });
          draw();
        },
      }, c.type === 'num' ? mark(active) : null, c.label, c.type === 'num' ? null : mark(active)));
    }));
    const now = Date.now();
    const trs = rows.map((r) => {
      const href = `#/host/${encodeURIComponent(r.host)}`;
      const spark = h('canvas.sparkline');
      const tr = h('tr.host-row', {
        dataset: { host: r.host },
        onclick: (e) => {
          if (e.target.closest('a')) return;
          ctx.navigate(href);
        },
      },
        h('td.txt', h('a.host-link', { href }, r.host),
          h('div.muted.small', r.agent_version ? `agent ${r.agent_version}` : r.agent_id)),
        h('td.txt', statusPill(r.status)),
        h('td.num', meter(r.cpu, 'CPU busy, averaged over every core (2 min)')),
        h('td.num', meter(r.mem, 'memory used: 1 - MemAvailable / MemTotal')),
        h('td.num', meter(r.fs, 'the fullest filesystem')),
        h('td.num', r.load === undefined ? h('span.muted', '—')
          : h('span', { title: r.cpus ? `${r.cpus} CPUs` : '' }, formatNumber(r.load),
              r.cpus ? h('span.muted.small', ` / ${r.cpus} CPU${r.cpus === 1 ? '' : 's'}`) : null)),
        h('td.spark-cell', spark),
        h('td.num', { title: formatDateTime(r.last_seen) }, formatAgo(r.last_seen, now)),
        h('td.num', r.log_lines.toLocaleString('en-US')));
      const points = drawSparkline(spark, r.spark, { start: sparkWindow.start, end: sparkWindow.end, max: 10 });
      spark.dataset.points = String(points);
      return tr;
    });
    replace(body,
      metricsError ? errorBox('Metrics are not available, so only what the hosts pushed is shown', metricsError) : null,
      h('div.card.table-card', h('table.table.hosts-table', h('thead', head), h('tbody', trs))));
  }

  refresh();
  return { refresh };
}
