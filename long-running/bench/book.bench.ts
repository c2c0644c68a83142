import { toMoney } from '@enigma/core/money';
import type { BenchResult, BenchSuite } from '../../bench/types.ts';
import { OrderBook } from '../src/exchange/book.ts';
import { NaiveOrderBook } from '../src/exchange/naive-book.ts';

/**
 * Level-2 messages applied per second: our scaled-integer sorted-array book vs the naive Decimal
 * sorted-array book, on the same synthetic KuCoin "price,side,size" stream (1,000 levels a side,
 * updates concentrated near the top like a real XBTUSDTM feed, ~25% deletes, ~25% new levels).
 */

const LEVELS = 1000;
const MID = 900_000; // 90000.0 on a 0.1 grid

/** Deterministic LCG so both books see the same stream every run. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function stream(count: number): string[] {
  const rand = rng(42);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const side = rand() < 0.5 ? 'buy' : 'sell';
    // distance from the mid: mostly within a few ticks, occasionally deep in the book
    const distance = 1 + (Math.floor(-Math.log(1 - rand()) * 40) % (LEVELS * 2));
    const key = side === 'buy' ? MID - distance : MID + distance;
    const size = rand() < 0.25 ? 0 : 1 + Math.floor(rand() * 500);
    out.push(`${(key / 10).toFixed(1)},${side},${size}`);
  }
  return out;
}

function snapshotLevels() {
  const bids = [];
  const asks = [];
  for (let i = 1; i <= LEVELS; i++) {
    bids.push({ price: toMoney(((MID - i * 2) / 10).toFixed(1)), size: 10 + (i % 90) });
    asks.push({ price: toMoney(((MID + i * 2) / 10).toFixed(1)), size: 10 + (i % 90) });
  }
  return { bids, asks };
}

function timeIt(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const suite: BenchSuite = {
  name: 'L2 order book',
  async run(progress) {
    const { bids, asks } = snapshotLevels();
    const oursMessages = stream(400_000);
    const naiveMessages = oursMessages.slice(0, 20_000);

    const warm = new OrderBook('XBTUSDTM', 1);
    warm.applySnapshot(1, bids, asks);
    for (const m of oursMessages.slice(0, 50_000)) warm.applyChangeText(m);

    progress(`ours: ${oursMessages.length} messages`);
    const ours = new OrderBook('XBTUSDTM', 1);
    ours.applySnapshot(1, bids, asks);
    const oursSeconds = timeIt(() => {
      for (let i = 0; i < oursMessages.length; i++) ours.applyChangeText(oursMessages[i]!, i + 2);
    });

    progress(`naive: ${naiveMessages.length} messages`);
    const naive = new NaiveOrderBook();
    for (const b of bids) naive.update('buy', b.price, b.size);
    for (const a of asks) naive.update('sell', a.price, a.size);
    const naiveSeconds = timeIt(() => {
      for (const m of naiveMessages) naive.applyChangeText(m);
    });

    const oursRate = oursMessages.length / oursSeconds;
    const naiveRate = naiveMessages.length / naiveSeconds;
    const goal = 50_000;
    const result: BenchResult = {
      name: 'L2 changes applied (1,000 levels/side)',
      unit: 'msg/s',
      value: oursRate,
      higherIsBetter: true,
      peer: { name: 'naive Decimal sorted-array book', value: naiveRate },
      ratio: oursRate / naiveRate,
      goal: '>= 50,000 msg/s',
      goalMet: oursRate >= goal,
      extra: { messages: oursMessages.length, peerMessages: naiveMessages.length, levels: LEVELS },
    };
    return [result];
  },
};

export default suite;
