/**
 * The smart order router (docs/router.md).
 *
 * (1) Decision time: one routing decision as the engine takes it (route() over a 100-level depth snapshot:
 * mid, protected limit, depth within the budget, the book walk's estimate; then the TWAP's slices), p50/p99
 * per size, against the pre-trade risk checks (`preTradeChecks`) on the same order and a plain walkBook of
 * the same size, in the same run. Goal: p99 ≤ 1 ms.
 *
 * (2) Execution quality on the replayed real book: two simulators replay the recorded KuCoin Futures
 * SOLUSDTM 1-second best bid/ask (../shared/data/series/kucoin-futures) from the same start, with the
 * synthetic depth around that mid shaped thin (`bookShape`), the spread set to the series' median. For
 * each size, at the same moment, (a) a plain market order of that size is sent to simulator A, and
 * (b) a buy alert goes through the real engine (PostgreSQL, job queue) to simulator B with
 * `execution.style: 'auto'`, both sent just after the replayed mid stepped. Cost of each against the
 * same arrival price (the mid when both were sent; the engine's own latency is part of the router's
 * cost): the implementation shortfall of executionQuality (core/src/router/plan.ts), in bps of the
 * order's notional at that mid, where the unfilled part is priced at what completing it would cost on
 * the book right after (walked), so a partly-filled IOC does not look cheap for free; each one's figure
 * against its own decision-time mid (unfilled part at the end mid, as the engine stores it) is reported
 * beside it. Between sizes the books are left to refresh (one level epoch).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contractSpec } from '@enigma/core/contract/specs';
import { DEFAULT_STRATEGY, type StrategyConfig, strategyKey } from '@enigma/core/engine/strategy';
import { type OrderProposal, preTradeChecks, type RiskContext } from '@enigma/core/risk/checks';
import { DEFAULT_RISK_LIMITS, type RiskLimits } from '@enigma/core/risk/limits';
import { type BookSide, midOf, walkBook } from '@enigma/core/router/book';
import {
  DEFAULT_EXECUTION,
  type ExecutionConfig,
  executionQuality,
  route,
  twapSlices,
} from '@enigma/core/router/plan';
import { RISK_LIMITS_KEY } from '@enigma/core/settings/keys';
import { getIntentBySignal, getSignal, type OrderRow, ordersOfSignal, putSetting } from '@enigma/db';
import { openTestDatabase } from '@enigma/db/testing/drivers';
import Decimal from 'decimal.js';
import pino from 'pino';
import { type BenchResult, type BenchSuite, ratioOf } from '../../bench/types.ts';
import { createMemoryBus } from '../src/bus/memory.ts';
import { runEngine } from '../src/engine/runner.ts';
import { postAlert } from '../src/engine/testing/post-alert.ts';
import { KucoinHttpClient } from '../src/exchange/kucoin/http.ts';
import { createDatabaseJobs } from '../src/jobs/database.ts';
import type { RoutedLeg } from '../src/router/router.ts';
import { DEFAULT_BOOK_SHAPE, LEVEL_EPOCH_MS, syntheticBook } from '../src/sim/book.ts';
import type { MarketSource } from '../src/sim/market/source.ts';
import type { RunningSimulator } from '../src/sim/server.ts';
import { requireSharedData, startTestSimulator } from '../src/sim/test-helpers.ts';

const SYMBOL = 'SOLUSDTM';
const SIZES = (process.env.ROUTER_BENCH_SIZES ?? '1,10,50,200,1000').split(',').map(Number);
/** ~30 USDT (two lots) per top level: 20 levels hold ~80 lots, the whole book ~500. */
const LEVEL_NOTIONAL = 30;
const EXECUTION: ExecutionConfig = {
  ...DEFAULT_EXECUTION,
  // ROUTER_BENCH_STYLE / ROUTER_BENCH_BUDGET: a named style or another budget for (b), e.g. `market`
  // with 1000 bps, the plain order through the engine, to check that both sides measure alike
  style: (process.env.ROUTER_BENCH_STYLE ?? 'auto') as ExecutionConfig['style'],
  slippageBps: Number(process.env.ROUTER_BENCH_BUDGET ?? 10),
  twap: { slices: 5, durationSeconds: 8 },
  maxAutoSlices: 8,
};
const DECISION_ITERATIONS = 10_000;
const GOAL_DECISION_P99_US = 1_000;
const credential = {
  apiKey: 'sim-key',
  apiSecret: 'sim-secret',
  passphrase: 'sim-pass',
  keyVersion: '3' as const,
};
const spec = contractSpec(SYMBOL);

/** Poll `f` every 50 ms until it returns a value (vitest's waitFor is for tests only). */
async function poll<T>(f: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Nearest-rank percentile. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** The recorded SOLUSDTM 1-second best bid/ask: time and mid of every second with both sides. */
function loadSeries(): { time: number; mid: number; spread: number }[] {
  const file = join(requireSharedData(), 'series', 'kucoin-futures', 'SOLUSDTM-1s-mark-index-bbo.csv');
  const rows: { time: number; mid: number; spread: number }[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
    const [time, , , bid, ask] = line.split(',');
    if (!time || !bid || !ask) continue;
    const b = Number(bid);
    const a = Number(ask);
    if (!(b > 0) || !(a >= b)) continue;
    rows.push({ time: Number(time), mid: (a + b) / 2, spread: (a - b) / ((a + b) / 2) });
  }
  return rows;
}

type Series = ReturnType<typeof loadSeries>;

/** A market source replaying the series' mid at real speed from `startIndex` at `anchor` (no tape). */
function seriesSource(series: Series, startIndex: number, anchor: number): MarketSource {
  const start = series[startIndex]!.time;
  let i = startIndex;
  return {
    kind: 'replay',
    sample(symbol, now) {
      if (symbol !== SYMBOL) return undefined;
      const t = start + (now - anchor);
      // warm-up samples before the anchor walk back; afterwards time only moves forward
      if (series[i]!.time > t) i = 0;
      while (i + 1 < series.length && series[i + 1]!.time <= t) i++;
      return { price: series[i]!.mid, volume: 0 };
    },
  };
}

/** The simulator's 100-level book around `mid` as the engine would read it (for the decision-time figure). */
function snapshot(mid: number, now: number, spreadFraction: number): BookSide {
  const b = syntheticBook({
    spec,
    mid,
    now,
    seed: 1,
    shape: { ...DEFAULT_BOOK_SHAPE, levelNotional: LEVEL_NOTIONAL, spreadFraction },
    consumed: new Map(),
  });
  const lv = (l: { tick: number; size: number }) => ({ price: spec.tickSize.mul(l.tick), lots: l.size });
  return { bids: b.bids.slice(0, 100).map(lv), asks: b.asks.slice(0, 100).map(lv) };
}

const LIMITS: RiskLimits = {
  ...DEFAULT_RISK_LIMITS,
  maxPositionNotional: '10000000',
  maxOrderNotional: '10000000',
  maxTotalExposure: '10000000',
  maxOrderLots: 1_000_000,
  maxConsecutiveLosses: 1000,
  maxDailyLoss: '10000000',
};

function strategy(lots: number): StrategyConfig {
  return {
    ...DEFAULT_STRATEGY,
    stop: { kind: 'pct', pct: '2' },
    sizing: { method: 'fixed_lots', lots },
    allowScaleIn: true,
    execution: EXECUTION,
  };
}

interface Outcome {
  mid: Decimal;
  filled: number;
  avg: Decimal | null;
  style: string;
  slices: number;
  error?: string;
}

/** Cost in bps of the order's notional at the decision mid, from executionQuality's shortfall. */
function costBps(
  lots: number,
  o: Outcome,
  finalPrice: Decimal | null,
): { bps: number; fill: number; slip: number | null } {
  const q = executionQuality({
    side: 'buy',
    lots,
    filledLots: o.filled,
    avgFillPrice: o.avg,
    decisionMid: o.mid,
    multiplier: spec.multiplier,
    finalMid: finalPrice,
  });
  const notional = o.mid.mul(spec.multiplier).mul(lots);
  return {
    bps: q.shortfall.div(notional).mul(10_000).toNumber(),
    fill: q.fillRatio.toNumber(),
    slip: q.slippageBps?.toNumber() ?? null,
  };
}

/** `sim`'s whole book now, as the router's book model. */
function bookOf(sim: RunningSimulator): BookSide {
  const d = sim.engine.depth(sim.engine.market(SYMBOL));
  return {
    bids: d.bids.map(([price, n]) => ({ price, lots: n })),
    asks: d.asks.map(([price, n]) => ({ price, lots: n })),
  };
}

/** The book of `sim` now: its mid, and the average price of buying `lots` on it (the whole book walked). */
function after(sim: RunningSimulator, lots: number): { mid: Decimal | null; completion: Decimal | null } {
  const book = bookOf(sim);
  const mid = midOf(book);
  if (lots <= 0) return { mid, completion: null };
  const w = walkBook(book, 'buy', lots);
  // what the book cannot give at all is priced at its worst level (a lower bound of the real cost)
  const rest = lots - w.filledLots;
  const worst = w.worstPrice ?? book.asks.at(-1)?.price ?? mid;
  if (!w.vwap || !worst) return { mid, completion: worst ?? null };
  return { mid, completion: w.vwap.mul(w.filledLots).plus(worst.mul(rest)).div(lots) };
}

/** The book walk's cost in bps (against its mid) of buying `lots` on `sim`'s whole book right now. */
function walkedCostBps(sim: RunningSimulator, lots: number): number {
  return walkBook(bookOf(sim), 'buy', lots).costBps?.toNumber() ?? Number.NaN;
}

const suite: BenchSuite = {
  name: 'router',
  async run(progress) {
    const results: BenchResult[] = [];
    const series = loadSeries();
    const spreads = series.map((r) => r.spread).sort((a, b) => a - b);
    const spreadFraction = spreads[Math.floor(spreads.length / 2)]!;

    // ── (1) decision time ──────────────────────────────────────────────────────────────────────────
    {
      progress(
        `decision time: ${DECISION_ITERATIONS} decisions per size over the depth the engine reads (up to 100 levels) from the series`,
      );
      const books = Array.from({ length: 64 }, (_, k) => {
        const r = series[Math.floor((k * series.length) / 64)]!;
        return snapshot(r.mid, r.time, spreadFraction);
      });
      const contract = {
        symbol: SYMBOL,
        multiplier: spec.multiplier,
        tickSize: spec.tickSize,
        lotSize: spec.lotSize,
        maxOrderQty: spec.maxOrderQty,
        maxLeverage: spec.maxLeverage,
        takerFeeRate: spec.takerFeeRate,
        maintainMarginRate: new Decimal('0.01'),
      };
      const decide = (book: BookSide, lots: number) => {
        const r = route({ side: 'buy', lots, book, tickSize: spec.tickSize, config: EXECUTION });
        if (!r.ok) throw new Error(r.message);
        // what Router.plan keeps of it
        const slices =
          r.style === 'twap'
            ? twapSlices(lots, r.slices, EXECUTION.twap.durationSeconds * 1000, r.firstLots)
            : [{ index: 0, lots, offsetMs: 0 }];
        return [r.style, r.mid.toFixed(), r.limit.toFixed(), r.estimate.costBps?.toFixed(2), slices] as const;
      };
      const check = (book: BookSide, lots: number) => {
        const mid = midOf(book)!;
        const order: OrderProposal = {
          symbol: SYMBOL,
          side: 'buy',
          lots,
          reduceOnly: false,
          price: book.asks[0]!.price,
          leverage: 5,
          stopPrice: mid.mul(0.98).toDecimalPlaces(3),
          kind: 'limit',
        };
        const now = Date.now();
        const ctx: RiskContext = {
          now,
          limits: LIMITS,
          killSwitchOn: false,
          breaker: 'active',
          origin: 'signal',
          market: {
            mark: mid,
            markAt: now,
            bestBid: book.bids[0]!.price,
            bestAsk: book.asks[0]!.price,
            bookAt: now,
          },
          account: { equity: new Decimal(1_000_000), available: new Decimal(1_000_000) },
          positions: [],
          openOrders: { limit: 0, stop: 0 },
        };
        return preTradeChecks(order, contract, ctx);
      };
      /** The three timed side by side, in turn, on the same books: a load spike hits them alike. */
      const timeAll = (fs: ((book: BookSide) => unknown)[]): number[][] => {
        for (let i = 0; i < 300; i++) for (const f of fs) f(books[i % books.length]!);
        const out: number[][] = fs.map(() => []);
        for (let i = 0; i < DECISION_ITERATIONS; i++) {
          const book = books[i % books.length]!;
          for (let k = 0; k < fs.length; k++) {
            const j = (i + k) % fs.length;
            const t0 = performance.now();
            fs[j]!(book);
            out[j]!.push((performance.now() - t0) * 1000);
          }
        }
        return out;
      };
      for (const lots of SIZES) {
        const styles = new Set(books.map((b) => decide(b, lots)[0]));
        const blocks = check(books[0]!, lots);
        if (blocks.length > 0)
          throw new Error(`the peer's checks block the order: ${JSON.stringify(blocks)}`);
        const [ours, risk, walk] = timeAll([
          (b) => decide(b, lots),
          (b) => check(b, lots),
          (b) => walkBook(b, 'buy', lots),
        ]) as [number[], number[], number[]];
        const p99 = percentile(ours, 99);
        const peer99 = percentile(risk, 99);
        results.push({
          name: `routing decision (route() + slices) over the depth the engine reads (up to 100 levels), buy ${lots} lots`,
          unit: 'µs p99',
          value: p99,
          higherIsBetter: false,
          peer: { name: 'preTradeChecks on the same order, p99', value: peer99 },
          ratio: ratioOf(p99, peer99, false),
          goal: `<= ${GOAL_DECISION_P99_US} µs p99`,
          goalMet: p99 <= GOAL_DECISION_P99_US,
          extra: {
            p50Us: Number(percentile(ours, 50).toFixed(2)),
            preTradeChecksP50Us: Number(percentile(risk, 50).toFixed(2)),
            walkBookP50Us: Number(percentile(walk, 50).toFixed(2)),
            walkBookP99Us: Number(percentile(walk, 99).toFixed(2)),
            styles: [...styles].join('/'),
          },
        });
        progress(
          `  ${lots} lots: p50 ${percentile(ours, 50).toFixed(1)} µs, p99 ${p99.toFixed(1)} µs (preTradeChecks p99 ${peer99.toFixed(1)} µs, walkBook p99 ${percentile(walk, 99).toFixed(1)} µs) → ${[...styles].join('/')}`,
        );
      }
    }

    // ── (2) execution quality on the replayed real book ───────────────────────────────────────────
    {
      const anchor = Date.now();
      // a quiet stretch without gaps, a third into the recording
      const startIndex = Math.floor(series.length / 3);
      const simOptions = (source: MarketSource) => ({
        initialBalance: 10_000_000,
        symbols: [SYMBOL],
        source,
        seed: 1,
        warmupMinutes: 5,
        bookShape: { levelNotional: LEVEL_NOTIONAL, spreadFraction },
      });
      progress(
        `execution quality: two simulators replaying SOLUSDTM 1 s bid/ask from ${new Date(series[startIndex]!.time).toISOString()}, ${LEVEL_NOTIONAL} USDT per level, spread ${(spreadFraction * 1e4).toFixed(2)} bps`,
      );
      const simA = await startTestSimulator(simOptions(seriesSource(series, startIndex, anchor)));
      const simB = await startTestSimulator(simOptions(seriesSource(series, startIndex, anchor)));
      const kA = new KucoinHttpClient({ baseUrl: simA.url, credential });
      const h = await openTestDatabase('pg');
      const bus = createMemoryBus();
      const jobs = createDatabaseJobs({ db: h.db, pollMs: 100 });
      await putSetting(h.db, RISK_LIMITS_KEY, LIMITS);
      for (const lots of SIZES) await putSetting(h.db, strategyKey(`auto${lots}`), strategy(lots));
      const running = await runEngine({
        db: h.db,
        bus,
        logger: pino({ level: process.env.ROUTER_BENCH_LOG ?? 'silent' }),
        mode: 'paper',
        baseUrl: simB.url,
        credential,
        model: { enabled: false, reason: 'bench' },
        tuning: { protectEveryMs: 200, reconcileEveryMs: 3_600_000, orderPollMs: 30 },
        jobs,
      });
      const FINAL = ['protected', 'closed', 'ignored', 'risk_blocked', 'failed', 'stale', 'rejected'];

      const plainMarket = async (lots: number, n: number): Promise<Outcome> => {
        const book = await kA.market.orderBook(SYMBOL, 20);
        const mid = book.bids[0]!.price.plus(book.asks[0]!.price).div(2);
        const clientOid = `plain${n}x${lots}`;
        await kA.trade.placeOrder({
          clientOid,
          symbol: SYMBOL,
          side: 'buy',
          type: 'market',
          size: lots,
          leverage: 5,
        });
        const o = await poll(
          async () => {
            const x = await kA.trade.orderByClientOid(clientOid);
            return x && !x.isActive ? x : undefined;
          },
          30_000,
          `the plain market order ${clientOid}`,
        );
        return { mid, filled: o.filledSize, avg: o.avgFillPrice, style: 'market (plain)', slices: 1 };
      };

      /**
       * A buy alert through the engine, followed until its routed entry is over: every planned child sent
       * and done (a TWAP's slices run after the signal is already `protected`), or the plan's span past
       * with nothing live. A scale-in's signal stays `filled` (protection marks the position's opening
       * signal), so the signal's status is not the end.
       */
      const routed = async (lots: number): Promise<Outcome> => {
        const { signalId } = await postAlert(
          h.db,
          bus,
          { action: 'buy', symbol: SYMBOL },
          { source: `auto${lots}` },
        );
        const done = (o: OrderRow) => ['filled', 'canceled', 'rejected'].includes(o.status);
        const ended = await poll(
          async () => {
            const sig = await getSignal(h.db, signalId);
            const rows = (await ordersOfSignal(h.db, signalId)).filter((o) => o.purpose === 'entry');
            if (sig && FINAL.includes(sig.status) && rows.length === 0) return { rows, status: sig.status };
            const intent = await getIntentBySignal(h.db, signalId);
            const exec = ((intent?.params as { legs?: RoutedLeg[] } | undefined)?.legs ?? [])[0]?.exec;
            if (!exec || rows.length === 0 || !rows.every(done)) return undefined;
            const last = exec.slices.at(-1)?.offsetMs ?? 0;
            const planned = exec.style === 'twap' ? exec.slices.length : 1;
            const over = Date.now() > exec.startAt + last + 5_000;
            if (exec.style === 'limit_chase' ? !over : rows.length < planned && !over) return undefined;
            return { rows, status: sig?.status ?? 'missing' };
          },
          60_000,
          `the routed entry of ${signalId}`,
        );
        const { rows, status } = ended;
        const filled = rows.reduce((n, r) => n + r.filledSize, 0);
        const value = rows.reduce(
          (v, r) =>
            r.avgFillPrice && r.filledSize > 0 ? v.plus(new Decimal(r.avgFillPrice).mul(r.filledSize)) : v,
          new Decimal(0),
        );
        const first = rows[0];
        return {
          mid: new Decimal(first?.decisionMid ?? Number.NaN),
          filled,
          avg: filled > 0 ? value.div(filled) : null,
          style: first?.execStyle ?? 'none',
          slices: rows.length,
          error: !first
            ? `${status}: ${(await getSignal(h.db, signalId))?.reason ?? ''}`
            : rows.some((r) => r.status === 'rejected')
              ? `rejected: ${rows.find((r) => r.status === 'rejected')!.reason ?? ''}`
              : undefined,
        };
      };

      try {
        let n = 0;
        for (const lots of SIZES) {
          n++;
          // Start just after the replay's mid stepped (it steps once a second from the anchor), so both
          // orders meet the same mid unless a path takes most of a second.
          await new Promise((res) => setTimeout(res, 1_050 - ((Date.now() - anchor) % 1_000)));
          // the two books at the same instant: how far apart the simulators' depth models are for this size
          const bookGap = Math.abs(walkedCostBps(simA, lots) - walkedCostBps(simB, lots));
          // the arrival price both are measured against: the mid when the order (the alert) arrived
          const arrival = midOf(bookOf(simA));
          if (!arrival) throw new Error('no two-sided book on the replay');
          const [plain, router] = await Promise.all([plainMarket(lots, n), routed(lots)]);
          const endA = after(simA, lots - plain.filled);
          const endB = after(simB, lots - router.filled);
          const p = costBps(lots, { ...plain, mid: arrival }, endA.completion);
          const r = costBps(lots, { ...router, mid: arrival }, endB.completion);
          // each against its own decision-time mid (the engine's stored figure), unfilled part at the end mid
          const pEnd = costBps(lots, plain, endA.mid);
          const rEnd = costBps(lots, router, endB.mid);
          // the two simulators sample the series a few ms apart: one tick at the mid, plus how far their
          // books disagreed for this size at the start, is the tolerance where both send one order
          const tickBps = spec.tickSize.div(arrival).mul(10_000).toNumber();
          const tolerance = tickBps + bookGap;
          // thin: the depth the router saw within its budget did not hold the size
          const thin = router.style !== 'market';
          results.push({
            name: `execution cost, buy ${lots} lots ${SYMBOL} on the replayed book: router (auto → ${router.style}) vs a plain market order`,
            unit: 'bps IS',
            value: r.bps,
            higherIsBetter: false,
            peer: { name: 'plain market order, same size, same arrival mid', value: p.bps },
            ratio: r.bps > 0 && p.bps > 0 ? ratioOf(r.bps, p.bps, false) : undefined,
            goal: thin
              ? 'router < plain market (book thin: the router did not send one order)'
              : `router <= plain market (+1 tick +${bookGap.toFixed(2)} bps the books differed by)`,
            goalMet: !router.error && (thin ? r.bps < p.bps : r.bps <= p.bps + tolerance),
            extra: {
              style: router.style,
              children: router.slices,
              routerFillRatio: Number(r.fill.toFixed(3)),
              plainFillRatio: Number(p.fill.toFixed(3)),
              routerSlippageBpsFilledPart: r.slip === null ? '-' : Number(r.slip.toFixed(3)),
              plainSlippageBpsFilledPart: p.slip === null ? '-' : Number(p.slip.toFixed(3)),
              routerIsBpsOwnDecisionMid: Number(rEnd.bps.toFixed(3)),
              plainIsBpsOwnDecisionMid: Number(pEnd.bps.toFixed(3)),
              tickBps: Number(tickBps.toFixed(3)),
              booksDifferedBps: Number(bookGap.toFixed(3)),
              ...(router.error ? { routerError: router.error } : {}),
            },
          });
          progress(
            `  ${lots} lots: router ${router.style} (${router.slices} orders) ${r.bps.toFixed(2)} bps, fill ${(r.fill * 100).toFixed(0)} % | plain market ${p.bps.toFixed(2)} bps, fill ${(p.fill * 100).toFixed(0)} %${router.error ? ` | router: ${router.error}` : ''}`,
          );
          // let the consumed levels come back before the next size (both books alike)
          await new Promise((res) => setTimeout(res, LEVEL_EPOCH_MS + 500));
        }
      } finally {
        await running.close();
        await jobs.close();
        await kA.close();
        await bus.close();
        await simA.close();
        await simB.close();
        await h.cleanup();
      }
    }
    return results;
  },
};

export default suite;
