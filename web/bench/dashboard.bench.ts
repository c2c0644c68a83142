/**
 * The dashboard in a real browser (Debian's Chromium) against `enigma start` in this process:
 *
 * - bus event → rendered: an `events:account` published on the bus until the top bar's equity shows
 *   it (values from 500,000 up, apart from the engine's own account events, which are ignored) (bus → gateway → WebSocket → React → the next animation frame), timed inside the page on the
 *   shared wall clock; peer: a bare page that writes each message of a bare `ws` server into the DOM,
 *   timed the same way, in the same browser and run;
 * - first load: navigation start → the chart's canvas drawn with candles, against the login page
 *   (server-rendered, the same assets' loader) to its load event;
 * - JavaScript shipped to the first page, gzipped (level 9), against the login page's.
 *
 * Nothing here asserts a time; goals are reported as met or missed.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { type BenchResult, type BenchSuite, ratioOf } from '../../bench/types.ts';
import { launchChromium, startDashboardSystem } from '../tests/harness.ts';

const EVENTS = 200;
const GAP_MS = 25;
const LOADS = 5;

const nowMs = () => performance.timeOrigin + performance.now();
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/** In the page: record (text, time of the next animation frame) each time `selector`'s text changes. */
async function watchText(page: Page, selector: string): Promise<void> {
  await page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) throw new Error(`no ${sel}`);
    const seen: [string, number][] = [];
    (window as unknown as { __seen: typeof seen }).__seen = seen;
    new MutationObserver(() => {
      const text = el.textContent ?? '';
      requestAnimationFrame(() => seen.push([text, performance.timeOrigin + performance.now()]));
    }).observe(el, { childList: true, characterData: true, subtree: true });
  }, selector);
}

async function seen(page: Page): Promise<[string, number][]> {
  return page.evaluate(() => (window as unknown as { __seen: [string, number][] }).__seen);
}

/** Send EVENTS values `base + i` with `send`, GAP_MS apart; the latency of each one the page showed. */
async function measure(
  page: Page,
  base: number,
  parse: (text: string) => number,
  send: (value: number) => Promise<void>,
): Promise<number[]> {
  const sentAt = new Map<number, number>();
  for (let i = 0; i < EVENTS; i++) {
    sentAt.set(base + i, nowMs());
    await send(base + i);
    await new Promise((r) => setTimeout(r, GAP_MS));
  }
  await new Promise((r) => setTimeout(r, 1000));
  const latencies: number[] = [];
  for (const [text, at] of await seen(page)) {
    const sent = sentAt.get(parse(text));
    if (sent !== undefined) latencies.push(at - sent);
  }
  return latencies;
}

/** Every script the page loads until `ready` (lazy chunks included), gzipped at level 9. */
async function gzippedScripts(
  page: Page,
  url: string,
  ready: () => Promise<unknown>,
): Promise<{ bytes: number; files: number }> {
  const bodies: Promise<Buffer>[] = [];
  const onResponse = (res: import('playwright-core').Response) => {
    if (res.request().resourceType() === 'script') bodies.push(res.body());
  };
  page.on('response', onResponse);
  await page.goto(url, { waitUntil: 'load' });
  await ready();
  await page.waitForLoadState('networkidle');
  page.off('response', onResponse);
  const all = await Promise.all(bodies);
  return { bytes: all.reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0), files: all.length };
}

const suite: BenchSuite = {
  name: 'dashboard (browser)',
  async run(progress) {
    progress('starting enigma start (building the dashboard when needed)');
    const { system, admin } = await startDashboardSystem();
    let browser: Browser | undefined;
    const echo = new WebSocketServer({ server: createServer().listen(0, '127.0.0.1') });
    try {
      browser = await launchChromium();
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${system.url}/login`);
      await page.getByLabel('Email').fill(admin.email);
      await page.getByLabel('Password').fill(admin.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${system.url}/`);
      await page.getByTestId('live-state').filter({ hasText: 'live' }).waitFor({ timeout: 30_000 });

      progress(`bus → rendered: ${EVENTS} events:account, ${GAP_MS} ms apart`);
      await watchText(page, '[data-testid=equity]');
      const ours = await measure(
        page,
        500_000,
        (t) => Number(t.replace(/,/g, '')),
        (v) =>
          system.bus
            .publish('events:account', {
              type: 'account',
              at: Date.now(),
              equity: String(v),
              balance: '100000',
              availableBalance: '100000',
              unrealisedPnl: '0',
              currency: 'USDT',
            })
            .then(() => undefined),
      );

      progress('peer: a bare ws page');
      const echoPort = (echo.options.server!.address() as AddressInfo).port;
      const bare = await context.newPage();
      await bare.setContent('<p id="v">-</p>');
      const connected = new Promise<import('ws').WebSocket>((r) => echo.once('connection', r));
      await bare.evaluate((port) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}`);
        const el = document.getElementById('v')!;
        ws.onmessage = (e) => {
          el.textContent = String(JSON.parse(String(e.data)).v);
        };
      }, echoPort);
      const socket = await connected;
      await watchText(bare, '#v');
      const peer = await measure(bare, 500_000, Number, async (v) => {
        socket.send(JSON.stringify({ v }));
      });

      progress(`first load ×${LOADS}: the dashboard to its chart, the login page to its load event`);
      const loads: number[] = [];
      const logins: number[] = [];
      const fresh = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const loginPage = await fresh.newPage();
      for (let i = 0; i < LOADS; i++) {
        await page.goto('about:blank');
        await page.goto(`${system.url}/`, { waitUntil: 'commit' });
        await page.locator('[data-testid=price-chart] canvas').first().waitFor({ timeout: 30_000 });
        await page.locator('.chart-loading').waitFor({ state: 'detached' });
        loads.push(await page.evaluate(() => performance.now()));
        await loginPage.goto('about:blank');
        await loginPage.goto(`${system.url}/login`, { waitUntil: 'load' });
        logins.push(
          await loginPage.evaluate(() => {
            const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
            return nav.loadEventEnd || performance.now();
          }),
        );
      }

      progress('JavaScript shipped, gzipped');
      const dashJs = await gzippedScripts(page, `${system.url}/`, () =>
        page.locator('.chart-loading').waitFor({ state: 'detached' }),
      );
      const loginJs = await gzippedScripts(loginPage, `${system.url}/login`, async () => {});

      const p50 = pct(ours, 50);
      const p95 = pct(ours, 95);
      const peer50 = pct(peer, 50);
      const peer95 = pct(peer, 95);
      const load = pct(loads, 50);
      const loginLoad = pct(logins, 50);
      const kb = dashJs.bytes / 1024;
      const results: BenchResult[] = [
        {
          name: 'bus event → rendered in the page, p50',
          unit: 'ms',
          value: p50,
          higherIsBetter: false,
          peer: { name: 'bare ws page p50', value: peer50 },
          ratio: ratioOf(p50, peer50, false),
          extra: { shown: ours.length, sent: EVENTS, peerShown: peer.length },
        },
        {
          name: 'bus event → rendered in the page, p95',
          unit: 'ms',
          value: p95,
          higherIsBetter: false,
          peer: { name: 'bare ws page p95', value: peer95 },
          ratio: ratioOf(p95, peer95, false),
          goal: '< 100 ms and within 20 ms of the bare ws page',
          goalMet: p95 < 100 && p95 - peer95 <= 20,
          extra: { p99: pct(ours, 99), peerP99: pct(peer, 99), max: Math.max(...ours) },
        },
        {
          name: 'first load: navigation → chart drawn (median)',
          unit: 'ms',
          value: load,
          higherIsBetter: false,
          peer: { name: 'login page load event (median)', value: loginLoad },
          ratio: ratioOf(load, loginLoad, false),
          extra: { runs: LOADS, min: Math.min(...loads), max: Math.max(...loads) },
        },
        {
          name: 'JavaScript of the dashboard page, gzipped',
          unit: 'KB',
          value: kb,
          higherIsBetter: false,
          peer: { name: 'login page JavaScript, gzipped', value: loginJs.bytes / 1024 },
          ratio: ratioOf(kb, loginJs.bytes / 1024, false),
          goal: '≤ 250 KB',
          goalMet: kb <= 250,
          extra: { files: dashJs.files, loginFiles: loginJs.files },
        },
      ];
      await context.close();
      await fresh.close();
      return results;
    } finally {
      await browser?.close();
      await new Promise<void>((r) => echo.close(() => r()));
      echo.options.server?.close();
      await system.close();
    }
  },
};

export default suite;
