import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { Money } from '@enigma/core/money';
import Decimal from 'decimal.js';
import type { SimEngine } from './engine.ts';
import type { SimCredentials } from './http/auth.ts';
import type { ClosedPosition, FundingRecord, LedgerEntry, SimFill, SimOrder, SimPosition } from './types.ts';

/**
 * The paper exchange's account state on disk: credentials, wallet, positions, orders (stop orders
 * included), fills, closed positions, funding and ledger, per-symbol settings and the id counter. The market
 * itself (book, candles, prices) is not kept: it comes from the source again on start.
 */

const VERSION = 1;

/** What a state file holds. */
export interface SimState {
  version: number;
  savedAt: number;
  credentials: SimCredentials;
  wallet: Decimal;
  idCounter: number;
  walletVersion: number;
  orders: SimOrder[];
  positions: SimPosition[];
  closedPositions: ClosedPosition[];
  fills: SimFill[];
  fundingRecords: FundingRecord[];
  ledger: LedgerEntry[];
  settings: {
    symbol: string;
    marginMode: 'ISOLATED' | 'CROSS';
    crossLeverage: Decimal;
    riskLimitLevel: number;
  }[];
  nextFunding: [string, number][];
}

/** A state file that cannot be used: the simulator refuses to start rather than reset the account. */
export class SimStateError extends Error {
  constructor(path: string, reason: string) {
    super(`simulator state file ${path} is unusable (${reason}); move it away to start with a fresh account`);
    this.name = 'SimStateError';
  }
}

/** The engine's account state now. */
export function captureState(engine: SimEngine, credentials: SimCredentials): SimState {
  return {
    version: VERSION,
    savedAt: engine.clock.now(),
    credentials,
    wallet: engine.wallet,
    idCounter: engine.idCounter,
    walletVersion: engine.walletVersion,
    orders: [...engine.orders.values()],
    positions: [...engine.positions.values()],
    closedPositions: engine.closedPositions,
    fills: engine.fills,
    fundingRecords: engine.fundingRecords,
    ledger: engine.ledger,
    settings: [...engine.settings].map(([symbol, s]) => ({ symbol, ...s })),
    nextFunding: [...engine.nextFunding],
  };
}

/** Put a saved account back into a freshly built engine (same listed contracts). */
export function restoreState(engine: SimEngine, state: SimState): void {
  engine.wallet = state.wallet;
  engine.idCounter = state.idCounter;
  engine.walletVersion = state.walletVersion;
  engine.orders.clear();
  engine.openOrders.clear();
  for (const o of state.orders) {
    if (!engine.markets.has(o.symbol)) continue;
    engine.orders.set(o.id, o);
    if (o.status === 'open') engine.openOrders.add(o);
  }
  engine.positions.clear();
  for (const p of state.positions) if (engine.markets.has(p.symbol)) engine.positions.set(p.symbol, p);
  replace(engine.closedPositions, state.closedPositions);
  replace(engine.fills, state.fills);
  replace(engine.fundingRecords, state.fundingRecords);
  replace(engine.ledger, state.ledger);
  for (const { symbol, ...s } of state.settings)
    if (engine.settings.has(symbol)) engine.settings.set(symbol, s);
  for (const [symbol, t] of state.nextFunding)
    if (engine.nextFunding.has(symbol)) engine.nextFunding.set(symbol, t);
  engine.markWalletDirty();
}

function replace<T>(target: T[], items: T[]): void {
  target.length = 0;
  target.push(...items);
}

/** JSON with Decimals kept exact: `{"$d":"123.45"}`. */
export function serializeState(state: SimState): string {
  return JSON.stringify(state, function keepDecimals(this: Record<string, unknown>, key, value) {
    const raw = this[key];
    return Decimal.isDecimal(raw) ? { $d: raw.toString() } : value;
  });
}

/** Parse a state file's text; anything malformed is a {@link SimStateError}. */
export function parseState(text: string, path: string): SimState {
  let data: unknown;
  try {
    data = JSON.parse(text, (_key, value) =>
      value !== null &&
      typeof value === 'object' &&
      typeof value.$d === 'string' &&
      Object.keys(value).length === 1
        ? new Money(value.$d)
        : value,
    );
  } catch (err) {
    throw new SimStateError(path, `not valid JSON: ${(err as Error).message}`);
  }
  const s = data as Partial<SimState> | null;
  if (!s || typeof s !== 'object') throw new SimStateError(path, 'not an object');
  if (s.version !== VERSION)
    throw new SimStateError(path, `version ${String(s.version)}, expected ${VERSION}`);
  for (const key of [
    'orders',
    'positions',
    'closedPositions',
    'fills',
    'fundingRecords',
    'ledger',
    'settings',
    'nextFunding',
  ] as const)
    if (!Array.isArray(s[key])) throw new SimStateError(path, `${key} is missing`);
  if (!Decimal.isDecimal(s.wallet)) throw new SimStateError(path, 'wallet is missing');
  if (!Number.isSafeInteger(s.idCounter) || !Number.isSafeInteger(s.walletVersion))
    throw new SimStateError(path, 'counters are missing');
  const c = s.credentials;
  if (!c || typeof c.key !== 'string' || typeof c.secret !== 'string' || typeof c.passphrase !== 'string')
    throw new SimStateError(path, 'credentials are missing');
  return s as SimState;
}

/** Read a state file; undefined when it does not exist yet. */
export function loadState(path: string): SimState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SimStateError(path, (err as Error).message);
  }
  return parseState(text, path);
}

/** Write atomically: a temporary file beside the target, flushed, then renamed over it. */
export function saveState(path: string, state: SimState): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, serializeState(state));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
