// A collector nobody has pushed to yet, without authentication: the pages say so and tell how
// to install an agent, and nothing fails in the browser.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Collector, launchBrowser, newPage, openPage, screenshotPath } from './support/harness.mjs';

let collector, browser, context;

before(async () => {
  collector = await new Collector({ auth: false }).start();
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
});

after(async () => {
  if (browser) await browser.close();
  if (collector) await collector.stop();
});

test('Hosts shows how to install an agent, with this collector\'s address', async () => {
  const page = await newPage(context);
  await openPage(page, collector.url, '', 'hosts');
  const text = await page.textContent('.empty-state');
  assert.match(text, /No agent has reported yet/);
  assert.ok(text.includes(`hivewatch-agent --collector ${collector.url}`), text);
  assert.match(text, /token create --name web1 --scope ingest/);
  await page.screenshot({ path: screenshotPath('hosts-empty') });
  assert.deepEqual(page.problems, []);
});

test('Logs shows the same hint, an empty histogram and a token-free live tail', async () => {
  const page = await newPage(context);
  await openPage(page, collector.url, '#/logs', 'logs');
  assert.match(await page.textContent('#log-results'), /No agent has reported yet/);
  assert.equal(await page.$eval('#log-total', (el) => el.dataset.total), '0');
  assert.equal(await page.$eval('.histogram', (el) => el.dataset.state), 'empty');
  const started = page.waitForResponse((r) => r.url().includes('/api/v1/logs/tail'));
  await page.click('button.live-toggle');
  assert.equal((await started).status(), 200);
  assert.deepEqual(page.problems, []);
});

test('an unknown host and an unknown page say what is missing', async () => {
  const page = await newPage(context);
  await page.goto(`${collector.url}/#/host/nosuchhost`);
  await page.locator('.empty-state', { hasText: 'No host named "nosuchhost" has reported' }).waitFor();
  await page.goto(`${collector.url}/#/nonsense`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'hosts');
  assert.ok(page.problems.every((p) => p.includes('status of 4')), page.problems.join('\n'));
});

test('a custom time range is picked with two date-time fields and kept in the URL', async () => {
  const page = await newPage(context);
  await openPage(page, collector.url, '#/logs', 'logs');
  await page.click('button.seg[data-range="custom"]');
  await page.fill('input[aria-label="From"]', '2026-01-02T03:04');
  await page.fill('input[aria-label="To"]', '2026-01-02T05:04');
  await page.click('.range-custom button.primary');
  await page.waitForFunction(() => /from=\d+&to=\d+/.test(location.hash));
  const params = new URLSearchParams(page.url().split('?')[1]);
  assert.equal(Number(params.get('to')) - Number(params.get('from')), 2 * 3600e3);
  assert.equal(await page.textContent('button.seg[data-range="custom"]'), '2 h window');
  // An end before the start is refused with a message.
  await page.click('button.seg[data-range="custom"]');
  await page.fill('input[aria-label="From"]', '2026-01-02T06:00');
  await page.click('.range-custom button.primary');
  assert.match(await page.textContent('.range-error'), /start must be before the end/);
  assert.deepEqual(page.problems, []);
});
