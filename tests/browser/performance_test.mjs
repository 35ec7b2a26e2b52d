// Performance figures of the dashboard in Chromium (printed, and written to
// HIVEWATCH_ARTIFACTS/performance.json; docs/benchmarks.md records them). Nothing here passes or
// fails on time: the tests check that the pages rendered what was measured.
//  - Host page: first meaningful paint (every chart drawn; also the first chart) with 24 h of
//    10 s samples of a node_exporter-like host (49 series, 423,360 samples), from a fresh
//    browser context.
//  - Logs page: 1,000 results (limit=1000) rendered, the render's duration and the longest task.
//  - Charts: drawing and hovering 4 series of 20,000 points each.
// The collector runs without authentication here (the other test file runs with it).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  ARTIFACTS, Collector, colouredPixels, launchBrowser, loadSamples, newPage, openPage, pushSamples,
  screenshotPath,
} from './support/harness.mjs';

const HOST = 'perf1';
const DAY_MS = 24 * 3600e3;
const STEP_MS = 10e3;
const figures = {};
let collector, browser;

// 24 h of 10 s samples, shaped like what the agent sends for a 4-CPU host with two disks, two
// network interfaces and two filesystems.
function* historyBatches(endMs) {
  const start = endMs - DAY_MS;
  const modes = { user: 0.22, system: 0.07, iowait: 0.02, irq: 0.002, softirq: 0.008, steal: 0.001, nice: 0.004 };
  const wave = (t, seed) => 0.5 + 0.35 * Math.sin(t / 3.6e6 + seed) + 0.15 * Math.sin(t / 2.3e5 + seed * 7);
  const counters = new Map();
  const bump = (key, by) => {
    const v = (counters.get(key) || 0) + by;
    counters.set(key, v);
    return v;
  };
  const chunkMs = 2 * 3600e3;
  let n = 0;
  for (let c0 = start; c0 < endMs; c0 += chunkMs) {
    const series = new Map();
    const add = (name, type, labels, t, v) => {
      const key = name + JSON.stringify(labels);
      if (!series.has(key)) series.set(key, { name, type, labels, samples: [] });
      series.get(key).samples.push([t, v]);
    };
    for (let t = c0; t < Math.min(c0 + chunkMs, endMs); t += STEP_MS) {
      for (let cpu = 0; cpu < 4; cpu++) {
        let busy = 0;
        for (const [mode, share] of Object.entries(modes)) {
          const s = share * wave(t, cpu + mode.length) * 2 * (STEP_MS / 1000);
          busy += s;
          add('node_cpu_seconds_total', 'counter', { cpu: String(cpu), mode }, t, bump(`cpu${cpu}${mode}`, s));
        }
        add('node_cpu_seconds_total', 'counter', { cpu: String(cpu), mode: 'idle' }, t,
          bump(`cpu${cpu}idle`, Math.max(0, STEP_MS / 1000 - busy)));
      }
      add('node_memory_MemTotal_bytes', 'gauge', {}, t, 16 * 2 ** 30);
      add('node_memory_MemAvailable_bytes', 'gauge', {}, t, (6 + 3 * wave(t, 1)) * 2 ** 30);
      add('node_load1', 'gauge', {}, t, 2.4 * wave(t, 2));
      add('node_load5', 'gauge', {}, t, 2.2 * wave(t, 2.3));
      add('node_load15', 'gauge', {}, t, 2.0 * wave(t, 2.6));
      for (const [i, device] of ['nvme0n1', 'sda'].entries()) {
        add('node_disk_read_bytes_total', 'counter', { device }, t, bump(`r${device}`, 4e6 * wave(t, 3 + i) * 10));
        add('node_disk_written_bytes_total', 'counter', { device }, t, bump(`w${device}`, 9e6 * wave(t, 4 + i) * 10));
      }
      for (const [i, device] of ['eth0', 'eth1'].entries()) {
        add('node_network_receive_bytes_total', 'counter', { device }, t, bump(`rx${device}`, 2.5e6 * wave(t, 5 + i) * 10));
        add('node_network_transmit_bytes_total', 'counter', { device }, t, bump(`tx${device}`, 0.9e6 * wave(t, 6 + i) * 10));
      }
      for (const [i, mountpoint] of ['/', '/var'].entries()) {
        const labels = { device: `/dev/nvme0n1p${i + 1}`, fstype: 'ext4', mountpoint };
        add('node_filesystem_size_bytes', 'gauge', labels, t, 200 * 2 ** 30);
        add('node_filesystem_avail_bytes', 'gauge', labels, t, (80 - 30 * i - (t - start) / DAY_MS * 10) * 2 ** 30);
      }
    }
    yield { agent: { host: HOST, id: `history-${HOST}`, version: '0.1.0' }, batch_id: `history-${n++}`, metrics: [...series.values()] };
  }
}

before(async () => {
  collector = await new Collector({ auth: false }).start();
  const now = Date.now();
  let samples = 0;
  const pushStart = Date.now();
  for (const batch of historyBatches(now)) {
    const r = await collector.push(batch);
    samples += r.samples;
  }
  figures.history_samples = samples;
  figures.history_series = 49;
  figures.history_push_s = (Date.now() - pushStart) / 1000;
  // The real log samples (8,000 lines), ending a minute ago.
  await pushSamples(collector, loadSamples(now - 2060e3));
  browser = await launchBrowser();
});

after(async () => {
  if (Object.keys(figures).length) {
    writeFileSync(path.join(ARTIFACTS(), 'performance.json'), `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`dashboard figures: ${JSON.stringify(figures)}`);
  }
  if (browser) await browser.close();
  if (collector) await collector.stop();
});

// Long tasks from the start of each page, for jank.
async function freshContext() {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  return context;
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1];
}

test('Host page with 24 h of 10 s samples: first meaningful paint', async () => {
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const context = await freshContext();
    const page = await newPage(context);
    await openPage(page, collector.url, `#/host/${HOST}?range=24h`, 'host');
    const m = await page.evaluate(() => ({
      ready: performance.getEntriesByName('hivewatch:host:ready')[0].startTime,
      firstChart: performance.getEntriesByName('hivewatch:host:first-chart')[0].startTime,
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
      queries: performance.getEntriesByType('resource').filter((r) => r.name.includes('/api/v1/query_range'))
        .map((r) => r.responseEnd - r.startTime),
      longest: Math.max(0, ...window.__longTasks),
    }));
    const states = await page.$$eval('section.chart-card .chart', (cs) => cs.map((c) => c.dataset.state));
    assert.deepEqual(states, Array(6).fill('drawn'));
    const pixels = await colouredPixels(page, 'section.chart-card canvas.chart-canvas');
    assert.ok(pixels.every((n) => n > 50), `coloured pixels per chart: ${pixels}`);
    if (i === 0) await page.screenshot({ path: screenshotPath('host-24h'), fullPage: true });
    assert.deepEqual(page.problems, []);
    runs.push(m);
    await context.close();
  }
  figures.host_24h_first_meaningful_paint_ms = runs.map((r) => Math.round(r.ready));
  figures.host_24h_first_meaningful_paint_median_ms = Math.round(median(runs.map((r) => r.ready)));
  figures.host_24h_first_chart_ms = Math.round(median(runs.map((r) => r.firstChart)));
  figures.host_24h_first_contentful_paint_ms = Math.round(median(runs.map((r) => r.fcp)));
  figures.host_24h_query_range_requests = runs[0].queries.length;
  figures.host_24h_slowest_query_range_ms = Math.round(median(runs.map((r) => Math.max(...r.queries))));
  figures.host_24h_longest_task_ms = Math.round(median(runs.map((r) => r.longest)));
  console.log(`Host page, 24 h of 10 s data: first meaningful paint ${figures.host_24h_first_meaningful_paint_ms.join(', ')} ms`);
});

test('Logs page with 1,000 results: render time and longest task', async () => {
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const context = await freshContext();
    const page = await newPage(context);
    await openPage(page, collector.url, '#/logs?range=24h&limit=1000', 'logs');
    assert.equal(await page.locator('#log-results .log-row').count(), 1000);
    const m = await page.evaluate(() => ({
      ready: performance.getEntriesByName('hivewatch:logs:ready')[0].startTime,
      render: performance.getEntriesByName('hivewatch:logs:render').at(-1).duration,
      longest: Math.max(0, ...window.__longTasks),
    }));
    // Scrolling through the list: frames slower than 50 ms while scrolling to the end.
    m.slowFrames = await page.evaluate(async () => {
      let slow = 0;
      let last = performance.now();
      const end = document.documentElement.scrollHeight;
      for (let y = 0; y < end; y += 600) {
        window.scrollTo(0, y);
        await new Promise((r) => requestAnimationFrame(r));
        const now = performance.now();
        if (now - last > 50) slow++;
        last = now;
      }
      return slow;
    });
    if (i === 0) await page.screenshot({ path: screenshotPath('logs-1000') });
    assert.deepEqual(page.problems, []);
    runs.push(m);
    await context.close();
  }
  figures.logs_1000_ready_ms = Math.round(median(runs.map((r) => r.ready)));
  figures.logs_1000_render_ms = Math.round(median(runs.map((r) => r.render)));
  figures.logs_1000_longest_task_ms = Math.round(median(runs.map((r) => r.longest)));
  figures.logs_1000_slow_scroll_frames = median(runs.map((r) => r.slowFrames));
  console.log(`Logs page, 1,000 results: ready ${figures.logs_1000_ready_ms} ms, render ${figures.logs_1000_render_ms} ms, longest task ${figures.logs_1000_longest_task_ms} ms`);
});

test('a chart draws and hovers 4 series of 20,000 points', async () => {
  const context = await freshContext();
  const page = await newPage(context);
  await openPage(page, collector.url, '#/metrics', 'metrics');
  const m = await page.evaluate(async () => {
    const { TimeChart } = await import('/ui/js/chart.js');
    const holder = document.createElement('div');
    holder.style.width = '1200px';
    document.querySelector('#page').append(holder);
    const chart = new TimeChart(holder, { height: 300 });
    const n = 20000, end = Date.now(), start = end - n * 1000;
    const series = [0, 1, 2, 3].map((k) => ({
      name: `series ${k}`,
      points: Array.from({ length: n }, (_, i) => [start + i * 1000, Math.sin(i / 300 + k) * 10 + k * 5 + Math.random()]),
    }));
    // The first draw includes compiling the drawing code and setting up the canvas; redraws
    // (new data, resizes, auto-refresh) are what stays smooth.
    const t0 = performance.now();
    chart.setData(series, start, end);
    const draw = performance.now() - t0;
    const redraws = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      chart.setData(series, start, end);
      redraws.push(performance.now() - t);
    }
    redraws.sort((a, b) => a - b);
    const canvas = holder.querySelector('canvas.chart-overlay');
    const rect = canvas.getBoundingClientRect();
    const t1 = performance.now();
    for (let i = 0; i < 50; i++) {
      canvas.dispatchEvent(new MouseEvent('mousemove', { clientX: rect.left + 60 + i * 20, clientY: rect.top + 100, bubbles: true }));
    }
    const hover = (performance.now() - t1) / 50;
    return { draw, redraw: redraws[2], hover, points: Number(holder.querySelector('canvas.chart-canvas').dataset.points) };
  });
  assert.equal(m.points, 80000);
  figures.chart_4x20000_first_draw_ms = Math.round(m.draw * 10) / 10;
  figures.chart_4x20000_redraw_ms = Math.round(m.redraw * 10) / 10;
  figures.chart_4x20000_hover_ms = Math.round(m.hover * 100) / 100;
  console.log(`chart, 4 × 20,000 points: first draw ${figures.chart_4x20000_first_draw_ms} ms, redraw ${figures.chart_4x20000_redraw_ms} ms, hover ${figures.chart_4x20000_hover_ms} ms`);
  await context.close();
});
