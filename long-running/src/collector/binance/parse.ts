import { type Money, toMoney } from '@enigma/core/money';
import { z } from 'zod';

/**
 * Pure parsers for Binance USDⓈ-M futures public WebSocket messages (`<symbol>@markPrice[@1s]`,
 * `<symbol>@bookTicker`), raw or wrapped in a combined-stream envelope `{stream, data}`. Only used as a
 * reference feed: prices stay Decimal, quantities are base-asset decimals (Binance has no lots).
 */

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const decimalText = z.string().regex(DECIMAL, 'not a decimal number');
const positiveDecimal = decimalText.refine((v) => Number(v) > 0, 'must be positive');
const nonNegativeDecimal = decimalText.refine((v) => Number(v) >= 0, 'must not be negative');
const epochMs = z.number().int().nonnegative();

const markPriceSchema = z.object({
  e: z.literal('markPriceUpdate'),
  E: epochMs,
  s: z.string().min(1),
  p: positiveDecimal,
  i: positiveDecimal,
  P: nonNegativeDecimal,
  // "" for delivery contracts
  r: z.union([decimalText, z.literal('')]),
  T: epochMs,
});

const bookTickerSchema = z.object({
  e: z.literal('bookTicker'),
  u: z.number().int().nonnegative(),
  E: epochMs,
  T: epochMs,
  s: z.string().min(1),
  b: positiveDecimal,
  B: nonNegativeDecimal,
  a: positiveDecimal,
  A: nonNegativeDecimal,
});

export interface BinanceMarkPrice {
  kind: 'markPrice';
  symbol: string;
  markPrice: Money;
  indexPrice: Money;
  estimatedSettlePrice: Money;
  /** null for delivery contracts (Binance sends ""). */
  fundingRate: Money | null;
  /** ms; 0 for delivery contracts. */
  nextFundingTime: number;
  eventTime: number;
}

export interface BinanceBookTicker {
  kind: 'bookTicker';
  symbol: string;
  updateId: number;
  bestBid: Money;
  bestBidQty: Money;
  bestAsk: Money;
  bestAskQty: Money;
  eventTime: number;
  transactionTime: number;
}

export type BinanceMessage = BinanceMarkPrice | BinanceBookTicker;

/** A message that is not a valid mark-price or book-ticker event. */
export class BinanceParseError extends Error {
  override readonly name = 'BinanceParseError';
}

function check<T extends z.ZodType>(schema: T, raw: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new BinanceParseError(`${what}: ${issues}`);
  }
  return result.data;
}

/** `markPriceUpdate` event. */
export function parseMarkPrice(raw: unknown): BinanceMarkPrice {
  const m = check(markPriceSchema, raw, 'markPriceUpdate');
  return {
    kind: 'markPrice',
    symbol: m.s,
    markPrice: toMoney(m.p),
    indexPrice: toMoney(m.i),
    estimatedSettlePrice: toMoney(m.P),
    fundingRate: m.r === '' ? null : toMoney(m.r),
    nextFundingTime: m.T,
    eventTime: m.E,
  };
}

/** `bookTicker` event; a crossed book (bid above ask) is rejected. */
export function parseBookTicker(raw: unknown): BinanceBookTicker {
  const b = check(bookTickerSchema, raw, 'bookTicker');
  const bestBid = toMoney(b.b);
  const bestAsk = toMoney(b.a);
  if (bestBid.gt(bestAsk)) throw new BinanceParseError(`bookTicker: crossed book (bid ${b.b} > ask ${b.a})`);
  return {
    kind: 'bookTicker',
    symbol: b.s,
    updateId: b.u,
    bestBid,
    bestBidQty: toMoney(b.B),
    bestAsk,
    bestAskQty: toMoney(b.A),
    eventTime: b.E,
    transactionTime: b.T,
  };
}

/**
 * Parse one WebSocket text frame. Returns null for frames that carry no market event (subscription
 * results such as `{"result":null,"id":1}`); throws `BinanceParseError` for malformed events.
 */
export function parseBinanceFrame(text: string): BinanceMessage | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new BinanceParseError('frame is not JSON');
  }
  if (raw === null || typeof raw !== 'object') throw new BinanceParseError('frame is not an object');
  const envelope = raw as { stream?: unknown; data?: unknown; e?: unknown; result?: unknown; id?: unknown };
  const event = typeof envelope.stream === 'string' ? envelope.data : raw;
  if (event === null || typeof event !== 'object') throw new BinanceParseError('frame has no event object');
  const type = (event as { e?: unknown }).e;
  if (type === 'markPriceUpdate') return parseMarkPrice(event);
  if (type === 'bookTicker') return parseBookTicker(event);
  if (type === undefined && 'id' in envelope && 'result' in envelope) return null;
  throw new BinanceParseError(`unknown event type ${JSON.stringify(type)}`);
}

/** Stream names for one KuCoin-side reference symbol, e.g. `btcusdt@markPrice@1s`, `btcusdt@bookTicker`. */
export function binanceStreams(symbol: string): string[] {
  const s = symbol.toLowerCase();
  return [`${s}@markPrice@1s`, `${s}@bookTicker`];
}
