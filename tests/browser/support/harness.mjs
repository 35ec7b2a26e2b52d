// What the browser tests share: a real hivewatch-collector process (temp data dir, port 0),
// tokens, pushes of the real log samples and of metric history, real hivewatch-agent runs,
// and Debian's chromium driven by playwright-core with console errors collected per page.
// Paths come from the environment CTest sets (tests/browser/CMakeLists.txt).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests through ctest (tests/browser/CMakeLists.txt)`);
  return value;
}

export const COLLECTOR_BIN = () => env('HIVEWATCH_COLLECTOR_BIN');
export const AGENT_BIN = () => env('HIVEWATCH_AGENT_BIN');
export const SHARED_LOGS = () => env('HIVEWATCH_SHARED_LOGS');
export const ARTIFACTS = () => {
  const dir = env('HIVEWATCH_ARTIFACTS');
  mkdirSync(dir, { recursive: true });
  return dir;
};

const require = createRequire(path.join(env('HIVEWATCH_NODE_MODULES'), 'noop.js'));
const { chromium } = require('playwright-core');

// Polls `condition` (sync or async) until it returns a truthy value or `timeoutMs` passes.
export async function waitFor(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await condition();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

export class Collector {
  constructor({ auth = true } = {}) {
    this.auth = auth;
    this.dir = mkdtempSync(path.join(process.env.TMPDIR || tmpdir(), 'hivewatch-browser-'));
    this.dataDir = path.join(this.dir, 'data');
    this.logPath = path.join(this.dir, 'collector.log');
    this.children = [];
  }

  async start() {
    const args = ['--listen', '127.0.0.1:0', '--data-dir', this.dataDir];
    if (!this.auth) args.push('--no-auth');
    const log = openSync(this.logPath, 'a');
    this.process = spawn(COLLECTOR_BIN(), args, { stdio: ['ignore', log, log] });
    const marker = 'listening on http://';
    const address = await waitFor(() => {
      const text = readFileSync(this.logPath, 'utf8');
      const i = text.indexOf(marker);
      if (i < 0) {
        if (this.process.exitCode !== null) throw new Error(`collector exited: ${text}`);
        return null;
      }
      return text.slice(i + marker.length).split(/\s/)[0];
    }, 20000, 'the collector to listen');
    this.url = `http://${address}`;
    return this;
  }

  createToken(name, scope) {
    const r = spawnSync(COLLECTOR_BIN(), ['--data-dir', this.dataDir, 'token', 'create', '--name', name, '--scope', scope], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`token create failed: ${r.stderr}`);
    return r.stdout.trim();
  }

  async request(method, pathAndQuery, { token, body } = {}) {
    const headers = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(this.url + pathAndQuery, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${pathAndQuery}: ${res.status} ${text}`);
    return JSON.parse(text);
  }

  push(batch, token) {
    return this.request('POST', '/api/v1/push', { token, body: batch });
  }

  // Runs the real agent against this collector for `cycles` collections `interval` apart.
  async runAgent({ host, token, interval = '1s', cycles = 4 }) {
    const state = path.join(this.dir, `agent-${host}`);
    mkdirSync(state, { recursive: true });
    const tokenFile = path.join(state, 'token');
    writeFileSync(tokenFile, token || '', { mode: 0o600 });
    // An empty --config: without one the agent reads /etc/hivewatch/agent.toml if the machine has it.
    const config = path.join(state, 'agent.toml');
    writeFileSync(config, '');
    const args = ['--config', config, '--collector', this.url, '--host', host, '--state-dir', state,
      '--interval', interval];
    if (token) args.push('--token-file', tokenFile);
    const log = openSync(path.join(state, 'agent.log'), 'a');
    const child = spawn(AGENT_BIN(), args, { stdio: ['ignore', log, log] });
    this.children.push(child);
    // Done when the collector has `cycles` batches from it.
    await waitFor(async () => {
      const { hosts } = await this.request('GET', '/api/v1/hosts', { token: this.readToken });
      const h = hosts.find((x) => x.host === host);
      return h && h.batches >= cycles && h.samples > 0;
    }, 60000, `${cycles} batches from the agent for ${host}`);
    return child;
  }

  async stop() {
    for (const c of this.children) {
      if (c.exitCode === null) {
        c.kill('SIGTERM');
        await new Promise((r) => c.once('exit', r));
      }
    }
    if (this.process && this.process.exitCode === null) {
      this.process.kill('SIGTERM');
      await new Promise((r) => this.process.once('exit', r));
    }
    if (!process.env.HIVEWATCH_KEEP_TMP) rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---- The real log samples -----------------------------------------------------------------

export const SAMPLE_FILES = [
  { file: 'Linux_2k.log', host: 'web1', service: 'linux' },
  { file: 'OpenSSH_2k.log', host: 'web1', service: 'openssh' },
  { file: 'HDFS_2k.log', host: 'data1', service: 'hdfs' },
  { file: 'Hadoop_2k.log', host: 'data1', service: 'hadoop' },
];

function levelOf(line) {
  if (line.includes(' FATAL ')) return 'critical';
  if (line.includes(' ERROR ')) return 'error';
  if (line.includes(' WARN ')) return 'warning';
  return 'info';
}

// Every line of the four samples with host, service, level and a timestamp: line i of file f at
// base + i * 1000 + f * 250 ms, so lines interleave and no two share a timestamp.
export function loadSamples(baseMs) {
  const out = [];
  SAMPLE_FILES.forEach((f, fi) => {
    const lines = readFileSync(path.join(SHARED_LOGS(), f.file), 'utf8').split('\n')
      .map((l) => l.replace(/\r$/, '')).filter((l, i, all) => i < all.length - 1 || l !== '');
    lines.forEach((message, i) => {
      out.push({ host: f.host, service: f.service, level: levelOf(message), ts: baseMs + i * 1000 + fi * 250, message });
    });
  });
  return out;
}

// The collector's full-text semantics for a plain phrase: its words appear consecutively.
function words(s) {
  return (s.toLowerCase().match(/[\p{L}\p{N}]+/gu) || []);
}
export function containsWords(message, phrase) {
  const hay = words(message), needle = words(phrase);
  if (!needle.length) return false;
  for (let i = 0; i + needle.length <= hay.length; i++) {
    if (needle.every((w, k) => hay[i + k] === w)) return true;
  }
  return false;
}

export async function pushSamples(collector, lines, token, batchSize = 500) {
  let n = 0;
  for (const host of new Set(lines.map((l) => l.host))) {
    const mine = lines.filter((l) => l.host === host);
    for (let i = 0; i < mine.length; i += batchSize) {
      await collector.push({
        agent: { host, id: `samples-${host}`, version: 'test' },
        batch_id: `samples-${host}-${n++}`,
        logs: mine.slice(i, i + batchSize).map((l) => ({ ts: l.ts, service: l.service, level: l.level, message: l.message })),
      }, token);
    }
  }
}

// ---- Browser ------------------------------------------------------------------------------

export const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

export async function launchBrowser() {
  return chromium.launch({
    executablePath: env('HIVEWATCH_CHROMIUM'),
    headless: true,
    args: CHROMIUM_FLAGS,
  });
}

// A page that records console errors and uncaught exceptions in page.problems.
export async function newPage(context) {
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') page.problems.push(`console.${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => page.problems.push(`uncaught: ${err.message}`));
  page.on('requestfailed', (req) => {
    const failure = req.failure()?.errorText || '';
    if (!failure.includes('ERR_ABORTED')) page.problems.push(`request failed: ${req.url()} ${failure}`);
  });
  return page;
}

// Opens `hash` and waits until the page marks its first complete render.
export async function openPage(page, baseUrl, hash, name) {
  await page.goto(`${baseUrl}/${hash}`);
  await page.waitForFunction((n) => document.documentElement.dataset.ready === n, name, { timeout: 30000 });
}

// Counts the pixels of a canvas that are coloured (saturated), i.e. drawn data rather than the
// white background, grey grid lines and axis labels.
export function colouredPixels(page, selector) {
  return page.$$eval(selector, (canvases) => canvases.map((c) => {
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      const max = Math.max(data[i], data[i + 1], data[i + 2]);
      const min = Math.min(data[i], data[i + 1], data[i + 2]);
      if (data[i + 3] > 0 && max - min > 40) n++;
    }
    return n;
  }));
}

export function screenshotPath(name) {
  return path.join(ARTIFACTS(), `${name}.png`);
}
