// Canvas charts, no dependencies: TimeChart (time series with axes, stacking, hover values and a
// legend), Histogram (stacked bars with drag-to-zoom) and sparklines. Series with more points
// than pixels are drawn as one min/max stroke per pixel column, so 10,000+ points per series
// cost about as much as 1,000. Hover is drawn on a second canvas and never redraws the data.

import { h, replace } from './dom.js';
import { formatUnit, formatTime, formatDate, formatDateTime } from './format.js';

export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#76b7b2', '#edc948',
                        '#b07aa1', '#ff9da7', '#9c755f', '#8cd17d', '#499894', '#d37295'];

export const LEVEL_COLORS = {
  trace: '#b8c0cc', debug: '#94a3b8', info: '#60a5fa', notice: '#22d3ee',
  warning: '#f59e0b', error: '#ef4444', critical: '#9f1239',
};
export const LEVELS = ['trace', 'debug', 'info', 'notice', 'warning', 'error', 'critical'];

const FONT = '11px Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const AXIS_COLOR = '#6b7280';
const GRID_COLOR = '#eef0f3';
const BG = '#ffffff';

const SECOND = 1000, MINUTE = 60 * SECOND, HOUR = 60 * MINUTE, DAY = 24 * HOUR;
const TIME_STEPS = [SECOND, 5 * SECOND, 15 * SECOND, 30 * SECOND, MINUTE, 5 * MINUTE,
                    10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR,
                    12 * HOUR, DAY, 2 * DAY, 7 * DAY];

// Ticks for a time axis from `start` to `end` (ms) with about one per `minGap` pixels.
function timeTicks(start, end, width, minGap = 90) {
  const span = end - start;
  const wanted = Math.max(1, width / minGap);
  const step = TIME_STEPS.find((s) => span / s <= wanted) || TIME_STEPS[TIME_STEPS.length - 1];
  const tzOffset = new Date(start).getTimezoneOffset() * MINUTE;
  // Align to local time (whole hours/days in the viewer's zone).
  let t = Math.ceil((start - tzOffset) / step) * step + tzOffset;
  if (step >= DAY) t = Math.ceil((start - tzOffset) / DAY) * DAY + tzOffset;
  const ticks = [];
  for (; t <= end; t += step) ticks.push(t);
  const label = (ms) => {
    const d = new Date(ms);
    if (step >= DAY || (d.getHours() === 0 && d.getMinutes() === 0 && step >= HOUR)) {
      return formatDate(ms).slice(5);
    }
    return formatTime(ms, step < MINUTE);
  };
  return { ticks, label };
}

// "Nice" ticks between lo and hi (about `count`), in the unit's own base (1024 for bytes).
function niceTicks(lo, hi, count, unit) {
  if (!(hi > lo)) {
    hi = lo + (lo === 0 ? 1 : Math.abs(lo) * 0.1);
  }
  let base = 1;
  if (unit === 'bytes' || unit === 'bytes/s') {
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    while (base * 1024 <= m && base < 1024 ** 5) base *= 1024;
  }
  const span = (hi - lo) / base;
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) || 10) * mag * base;
  const first = Math.floor(lo / step) * step;
  const last = Math.ceil(hi / step) * step;
  const ticks = [];
  for (let v = first; v <= last + step / 2; v += step) ticks.push(Math.abs(v) < step / 1e6 ? 0 : v);
  return ticks;
}

function setupCanvas(canvas, width, height) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(width * dpr));
  const ht = Math.max(1, Math.round(height * dpr));
  if (canvas.width !== w || canvas.height !== ht) {
    canvas.width = w;
    canvas.height = ht;
  }
  if (canvas.style.width !== `${width}px`) canvas.style.width = `${width}px`;
  if (canvas.style.height !== `${height}px`) canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

// Index of the point nearest to time t in points sorted by time.
function nearestIndex(points, t) {
  let lo = 0, hi = points.length - 1;
  if (hi < 0) return -1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid][0] < t) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(points[lo - 1][0] - t) <= Math.abs(points[lo][0] - t)) return lo - 1;
  return lo;
}

function typicalGap(points) {
  if (points.length < 3) return Infinity;
  const gaps = [];
  const stride = Math.max(1, Math.floor(points.length / 200));
  for (let i = stride; i < points.length; i += stride) gaps.push(points[i][0] - points[i - 1][0]);
  gaps.sort((a, b) => a - b);
  return gaps[gaps.length >> 1] || Infinity;
}

export class TimeChart {
  // opts: {unit, stacked, height, yMin, yMax, title}
  constructor(container, opts = {}) {
    this.opts = { height: 190, unit: '', ...opts };
    this.series = [];
    this.hidden = new Set();
    this.start = 0;
    this.end = 0;
    this.message = 'Loading…';
    this.messageIsError = false;
    this.canvas = h('canvas.chart-canvas');
    this.overlay = h('canvas.chart-overlay');
    this.tooltip = h('div.chart-tooltip', { hidden: true });
    this.legend = h('div.chart-legend');
    this.plot = h('div.chart-plot', this.canvas, this.overlay, this.tooltip);
    this.root = h('div.chart', this.plot, this.legend);
    replace(container, this.root);
    this.overlay.addEventListener('mousemove', (e) => this.onHover(e));
    this.overlay.addEventListener('mouseleave', () => this.clearHover());
    // The width comes from the observer, so drawing never forces a layout of the page (six
    // charts each reading clientWidth after the previous one resized its canvas would).
    this.width = 0;
    this.resizeObserver = new ResizeObserver((entries) => {
      const width = Math.floor(entries[entries.length - 1].contentRect.width);
      if (width !== this.width) {
        this.width = width;
        this.draw();
      }
    });
    this.resizeObserver.observe(this.plot);
  }

  destroy() {
    this.resizeObserver.disconnect();
  }

  setLoading() {
    if (!this.series.length && this.message !== 'Loading…') {
      this.message = 'Loading…';
      this.messageIsError = false;
      this.draw();
    }
  }

  setError(message) {
    this.series = [];
    this.message = message;
    this.messageIsError = true;
    this.renderLegend();
    this.draw();
  }

  // series: [{name, points: [[ms, value], ...], color?}]; start/end: the x range in ms.
  setData(series, start, end) {
    let next = 0;
    this.series = series.map((s) => ({ ...s, color: s.color || PALETTE[next++ % PALETTE.length] }));
    this.start = start;
    this.end = end;
    this.message = this.series.some((s) => s.points.length) ? '' : 'No data in this time range';
    this.messageIsError = false;
    this.renderLegend();
    this.draw();
  }

  renderLegend() {
    const items = this.series.map((s) => {
      const item = h('button.legend-item', {
        type: 'button',
        title: 'Click to hide or show',
        onclick: () => {
          if (this.hidden.has(s.name)) this.hidden.delete(s.name);
          else this.hidden.add(s.name);
          this.renderLegend();
          this.draw();
        },
      }, h('span.swatch'), h('span.legend-name', s.name));
      item.querySelector('.swatch').style.background = s.color;
      if (this.hidden.has(s.name)) item.classList.add('off');
      return item;
    });
    replace(this.legend, items);
  }

  visibleSeries() {
    return this.series.filter((s) => !this.hidden.has(s.name) && s.points.length);
  }

  // Stacked series: each point's value plus those of the series below it at the same time.
  stackedSeries() {
    const visible = this.visibleSeries();
    if (!this.opts.stacked) return visible.map((s) => ({ ...s, base: null, top: s.points }));
    const sums = new Map();
    return visible.map((s) => {
      const base = [], top = [];
      for (const [t, v] of s.points) {
        const below = sums.get(t) || 0;
        const value = Number.isFinite(v) ? v : 0;
        base.push([t, below]);
        top.push([t, below + value]);
        sums.set(t, below + value);
      }
      return { ...s, base, top };
    });
  }

  draw() {
    if (!this.width) this.width = this.plot.clientWidth;  // before the observer's first report
    const width = this.width;
    const height = this.opts.height;
    if (!width) return;
    const ctx = setupCanvas(this.canvas, width, height);
    this.clearHover();  // the overlay (sized on the first hover) would show stale values
    ctx.fillStyle = BG;
    ctx.fillRect(0, 0, width, height);
    ctx.font = FONT;

    const layers = this.stackedSeries();
    let lo = Infinity, hi = -Infinity;
    for (const s of layers) {
      for (const [, v] of s.top) {
        if (Number.isFinite(v)) {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
    }
    if (!Number.isFinite(lo)) {
      lo = 0;
      hi = this.opts.unit === 'percent' ? 100 : 1;
    }
    if (this.opts.yMin !== undefined) lo = Math.min(lo, this.opts.yMin);
    else if (lo > 0) lo = 0;
    if (this.opts.yMax !== undefined) hi = Math.max(hi, this.opts.yMax);
    const yTicks = niceTicks(lo, hi, Math.max(2, Math.floor(height / 45)), this.opts.unit);
    const yLo = yTicks[0], yHi = yTicks[yTicks.length - 1];
    // Whole-number ticks need no decimals ("40%", not "40.0%").
    const whole = yTicks.every((v) => Number.isInteger(Math.round(v * 1000) / 1000));
    const labels = yTicks.map((v) => formatUnit(v, this.opts.unit, whole && this.opts.unit === 'percent' ? 0 : 1));
    const left = Math.ceil(Math.max(...labels.map((l) => ctx.measureText(l).width))) + 12;
    const top = 8, right = 10, bottom = 22;
    const pw = Math.max(10, width - left - right), ph = Math.max(10, height - top - bottom);
    const start = this.start, end = this.end > this.start ? this.end : this.start + 1;
    const x = (t) => left + ((t - start) / (end - start)) * pw;
    const y = (v) => top + ph - ((v - yLo) / (yHi - yLo || 1)) * ph;
    this.layout = { left, top, pw, ph, x, y, start, end, layers };

    // Grid and axes.
    ctx.strokeStyle = GRID_COLOR;
    ctx.lineWidth = 1;
    ctx.fillStyle = AXIS_COLOR;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    yTicks.forEach((v, i) => {
      const py = Math.round(y(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(left, py);
      ctx.lineTo(left + pw, py);
      ctx.stroke();
      ctx.fillText(labels[i], left - 6, py);
    });
    const { ticks, label } = timeTicks(start, end, pw);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of ticks) {
      const px = Math.round(x(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(px, top);
      ctx.lineTo(px, top + ph);
      ctx.stroke();
      ctx.fillText(label(t), Math.min(Math.max(px, left + 16), left + pw - 16), top + ph + 6);
    }

    // Data.
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top - 1, pw, ph + 2);
    ctx.clip();
    let drawn = 0;
    for (let i = layers.length - 1; i >= 0; i--) {
      const s = layers[i];
      const gap = Math.max(typicalGap(s.top) * 2.5, 1);
      if (this.opts.stacked) this.fillBetween(ctx, s, x, y, gap);
      else if (layers.length === 1) this.fillBetween(ctx, { ...s, base: null }, x, y, gap, yLo);
      drawn += this.stroke(ctx, s.top, x, y, gap, s.color, pw, left);
    }
    ctx.restore();
    this.canvas.dataset.points = String(drawn);

    if (this.message) {
      ctx.fillStyle = this.messageIsError ? '#b91c1c' : '#9ca3af';
      ctx.font = `13px Inter, system-ui, sans-serif`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      const lines = wrapText(ctx, this.message, pw - 20);
      lines.forEach((line, i) => {
        ctx.fillText(line, left + pw / 2, top + ph / 2 + (i - (lines.length - 1) / 2) * 17);
      });
    }
    this.root.classList.toggle('has-error', this.messageIsError);
    this.root.dataset.state = this.messageIsError ? 'error' : this.message ? 'empty' : 'drawn';
  }

  fillBetween(ctx, s, x, y, gap, floor) {
    const pts = s.top;
    if (pts.length < 2) return;
    ctx.fillStyle = s.color;
    ctx.globalAlpha = this.opts.stacked ? 0.28 : 0.08;
    let runStart = 0;
    const flush = (from, to) => {
      if (to - from < 1) return;
      ctx.beginPath();
      ctx.moveTo(x(pts[from][0]), y(pts[from][1]));
      for (let k = from + 1; k <= to; k++) ctx.lineTo(x(pts[k][0]), y(pts[k][1]));
      if (s.base) {
        for (let k = to; k >= from; k--) ctx.lineTo(x(s.base[k][0]), y(s.base[k][1]));
      } else {
        ctx.lineTo(x(pts[to][0]), y(floor));
        ctx.lineTo(x(pts[from][0]), y(floor));
      }
      ctx.closePath();
      ctx.fill();
    };
    for (let k = 1; k < pts.length; k++) {
      if (pts[k][0] - pts[k - 1][0] > gap) {
        flush(runStart, k - 1);
        runStart = k;
      }
    }
    flush(runStart, pts.length - 1);
    ctx.globalAlpha = 1;
  }

  // Draws one line; many points per pixel column become one min/max stroke per column.
  stroke(ctx, pts, x, y, gap, color, pw, left) {
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.lineJoin = 'round';
    ctx.beginPath();
    let drawn = 0;
    const dense = pts.length > pw * 2;
    let prevT = -Infinity;
    if (!dense) {
      for (const [t, v] of pts) {
        if (!Number.isFinite(v)) {
          prevT = -Infinity;
          continue;
        }
        if (t - prevT > gap) ctx.moveTo(x(t), y(v));
        else ctx.lineTo(x(t), y(v));
        if (pts.length === 1) ctx.arc(x(t), y(v), 1.5, 0, Math.PI * 2);
        prevT = t;
        drawn++;
      }
    } else {
      let col = -1, min = 0, max = 0, first = 0, last = 0;
      const flush = () => {
        if (col < 0) return;
        const px = left + col + 0.5;
        ctx.lineTo(px, y(first));
        ctx.moveTo(px, y(min));
        ctx.lineTo(px, y(max));
        ctx.moveTo(px, y(last));
      };
      for (const [t, v] of pts) {
        if (!Number.isFinite(v)) continue;
        const c = Math.floor(x(t) - left);
        if (t - prevT > gap) {
          flush();
          col = -1;
          ctx.moveTo(x(t), y(v));
        }
        if (c !== col) {
          flush();
          col = c;
          min = max = first = last = v;
        } else {
          if (v < min) min = v;
          if (v > max) max = v;
          last = v;
        }
        prevT = t;
        drawn++;
      }
      flush();
    }
    ctx.stroke();
    return drawn;
  }

  onHover(e) {
    const L = this.layout;
    if (!L || !L.layers.length) return;
    const rect = this.overlay.getBoundingClientRect();
    const mx = e.clientX - rect.left;
    if (mx < L.left || mx > L.left + L.pw) return this.clearHover();
    const t = L.start + ((mx - L.left) / L.pw) * (L.end - L.start);
    const rows = [];
    let snapT = null;
    for (const s of L.layers) {
      const i = nearestIndex(s.top, t);
      if (i < 0) continue;
      const [pt] = s.top[i];
      if (snapT === null || Math.abs(pt - t) < Math.abs(snapT - t)) snapT = pt;
    }
    if (snapT === null) return this.clearHover();
    this.hovered = true;
    const ctx = setupCanvas(this.overlay, this.width, this.opts.height);
    ctx.clearRect(0, 0, this.width, this.opts.height);
    const px = Math.round(L.x(snapT)) + 0.5;
    ctx.strokeStyle = 'rgba(55,65,81,0.45)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(px, L.top);
    ctx.lineTo(px, L.top + L.ph);
    ctx.stroke();
    const tolerance = (L.end - L.start) / L.pw * 6;
    for (const s of L.layers) {
      const i = nearestIndex(s.top, snapT);
      if (i < 0 || Math.abs(s.top[i][0] - snapT) > tolerance) continue;
      const raw = this.opts.stacked ? s.top[i][1] - s.base[i][1] : s.top[i][1];
      rows.push({ name: s.name, color: s.color, value: raw });
      if (Number.isFinite(s.top[i][1])) {
        ctx.fillStyle = s.color;
        ctx.beginPath();
        ctx.arc(px, L.y(s.top[i][1]), 3, 0, Math.PI * 2);
        ctx.fill();
      }
    }
    rows.sort((a, b) => (b.value || 0) - (a.value || 0));
    const shown = rows.slice(0, 12);
    const total = this.opts.stacked && rows.length > 1
      ? h('div.tooltip-row.tooltip-total', h('span.swatch'), h('span.tooltip-name', 'total'),
          h('span.tooltip-value', formatUnit(rows.reduce((acc, r) => acc + (Number.isFinite(r.value) ? r.value : 0), 0), this.opts.unit, 2)))
      : null;
    replace(this.tooltip,
      h('div.tooltip-time', formatDateTime(snapT)),
      shown.map((r) => {
        const sw = h('span.swatch');
        sw.style.background = r.color;
        return h('div.tooltip-row', sw, h('span.tooltip-name', r.name),
                 h('span.tooltip-value', formatUnit(r.value, this.opts.unit, 2)));
      }),
      rows.length > shown.length ? h('div.tooltip-more', `+${rows.length - shown.length} more`) : null,
      total);
    this.tooltip.hidden = false;
    const tw = this.tooltip.offsetWidth;
    const left = px + 14 + tw > this.width ? px - 14 - tw : px + 14;
    this.tooltip.style.left = `${Math.max(0, left)}px`;
    this.tooltip.style.top = `${L.top + 4}px`;
  }

  clearHover() {
    this.tooltip.hidden = true;
    if (!this.hovered) return;  // the overlay has no canvas memory until the first hover
    const ctx = this.overlay.getContext('2d');
    ctx.clearRect(0, 0, this.overlay.width, this.overlay.height);
  }
}

function wrapText(ctx, text, width) {
  const words = String(text).split(/\s+/);
  const lines = [];
  let line = '';
  for (const w of words) {
    const next = line ? `${line} ${w}` : w;
    if (ctx.measureText(next).width > width && line) {
      lines.push(line);
      line = w;
    } else {
      line = next;
    }
  }
  if (line) lines.push(line);
  return lines.slice(0, 4);
}

// A tiny line chart without axes (Hosts table). points: [[ms, value], ...].
export function drawSparkline(canvas, points, { width = 120, height = 28, min = 0, max, color = PALETTE[0], start, end } = {}) {
  const ctx = setupCanvas(canvas, width, height);
  ctx.clearRect(0, 0, width, height);
  const pts = points.filter(([, v]) => Number.isFinite(v));
  if (pts.length < 2) {
    ctx.strokeStyle = '#d1d5db';
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(2, height - 4.5);
    ctx.lineTo(width - 2, height - 4.5);
    ctx.stroke();
    return 0;
  }
  const t0 = start ?? pts[0][0], t1 = end ?? pts[pts.length - 1][0];
  const hi = Math.max(max ?? -Infinity, ...pts.map(([, v]) => v), min + 1e-9);
  const x = (t) => 1 + ((t - t0) / (t1 - t0 || 1)) * (width - 2);
  const y = (v) => height - 2 - ((v - min) / (hi - min)) * (height - 4);
  ctx.beginPath();
  ctx.moveTo(x(pts[0][0]), y(pts[0][1]));
  for (const [t, v] of pts) ctx.lineTo(x(t), y(v));
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  ctx.stroke();
  ctx.lineTo(x(pts[pts.length - 1][0]), height);
  ctx.lineTo(x(pts[0][0]), height);
  ctx.closePath();
  ctx.globalAlpha = 0.12;
  ctx.fillStyle = color;
  ctx.fill();
  ctx.globalAlpha = 1;
  return pts.length;
}

// Log volume: stacked bars by level. Drag across bars (or click one) to pick a time range.
export class Histogram {
  constructor(container, { height = 96, onSelect } = {}) {
    this.height = height;
    this.onSelect = onSelect;
    this.data = null;
    this.canvas = h('canvas.chart-canvas');
    this.overlay = h('canvas.chart-overlay.histogram-overlay');
    this.tooltip = h('div.chart-tooltip', { hidden: true });
    this.plot = h('div.chart-plot', this.canvas, this.overlay, this.tooltip);
    this.root = h('div.chart.histogram', this.plot);
    replace(container, this.root);
    this.drag = null;
    this.overlay.addEventListener('mousedown', (e) => {
      const t = this.timeAt(e);
      if (t !== null) this.drag = { from: t, to: t };
    });
    this.overlay.addEventListener('mousemove', (e) => this.onMove(e));
    this.overlay.addEventListener('mouseleave', () => {
      this.tooltip.hidden = true;
      if (!this.drag) this.drawOverlay();
    });
    window.addEventListener('mouseup', this.onUp = (e) => this.finishDrag(e));
    this.width = 0;
    this.resizeObserver = new ResizeObserver((entries) => {
      const width = Math.floor(entries[entries.length - 1].contentRect.width);
      if (width !== this.width) {
        this.width = width;
        this.draw();
      }
    });
    this.resizeObserver.observe(this.plot);
  }

  destroy() {
    this.resizeObserver.disconnect();
    window.removeEventListener('mouseup', this.onUp);
  }

  // data: the /api/v1/logs/histogram answer.
  setData(data) {
    this.data = data;
    this.draw();
  }

  geometry() {
    if (!this.width) this.width = this.plot.clientWidth;
    const width = this.width;
    const left = 44, right = 10, top = 6, bottom = 20;
    return { width, left, top, pw: Math.max(10, width - left - right), ph: this.height - top - bottom };
  }

  timeAt(e) {
    if (!this.data) return null;
    const g = this.geometry();
    const mx = e.clientX - this.overlay.getBoundingClientRect().left;
    const f = Math.min(1, Math.max(0, (mx - g.left) / g.pw));
    return this.data.start + f * (this.data.end - this.data.start);
  }

  draw() {
    const g = this.geometry();
    if (!g.width) return;
    const ctx = setupCanvas(this.canvas, g.width, this.height);
    ctx.fillStyle = BG;
    ctx.fillRect(0, 0, g.width, this.height);
    ctx.font = FONT;
    const d = this.data;
    if (!d) return;
    const n = d.buckets;
    const totals = new Array(n).fill(0);
    for (const counts of Object.values(d.levels)) counts.forEach((c, i) => { totals[i] += c; });
    const max = Math.max(...totals);
    // Counts are whole: at least 0, 1, 2, ...
    const ticks = niceTicks(0, Math.max(2, max), 2, '');
    const top = ticks[ticks.length - 1];
    const y = (v) => g.top + g.ph - (v / top) * g.ph;
    ctx.strokeStyle = GRID_COLOR;
    ctx.fillStyle = AXIS_COLOR;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const v of ticks) {
      const py = Math.round(y(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(g.left, py);
      ctx.lineTo(g.left + g.pw, py);
      ctx.stroke();
      ctx.fillText(formatUnit(v, '', 0), g.left - 6, py);
    }
    const bw = g.pw / n;
    const gapPx = bw > 4 ? 1 : 0;
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (const level of LEVELS) {
        const c = d.levels[level]?.[i] || 0;
        if (!c) continue;
        ctx.fillStyle = LEVEL_COLORS[level];
        const y0 = y(acc), y1 = y(acc + c);
        ctx.fillRect(g.left + i * bw + gapPx / 2, y1, Math.max(1, bw - gapPx), Math.max(1, y0 - y1));
        acc += c;
      }
    }
    const { ticks: tt, label } = timeTicks(d.start, d.end, g.pw, 100);
    ctx.fillStyle = AXIS_COLOR;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of tt) {
      const px = g.left + ((t - d.start) / (d.end - d.start)) * g.pw;
      ctx.fillText(label(t), Math.min(Math.max(px, g.left + 16), g.left + g.pw - 16), g.top + g.ph + 5);
    }
    if (!max) {
      ctx.fillStyle = '#9ca3af';
      ctx.font = '13px Inter, system-ui, sans-serif';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText('No matching lines in this time range', g.left + g.pw / 2, g.top + g.ph / 2);
    }
    this.totals = totals;
    this.root.dataset.state = max ? 'drawn' : 'empty';
  }

  drawOverlay(from, to) {
    const g = this.geometry();
    const ctx = setupCanvas(this.overlay, g.width, this.height);
    ctx.clearRect(0, 0, g.width, this.height);
    if (from === undefined || !this.data) return;
    const x = (t) => g.left + ((t - this.data.start) / (this.data.end - this.data.start)) * g.pw;
    const a = x(Math.min(from, to)), b = x(Math.max(from, to));
    ctx.fillStyle = 'rgba(37, 99, 235, 0.15)';
    ctx.fillRect(a, g.top, Math.max(1, b - a), g.ph);
    ctx.strokeStyle = 'rgba(37, 99, 235, 0.6)';
    ctx.strokeRect(a + 0.5, g.top + 0.5, Math.max(1, b - a) - 1, g.ph - 1);
  }

  bucketAt(t) {
    const d = this.data;
    return Math.min(d.buckets - 1, Math.max(0, Math.floor((t - d.start) / d.step_ms)));
  }

  onMove(e) {
    const t = this.timeAt(e);
    if (t === null) return;
    if (this.drag) {
      this.drag.to = t;
      this.drawOverlay(this.drag.from, this.drag.to);
      return;
    }
    const d = this.data;
    const i = this.bucketAt(t);
    const b0 = d.start + i * d.step_ms;
    this.drawOverlay(b0, Math.min(d.end, b0 + d.step_ms));
    const rows = LEVELS.filter((l) => d.levels[l]?.[i]).reverse().map((l) => {
      const sw = h('span.swatch');
      sw.style.background = LEVEL_COLORS[l];
      return h('div.tooltip-row', sw, h('span.tooltip-name', l), h('span.tooltip-value', String(d.levels[l][i])));
    });
    replace(this.tooltip, h('div.tooltip-time', `${formatDateTime(b0)} – ${formatTime(b0 + d.step_ms)}`),
            rows.length ? rows : h('div.tooltip-more', 'no records'));
    this.tooltip.hidden = false;
    const g = this.geometry();
    const px = g.left + ((b0 - d.start) / (d.end - d.start)) * g.pw;
    const tw = this.tooltip.offsetWidth;
    this.tooltip.style.left = `${px + 12 + tw > g.width ? Math.max(0, px - 12 - tw) : px + 12}px`;
    this.tooltip.style.top = '4px';
  }

  finishDrag(e) {
    if (!this.drag) return;
    const { from, to } = this.drag;
    this.drag = null;
    this.drawOverlay();
    if (!this.data || !this.onSelect) return;
    const pxPerMs = this.geometry().pw / (this.data.end - this.data.start);
    if (Math.abs(to - from) * pxPerMs < 4) {
      // A click: zoom to that bucket.
      const i = this.bucketAt(from);
      const b0 = this.data.start + i * this.data.step_ms;
      this.onSelect(b0, Math.min(this.data.end, b0 + this.data.step_ms));
    } else {
      this.onSelect(Math.round(Math.min(from, to)), Math.round(Math.max(from, to)));
    }
  }
}
