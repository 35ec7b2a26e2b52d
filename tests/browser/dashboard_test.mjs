// The dashboard in a real Chromium against a real collector with authentication on: fed the real
// log samples (../shared/data/logs) and real agent metrics, every page loads without console
// errors and draws its charts, searches return exactly the expected lines, filters narrow them,
// the live tail shows a pushed line within 2 s, a missing token brings up the token prompt and
// a bad query shows the collector's error. Screenshots of each page go to HIVEWATCH_ARTIFACTS.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Collector, colouredPixels, containsWords, launchBrowser, loadSamples, newPage, openPage,
  pushSamples, screenshotPath, waitFor,
} from './support/harness.mjs';

let collector, browser, context, readToken, ingestToken, samples, agentsStarted;
const VIEWPORT = { width: 1440, height: 900 };

before(async () => {
  collector = await new Collector({ auth: true }).start();
  readToken = collector.createToken('dashboard', 'read');
  ingestToken = collector.createToken('agents', 'ingest');
  collector.readToken = readToken;
  // The samples end a minute ago, inside the dashboard's default range (the last hour).
  const base = Date.now() - 2000 * 1000 - 60e3;
  samples = loadSamples(base);
  await pushSamples(collector, samples, ingestToken);
  // Real agents on this machine, reporting as the two sample hosts plus one of their own.
  agentsStarted = Date.now();
  for (const host of ['web1', 'data1', 'build-01']) {
    await collector.runAgent({ host, token: ingestToken, interval: '1s', cycles: 5 });
  }
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: VIEWPORT });
  // The read token as a user would have saved it through the token prompt.
  await context.addInitScript((token) => localStorage.setItem('hivewatch.token', token), readToken);
});

after(async () => {
  if (browser) await browser.close();
  if (collector) await collector.stop();
});

function assertNoProblems(page) {
  assert.deepEqual(page.problems, [], `console errors on ${page.url()}`);
}

test('Hosts lists every host with status, metrics and a drawn sparkline', async () => {
  const page = await newPage(context);
  await openPage(page, collector.url, '#/hosts', 'hosts');
  const rows = await page.$$eval('tr.host-row', (trs) => trs.map((tr) => ({
    host: tr.dataset.host,
    status: tr.querySelector('.pill').textContent.trim(),
    cells: [...tr.querySelectorAll('td')].map((td) => td.textContent.trim()),
  })));
  assert.deepEqual(rows.map((r) => r.host), ['build-01', 'data1', 'web1']);
  for (const r of rows) {
    assert.equal(r.status, 'up', `${r.host} pushed just now`);
    // CPU, memory, fullest disk and load come from the agents' metrics.
    for (const i of [2, 3, 4, 5]) assert.match(r.cells[i], /\d/, `${r.host} column ${i}: ${r.cells[i]}`);
  }
  const sparkPoints = await page.$$eval('canvas.sparkline', (cs) => cs.map((c) => Number(c.dataset.points)));
  assert.ok(sparkPoints.every((n) => n >= 2), `sparklines: ${sparkPoints}`);
  assert.ok((await colouredPixels(page, 'canvas.sparkline')).every((n) => n > 20));

  // Sorting by a column reorders the rows; clicking twice reverses it.
  await page.click('button[data-sort="host"]');
  assert.deepEqual(await page.$$eval('tr.host-row', (t) => t.map((r) => r.dataset.host)), ['web1', 'data1', 'build-01']);
  await page.screenshot({ path: screenshotPath('hosts') });
  await page.click('button[data-sort="host"]');

  // A row opens its host.
  await page.click('tr.host-row[data-host="web1"] td.spark-cell');
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'host');
  assert.match(page.url(), /#\/host\/web1/);
  assertNoProblems(page);
  await page.close();
});

test('Host draws every chart, shows values on hover and lists the host\'s errors', async () => {
  const page = await newPage(context);
  // A window around the agents' data (seconds old), so that the charts span the whole width.
  await openPage(page, collector.url, `#/host/web1?from=${agentsStarted - 2000}&to=${Date.now() + 1000}`, 'host');
  const states = await page.$$eval('section.chart-card .chart', (cs) => cs.map((c) => c.dataset.state));
  assert.deepEqual(states, ['drawn', 'drawn', 'drawn', 'drawn', 'drawn', 'drawn']);
  const pixels = await colouredPixels(page, 'section.chart-card canvas.chart-canvas');
  const charts = await page.$$eval('section.chart-card', (cs) => cs.map((c) => c.dataset.chart));
  pixels.forEach((n, i) => assert.ok(n > 50, `chart ${charts[i]} has ${n} coloured pixels`));

  // Hovering the load chart shows a tooltip with the three load averages.
  const load = page.locator('section[data-chart="load"] canvas.chart-overlay');
  const box = await load.boundingBox();
  await page.mouse.move(box.x + box.width - 30, box.y + box.height / 2);
  const tooltip = page.locator('section[data-chart="load"] .chart-tooltip');
  await tooltip.waitFor({ state: 'visible' });
  const names = await tooltip.locator('.tooltip-name').allTextContents();
  assert.deepEqual(names.sort(), ['1 min', '15 min', '5 min']);
  await page.screenshot({ path: screenshotPath('host'), fullPage: true });

  // Recent errors: web1's samples (Linux, OpenSSH) have no ERROR lines; data1's do.
  await openPage(page, collector.url, '#/host/data1?range=1h', 'host');
  const errorRows = await page.$$eval('.logs-card .log-row', (rows) => rows.map((r) => r.dataset.level));
  const expectedErrors = samples.filter((l) => l.host === 'data1' && ['error', 'critical'].includes(l.level));
  assert.equal(errorRows.length, Math.min(25, expectedErrors.length));
  assert.ok(errorRows.every((l) => l === 'error' || l === 'critical'));
  assertNoProblems(page);
  await page.close();
});

test('a Logs search returns exactly the lines that contain the words, newest first', async () => {
  const page = await newPage(context);
  await openPage(page, collector.url, '#/logs', 'logs');
  const total = await page.$eval('#log-total', (el) => Number(el.dataset.total));
  assert.equal(total, samples.length, 'the last hour holds every sample line');

  const phrase = '"Failed password" root';
  const expected = samples
    .filter((l) => containsWords(l.message, 'Failed password') && containsWords(l.message, 'root'))
    .sort((a, b) => b.ts - a.ts);
  assert.ok(expected.length > 100, `the sample has ${expected.length} such lines`);
  await page.fill('#log-query', phrase);
  await page.press('#log-query', 'Enter');
  await waitFor(async () => (await page.$eval('#log-total', (el) => Number(el.dataset.total))) === expected.length,
    10000, 'the search total');
  const shown = await page.$$eval('#log-results .log-row', (rows) => rows.map((r) => r.querySelector('.log-message').textContent));
  assert.deepEqual(shown, expected.slice(0, 100).map((l) => l.message));

  // Paging appends the next lines.
  await page.click('#log-more');
  await waitFor(async () => (await page.$$('#log-results .log-row')).length === Math.min(200, expected.length), 10000, 'page 2');
  const all = await page.$$eval('#log-results .log-row .log-message', (els) => els.map((e) => e.textContent));
  assert.deepEqual(all, expected.slice(0, 200).map((l) => l.message));

  // The histogram counts the same lines.
  const histogramPixels = await colouredPixels(page, '.histogram canvas.chart-canvas');
  assert.ok(histogramPixels[0] > 100);

  // A row expands to show its details.
  await page.click('#log-results .log-row >> nth=0');
  const detail = await page.textContent('.log-detail');
  assert.ok(detail.includes(expected[0].message));
  assert.ok(detail.includes('openssh'));
  assertNoProblems(page);
  await page.close();
});

test('host, service and level filters narrow the results', async () => {
  const page = await newPage(context);
  await openPage(page, collector.url, '#/logs', 'logs');
  const totalOf = () => page.$eval('#log-total', (el) => Number(el.dataset.total));
  const waitTotal = (n, what) => waitFor(async () => (await totalOf()) === n, 10000, what);

  await page.selectOption('#log-host', 'data1');
  await waitTotal(samples.filter((l) => l.host === 'data1').length, 'host filter');
  let hosts = await page.$$eval('#log-results .log-host', (els) => [...new Set(els.map((e) => e.textContent))]);
  assert.deepEqual(hosts, ['data1']);

  await page.click('button.level-chip[data-level="warning"]');
  const warnings = samples.filter((l) => l.host === 'data1' && l.level === 'warning');
  await waitTotal(warnings.length, 'level filter');
  const levels = await page.$$eval('#log-results .log-row', (rows) => [...new Set(rows.map((r) => r.dataset.level))]);
  assert.deepEqual(levels, ['warning']);

  await page.fill('#log-service', 'hadoop');
  await page.press('#log-service', 'Enter');
  await page.locator('#log-service').blur();
  await waitTotal(warnings.filter((l) => l.service === 'hadoop').length, 'service filter');
  // The filters are in the URL, so a reload keeps them.
  assert.match(page.url(), /host=data1/);
  assert.match(page.url(), /level=warning/);
  await page.screenshot({ path: screenshotPath('logs-filtered') });
  assertNoProblems(page);
  await page.close();
});

test('dragging across the volume histogram zooms the search into that time', async () => {
  const page = await newPage(context);
  await openPage(page, collector.url, '#/logs', 'logs');
  const box = await page.locator('.histogram canvas.chart-overlay').boundingBox();
  await page.mouse.move(box.x + box.width * 0.55, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction(() => /from=\d+&to=\d+/.test(location.hash));
  const params = new URLSearchParams(page.url().split('?')[1]);
  const from = Number(params.get('from')), to = Number(params.get('to'));
  const expected = samples.filter((l) => l.ts >= from && l.ts < to).length;
  assert.ok(expected > 0 && expected < samples.length, `${expected} lines in the zoomed window`);
  await waitFor(async () => (await page.$eval('#log-total', (el) => Number(el.dataset.total))) === expected,
    10000, 'the zoomed total');
  const times = await page.$$eval('#log-results .log-row', (rows) => rows.length);
  assert.equal(times, Math.min(100, expected));
  assert.equal(await page.getAttribute('button.seg[data-range="custom"]', 'aria-pressed'), 'true');
  assertNoProblems(page);
  await page.close();
});

test('live tail shows a newly pushed line within 2 s', async () => {
  const page = await newPage(context);
  await openPage(page, collector.url, '#/logs', 'logs');
  // The tail has started once its first request (which fixes the starting point) has answered.
  const started = page.waitForResponse((r) => r.url().includes('/api/v1/logs/tail') && !r.url().includes('after_id'));
  await page.click('button.live-toggle');
  await started;
  const marker = `live-tail-check-${Date.now()}`;
  await collector.push({
    agent: { host: 'web1', id: 'live-test', version: 'test' },
    batch_id: marker,
    logs: [{
      ts: Date.now(), service: 'checkout', level: 'error', message: `payment declined ${marker}`,
      fields: { order_id: 'A-1182', amount_eur: 42.5, retry: false },
    }],
  }, ingestToken);
  const pushed = Date.now();
  const row = page.locator('#log-results .log-row.new', { hasText: marker });
  await row.waitFor({ timeout: 2000 });
  console.log(`live tail: the pushed line appeared after ${Date.now() - pushed} ms`);
  await page.screenshot({ path: screenshotPath('logs') });
  await page.click('button.live-toggle');

  // Its structured fields show when the row is opened from the keyboard.
  await row.focus();
  await page.keyboard.press('Enter');
  const fields = await page.$$eval('.log-detail dt', (dts) => dts.map((dt) => `${dt.textContent}=${dt.nextElementSibling.textContent}`));
  assert.ok(fields.includes('fields.order_id=A-1182'), fields.join(' '));
  assert.ok(fields.includes('fields.amount_eur=42.5'), fields.join(' '));
  assert.ok(fields.includes('fields.retry=false'), fields.join(' '));
  // "/" jumps to the search box.
  await page.keyboard.press('Escape');
  await page.locator('body').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'log-query');
  assertNoProblems(page);
  await page.close();
});

test('Metrics autocompletes metric names, charts a query and shows a bad query\'s error', async () => {
  const page = await newPage(context);
  await openPage(page, collector.url, `#/metrics?from=${agentsStarted - 2000}&to=${Date.now() + 1000}`, 'metrics');
  await page.waitForFunction(() => Number(document.querySelector('.catalog')?.dataset.metrics) > 10);
  await page.fill('#metric-query', '');
  await page.type('#metric-query', 'node_lo');
  const suggestions = await page.locator('#metric-suggestions li').allTextContents();
  assert.ok(suggestions.some((s) => s.includes('node_load1')), `suggestions: ${suggestions}`);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');  // accepts the first suggestion
  const accepted = await page.inputValue('#metric-query');
  assert.match(accepted, /^node_load/);
  await page.fill('#metric-query', 'node_load1');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('.metrics-chart')?.dataset.state === 'drawn');
  const legend = await page.locator('.metrics-chart .legend-name').allTextContents();
  assert.deepEqual(legend.sort(), ['node_load1{host="build-01"}', 'node_load1{host="data1"}', 'node_load1{host="web1"}']);
  const [pixels] = await colouredPixels(page, '.metrics-chart canvas.chart-canvas');
  assert.ok(pixels > 50);
  await page.screenshot({ path: screenshotPath('metrics') });
  assertNoProblems(page);

  await page.fill('#metric-query', 'rate(node_load1[');
  await page.keyboard.press('Escape');
  await page.click('button[type=submit]');
  const error = page.locator('.query-status .error-box');
  await error.waitFor();
  const text = await error.textContent();
  assert.match(text, /The query failed \(HTTP 400\)/);
  assert.match(text, /bad_data/);
  // The only console messages are the browser's note about the 400 answer itself.
  assert.ok(page.problems.every((p) => p.includes('status of 400')), page.problems.join('\n'));
  await page.close();
});

test('without a token the dashboard asks for one and then works', async () => {
  const fresh = await browser.newContext({ viewport: VIEWPORT });
  const page = await newPage(fresh);
  await page.goto(`${collector.url}/#/hosts`);
  const dialog = page.locator('#token-dialog');
  await dialog.waitFor({ state: 'visible' });
  assert.match(await page.textContent('#token-reason'), /missing bearer token/);

  await page.fill('#token-input', 'hw_not_a_real_token');
  await page.click('#token-save');
  await page.waitForFunction(() => /unknown or revoked token/.test(document.querySelector('#token-reason').textContent));
  await page.screenshot({ path: screenshotPath('token-prompt') });

  await page.fill('#token-input', readToken);
  await page.click('#token-save');
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'hosts');
  assert.equal(await page.locator('tr.host-row').count(), 3);
  assert.equal(await page.evaluate(() => localStorage.getItem('hivewatch.token')), readToken);
  // The only console messages are the browser's notes about the two 401 answers.
  assert.ok(page.problems.length > 0 && page.problems.every((p) => p.includes('status of 401')), page.problems.join('\n'));
  await fresh.close();
});

test('the collector serves the dashboard files with types and cache validation', async () => {
  const index = await fetch(`${collector.url}/`);
  assert.equal(index.status, 200);
  assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.match(index.headers.get('content-security-policy'), /default-src 'self'/);
  const etag = index.headers.get('etag');
  const again = await fetch(`${collector.url}/`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  const js = await fetch(`${collector.url}/ui/js/app.js`);
  assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(js.headers.get('cache-control'), 'no-cache');
});
