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
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { type BenchResult, type BenchSuite, ratioOf } from '../../bench/types.ts';
import { launchChromium, startDashboardSystem } from '../tests/harness.ts';

const EVENTS = 200;
const GAP_MS = 25;
const LOADS = 5;

/**
 * The wall clock, as the gateway's `at` and the page's `performance.timeOrigin + now()` read it (this
 * process's `performance.timeOrigin` drifts a few ms from it over a long run).
 */
const nowMs = () => Date.now();
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/**
 * In the page: each time `selector`'s text changes, record the text, when the DOM changed and the
 * time of the next animation frame; and the main thread's long tasks (> 50 ms) from now on.
 */
async function watchText(page: Page, selector: string): Promise<void> {
  await page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) throw new Error(`no ${sel}`);
    const w = window as unknown as BenchWindow;
    w.__seen = [];
    w.__longTasks = [];
    w.__channels = {};
    new MutationObserver(() => {
      const text = el.textContent ?? '';
      const mutated = performance.timeOrigin + performance.now();
      requestAnimationFrame(() => w.__seen.push([text, mutated, performance.timeOrigin + performance.now()]));
    }).observe(el, { childList: true, characterData: true, subtree: true });
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push(e.duration);
      }).observe({ type: 'longtask' });
    } catch {
      // no long-task timing in this browser
    }
  }, selector);
}

/** What the page records (see watchText and RECEIVE_STAMP). */
interface BenchWindow {
  /** [text, DOM changed at, next frame at] */
  __seen: [string, number, number][];
  __longTasks: number[];
  /** value → [received by the page's socket at, the gateway's `at`] */
  __received: Record<number, [number, number]>;
  /** messages the page's sockets received, by channel */
  __channels: Record<string, number>;
}

/**
 * Added to the dashboard before its scripts run: every WebSocket's `events:account` with an equity
 * from 500,000 up is stamped when it reaches the page (before the app's own handler runs).
 */
const RECEIVE_STAMP = `(() => {
  const Native = window.WebSocket;
  window.__received = {};
  window.__channels = {};
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const at = performance.timeOrigin + performance.now();
        const text = String(e.data);
        const channel = (text.match(/"channel":"([^"]+)"/) || [])[1] || 'other';
        window.__channels[channel] = (window.__channels[channel] || 0) + 1;
        if (channel !== 'events:account') return;
        try {
          const m = JSON.parse(text);
          const v = Number(m.data && m.data.equity);
          if (v >= 500000) window.__received[v] = [at, m.at];
        } catch {}
      });
    }
  };
})();`;

async function seen(page: Page): Promise<[string, number, number][]> {
  return page.evaluate(() => (window as unknown as BenchWindow).__seen);
}

/** One event the page showed: when it was sent, reached the page, changed the DOM, was on a frame. */
interface Shown {
  value: number;
  sent: number;
  mutated: number;
  frame: number;
}

/** Send EVENTS values `base + i` with `send`, GAP_MS apart; each one the page showed. */
async function measure(
  page: Page,
  base: number,
  parse: (text: string) => number,
  send: (value: number) => Promise<void>,
): Promise<Shown[]> {
  const sentAt = new Map<number, number>();
  for (let i = 0; i < EVENTS; i++) {
    sentAt.set(base + i, nowMs());
    await send(base + i);
    await new Promise((r) => setTimeout(r, GAP_MS));
  }
  await new Promise((r) => setTimeout(r, 1000));
  const shown: Shown[] = [];
  for (const [text, mutated, frame] of await seen(page)) {
    const value = parse(text);
    const sent = sentAt.get(value);
    if (sent !== undefined) shown.push({ value, sent, mutated, frame });
  }
  return shown;
}

/** p50 / p95 of each stage of an event's way into the page, rounded to 0.1 ms. */
async function stages(page: Page, shown: Shown[]): Promise<Record<string, number>> {
  const received = await page.evaluate(() => (window as unknown as BenchWindow).__received);
  const longTasks = await page.evaluate(() => (window as unknown as BenchWindow).__longTasks);
  const channels = await page.evaluate(() => (window as unknown as BenchWindow).__channels);
  const parts: Record<string, number[]> = { toGateway: [], toPage: [], toDom: [], toFrame: [] };
  for (const s of shown) {
    const r = received[s.value];
    if (!r) continue;
    const [at, gatewayAt] = r;
    parts['toGateway']!.push(gatewayAt - s.sent);
    parts['toPage']!.push(at - gatewayAt);
    parts['toDom']!.push(s.mutated - at);
    parts['toFrame']!.push(s.frame - s.mutated);
  }
  const out: Record<string, number> = {};
  const r1 = (x: number) => Math.round(x * 10) / 10;
  for (const [k, xs] of Object.entries(parts))
    if (xs.length) {
      out[`${k}P50`] = r1(pct(xs, 50));
      out[`${k}P95`] = r1(pct(xs, 95));
    }
  out['longTasks'] = longTasks.length;
  out['longTaskMs'] = r1(longTasks.reduce((a, b) => a + b, 0));
  out['longTaskMaxMs'] = r1(longTasks.length ? Math.max(...longTasks) : 0);
  for (const [channel, n] of Object.entries(channels)) out[`messages ${channel}`] = n;
  return out;
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
      await page.addInitScript(RECEIVE_STAMP);
      await page.goto(`${system.url}/login`);
      await page.getByLabel('Email').fill(admin.email);
      await page.getByLabel('Password').fill(admin.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${system.url}/`);
      await page.getByTestId('live-state').filter({ hasText: 'live' }).waitFor({ timeout: 30_000 });

      progress(`bus → rendered: ${EVENTS} events:account, ${GAP_MS} ms apart`);
      await watchText(page, '[data-testid=equity]');
      // DASHBOARD_BENCH_PROFILE=<file.cpuprofile>: the page's CPU profile over the burst (DevTools opens it)
      const profileTo = process.env['DASHBOARD_BENCH_PROFILE'];
      // (and <file>.node.cpuprofile: this process's, where enigma start and its gateway run)
      const cdp = profileTo ? await context.newCDPSession(page) : null;
      const inspector = profileTo ? new Session() : null;
      if (cdp && inspector) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
        await cdp.send('Profiler.start');
        inspector.connect();
        await inspector.post('Profiler.enable');
        await inspector.post('Profiler.start');
      }
      // how late this process's event loop runs its callbacks (the bus hands events to the gateway on it)
      const loopDelay = monitorEventLoopDelay({ resolution: 5 });
      loopDelay.enable();
      const oursShown = await measure(
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
      loopDelay.disable();
      if (cdp && inspector && profileTo) {
        const { profile } = await cdp.send('Profiler.stop');
        writeFileSync(profileTo, JSON.stringify(profile));
        await cdp.detach();
        const node = await inspector.post('Profiler.stop');
        writeFileSync(
          profileTo.replace(/(\.cpuprofile)?$/, '.node.cpuprofile'),
          JSON.stringify(node.profile),
        );
        inspector.disconnect();
      }
      const serverLoop = {
        serverLoopDelayP50: Math.round(loopDelay.percentile(50) / 1e5) / 10,
        serverLoopDelayP99: Math.round(loopDelay.percentile(99) / 1e5) / 10,
        serverLoopDelayMax: Math.round(loopDelay.max / 1e5) / 10,
      };
      const ours = oursShown.map((x) => x.frame - x.sent);
      const oursStages = await stages(page, oursShown);

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
      const peer = (
        await measure(bare, 500_000, Number, async (v) => {
          socket.send(JSON.stringify({ v }));
        })
      ).map((x) => x.frame - x.sent);

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
          extra: {
            p99: pct(ours, 99),
            peerP99: pct(peer, 99),
            max: Math.max(...ours),
            ...oursStages,
            ...serverLoop,
          },
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
