// Number, size and time formatting shared by tables, charts and tooltips.

const pad2 = (n) => String(n).padStart(2, '0');

export function formatNumber(v, digits = 2) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e15 || a < 1e-3)) return v.toExponential(2);
  const units = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e4, 'k']];
  for (const [size, unit] of units) {
    if (a >= size) return trim((v / size).toFixed(digits)) + unit;
  }
  return trim(v.toFixed(a >= 100 ? Math.min(digits, 1) : digits));
}

function trim(s) {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

export function formatBytes(v, digits = 1) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let a = Math.abs(v);
  let i = 0;
  while (a >= 1024 && i < units.length - 1) {
    a /= 1024;
    i++;
  }
  const s = trim((Math.sign(v) * a).toFixed(i === 0 ? 0 : digits));
  return `${s} ${units[i]}`;
}

export function formatPercent(v, digits = 1) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  return `${v.toFixed(digits)}%`;
}

// Formats a value in one of the chart units: 'percent', 'bytes', 'bytes/s', 'ops/s', ''.
export function formatUnit(v, unit, digits) {
  switch (unit) {
    case 'percent': return formatPercent(v, digits ?? 1);
    case 'bytes': return formatBytes(v, digits ?? 1);
    case 'bytes/s': return v === null || Number.isNaN(v) ? '—' : `${formatBytes(v, digits ?? 1)}/s`;
    case 'ops/s': return v === null || Number.isNaN(v) ? '—' : `${formatNumber(v, digits ?? 2)}/s`;
    default: return formatNumber(v, digits ?? 2);
  }
}

export function formatTime(ms, withSeconds = true) {
  const d = new Date(ms);
  const t = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  return withSeconds ? `${t}:${pad2(d.getSeconds())}` : t;
}

export function formatDate(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

export function formatDateTime(ms, withMs = false) {
  const d = new Date(ms);
  const base = `${formatDate(ms)} ${formatTime(ms)}`;
  return withMs ? `${base}.${String(d.getMilliseconds()).padStart(3, '0')}` : base;
}

// "12 s ago", "5 min ago", "3 h ago", "2 d ago".
export function formatAgo(ms, now = Date.now()) {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400 * 2) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

// "15 min", "1 h", "2 d" for a duration in ms.
export function formatDuration(ms) {
  const s = ms / 1000;
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86400) return `${trim((s / 3600).toFixed(1))} h`;
  return `${trim((s / 86400).toFixed(1))} d`;
}

// A series' label set as `name{a="1", b="2"}`, without the given keys.
export function formatLabels(labels, omit = []) {
  const name = labels.__name__ || '';
  const parts = Object.keys(labels)
    .filter((k) => k !== '__name__' && !omit.includes(k))
    .sort()
    .map((k) => `${k}="${labels[k]}"`);
  if (!parts.length) return name || '{}';
  return `${name}{${parts.join(', ')}}`;
}
