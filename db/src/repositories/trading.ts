import { ORDER_STATES, type OrderState, statesBefore } from '@enigma/core/engine/order-state';
import { and, desc, eq, gte, inArray, isNotNull, lt, ne, type Placeholder, type SQL, sql } from 'drizzle-orm';
import type { EnigmaDb } from '../db-type.ts';
import { rowsOf } from '../db-type.ts';
import {
  closedTrades,
  commands,
  engineLeases,
  exchangeAccounts,
  fills,
  fundingPayments,
  LIVE_ORDER_STATUSES,
  type OrderPurpose,
  orderIntents,
  orders,
  positions,
  type RiskSeverity,
  riskEvents,
  SIGNAL_STATUSES,
  type SignalStatus,
} from '../schema/index.ts';
import { maskedSet, type ParamType, patchParams, placeholderSet, prepared, preparedSql } from './prepared.ts';

/**
 * The engine's repository: accounts, the lease, order intents and orders, fills, positions, closed
 * trades, funding and risk events. Numerics travel as decimal strings; callers turn them into Decimals.
 */

export type OrderRow = typeof orders.$inferSelect;
export type OrderInsert = typeof orders.$inferInsert;
export type PositionRow = typeof positions.$inferSelect;
export type FillRow = typeof fills.$inferSelect;
/** The newest funding settlement recorded for the account on `symbol` (where a funding-ledger sync resumes). */
export async function latestFundingPaymentTime(
  db: EnigmaDb,
  accountId: string,
  symbol: string,
): Promise<Date | null> {
  const [row] = await db
    .select({ t: fundingPayments.fundingTime })
    .from(fundingPayments)
    .where(and(eq(fundingPayments.accountId, accountId), eq(fundingPayments.symbol, symbol)))
    .orderBy(desc(fundingPayments.fundingTime))
    .limit(1);
  return row?.t ?? null;
}

export type IntentRow = typeof orderIntents.$inferSelect;

/** The account row for `name`, created on first use (idempotent). */
export async function ensureAccount(
  db: EnigmaDb,
  name: string,
  mode: 'live' | 'paper' | 'sim',
): Promise<string> {
  await db
    .insert(exchangeAccounts)
    .values({ name, mode })
    .onConflictDoNothing({ target: exchangeAccounts.name });
  const [row] = await db
    .select({ id: exchangeAccounts.id })
    .from(exchangeAccounts)
    .where(eq(exchangeAccounts.name, name));
  return row!.id;
}

// ── lease ────────────────────────────────────────────────────────────────────────────────────────

export interface Lease {
  name: string;
  holder: string;
  fence: number;
  expiresAt: Date;
}

/**
 * Take or renew the lease `name` for `holder` until `now + ttlMs`. Returns the lease when `holder` has it
 * (its fence incremented when it was taken over from another holder; kept by a holder renewing late
 * when nobody else took it meanwhile), null when another holder's lease is still running.
 */
export async function acquireLease(
  db: EnigmaDb,
  name: string,
  holder: string,
  ttlMs: number,
  now: Date,
): Promise<Lease | null> {
  const expires = new Date(now.getTime() + ttlMs);
  const rows = rowsOf<{ name: string; holder: string; fence: string | number; expires_at: Date | string }>(
    await db.execute(sql`
      insert into ${engineLeases} (name, holder, fence, expires_at, renewed_at)
      values (${name}, ${holder}, 1, ${expires.toISOString()}, ${now.toISOString()})
      on conflict (name) do update set
        -- the holder keeps its fence while nobody else has held the lease, even past its expiry (a
        -- paused process, a test's jumping clock): no other writer can have come in between
        fence = case when ${engineLeases.holder} = excluded.holder
                     then ${engineLeases.fence} else ${engineLeases.fence} + 1 end,
        holder = excluded.holder,
        expires_at = excluded.expires_at,
        renewed_at = excluded.renewed_at
      where ${engineLeases.holder} = excluded.holder or ${engineLeases.expiresAt} <= ${now.toISOString()}
      returning name, holder, fence, expires_at`),
  );
  const r = rows[0];
  if (!r) return null;
  return { name: r.name, holder: r.holder, fence: Number(r.fence), expiresAt: new Date(r.expires_at) };
}

/** The name of the lease an engine trading `accountId` holds (one engine per account). */
export function engineLeaseName(accountId: string): string {
  return `engine:${accountId}`;
}

/**
 * The account the engine trades, which an order command on the `commands` stream reaches: the account of
 * the engine lease renewed most recently (the running engine's; the last one to run when none runs now),
 * null when no engine ever ran. The engine consumers share one group on that stream, so a deployment runs
 * one engine, trading one account (`enigma engine --account`, default `default`); readers outside the
 * engine (the order ticket's risk preview) judge an order against that account's rows.
 */
export async function tradedAccountId(db: EnigmaDb): Promise<string | null> {
  const [row] = await db
    .select({ id: exchangeAccounts.id })
    .from(engineLeases)
    .innerJoin(exchangeAccounts, eq(engineLeases.name, sql`'engine:' || ${exchangeAccounts.id}::text`))
    .orderBy(desc(engineLeases.renewedAt))
    .limit(1);
  return row?.id ?? null;
}

/** Give the lease up (only if `holder` still has it with `fence`). */
export async function releaseLease(db: EnigmaDb, name: string, holder: string, fence: number): Promise<void> {
  await db
    .update(engineLeases)
    .set({ expiresAt: new Date(0) })
    .where(and(eq(engineLeases.name, name), eq(engineLeases.holder, holder), eq(engineLeases.fence, fence)));
}

export class FencedError extends Error {
  override readonly name = 'FencedError';
}

// ── intents and orders ──────────────────────────────────────────────────────────────────────────

/** The intent of a signal (unique per signal), created once; returns the existing one on a repeat. */
export async function upsertIntent(
  db: EnigmaDb,
  row: typeof orderIntents.$inferInsert & { signalId: string },
): Promise<{ intent: IntentRow; created: boolean }> {
  const [created] = await db
    .insert(orderIntents)
    .values(row)
    .onConflictDoNothing({ target: orderIntents.signalId })
    .returning();
  if (created) return { intent: created, created: true };
  const [existing] = await db.select().from(orderIntents).where(eq(orderIntents.signalId, row.signalId));
  return { intent: existing!, created: false };
}

export async function getIntent(db: EnigmaDb, id: string): Promise<IntentRow | null> {
  const [row] = await db.select().from(orderIntents).where(eq(orderIntents.id, id));
  return row ?? null;
}

/** An intent with its own id (an operator order's is its command's), created once; the existing one on a repeat. */
export async function insertIntentOnce(
  db: EnigmaDb,
  row: typeof orderIntents.$inferInsert & { id: string },
): Promise<IntentRow> {
  const [created] = await db.insert(orderIntents).values(row).onConflictDoNothing().returning();
  return created ?? (await getIntent(db, row.id))!;
}

export async function getIntentBySignal(db: EnigmaDb, signalId: string): Promise<IntentRow | null> {
  const [row] = await db.select().from(orderIntents).where(eq(orderIntents.signalId, signalId));
  return row ?? null;
}

export async function setIntentStatus(
  db: EnigmaDb,
  id: string,
  status: string,
  reason: string | null = null,
): Promise<void> {
  const statement = prepared(db, 'enigma_intent_status', (d) =>
    d
      .update(orderIntents)
      .set(placeholderSet({ status: 'text', reason: 'text' }) as never)
      .where(eq(orderIntents.id, sql.placeholder('id')))
      .prepare('enigma_intent_status'),
  );
  await statement.execute({ id, status, reason });
}

/**
 * Commit an order in state `intent` before anything is sent. The clientOid is unique: a second call
 * with the same clientOid returns the existing row (`created: false`), whatever state it reached.
 */
export async function insertOrderIntent(
  db: EnigmaDb,
  row: OrderInsert,
): Promise<{ order: OrderRow; created: boolean }> {
  const [created] = await db
    .insert(orders)
    .values({ ...row, status: 'intent' })
    .onConflictDoNothing({ target: orders.clientOid })
    .returning();
  if (created) return { order: created, created: true };
  const [existing] = await db.select().from(orders).where(eq(orders.clientOid, row.clientOid));
  return { order: existing!, created: false };
}

/** The order columns a write may change after the intent (`updateOrder`), with their parameter types. */
const ORDER_PATCH = {
  status: { column: orders.status, type: 'text' },
  reason: { column: orders.reason, type: 'text' },
  exchangeOrderId: { column: orders.exchangeOrderId, type: 'text' },
  filledSize: { column: orders.filledSize, type: 'int4' },
  avgFillPrice: { column: orders.avgFillPrice, type: 'numeric' },
  submittedAt: { column: orders.submittedAt, type: 'timestamptz' },
  doneAt: { column: orders.doneAt, type: 'timestamptz' },
  raw: { column: orders.raw, type: 'jsonb' },
  stopPrice: { column: orders.stopPrice, type: 'numeric' },
  slippageBps: { column: orders.slippageBps, type: 'numeric' },
  shortfall: { column: orders.shortfall, type: 'numeric' },
} as const satisfies Record<string, { column: unknown; type: ParamType }>;

export type OrderPatch = Partial<Pick<OrderInsert, keyof typeof ORDER_PATCH>>;

/**
 * Change an order row (any subset of `ORDER_PATCH`'s columns): one prepared statement for every patch.
 *
 * Status-monotonic: a patch with a `status` is written only while the row is in a state that status may
 * follow (`statesBefore`, from the order state table). Writes of one order come from more than one
 * place at once (the order's answer on the decision's pool, the socket's report on the main one), so
 * one that lands after a later one (`open` after `filled`, `unknown` after a fill) changes nothing but
 * the exchange's order id and the send time while those are still empty. The row as stored is returned.
 */
export async function updateOrder(db: EnigmaDb, id: string, patch: OrderPatch): Promise<OrderRow> {
  const statement = prepared(db, 'enigma_update_order', (d) =>
    d
      .update(orders)
      .set(
        maskedSet(ORDER_PATCH, {
          when: sql`not ${sql.placeholder('set_status')}::boolean or ${orders.status} = any(${sql.placeholder('status_before')}::text[])`,
          orWhereNull: ['exchangeOrderId', 'submittedAt'],
        }) as never,
      )
      .where(eq(orders.id, sql.placeholder('id')))
      .returning()
      .prepare('enigma_update_order'),
  );
  const status = patch.status as OrderState | undefined;
  if (status !== undefined && !ORDER_STATES.includes(status))
    throw new RangeError(`unknown order status: ${status}`);
  const [row] = await statement.execute({
    id,
    ...patchParams(ORDER_PATCH, patch),
    status_before: status === undefined ? [] : [...statesBefore(status)],
  });
  if (!row) throw new Error(`no order ${id}`);
  return row;
}

export async function getOrderByClientOid(db: EnigmaDb, clientOid: string): Promise<OrderRow | null> {
  const [row] = await db.select().from(orders).where(eq(orders.clientOid, clientOid));
  return row ?? null;
}

export async function getOrderByExchangeId(db: EnigmaDb, exchangeOrderId: string): Promise<OrderRow | null> {
  const [row] = await db.select().from(orders).where(eq(orders.exchangeOrderId, exchangeOrderId));
  return row ?? null;
}

/** Orders of the account that may still trade (or whose outcome is unknown). */
export async function liveOrders(db: EnigmaDb, accountId: string, symbol?: string): Promise<OrderRow[]> {
  if (symbol !== undefined) {
    // Protection asks for one contract's live orders on every check: a prepared statement.
    const statement = prepared(db, 'enigma_live_orders', (d) =>
      d
        .select()
        .from(orders)
        .where(
          and(
            eq(orders.accountId, sql.placeholder('accountId')),
            eq(orders.symbol, sql.placeholder('symbol')),
            inArray(orders.status, [...LIVE_ORDER_STATUSES]),
          ),
        )
        .orderBy(orders.createdAt)
        .prepare('enigma_live_orders'),
    );
    return statement.execute({ accountId, symbol });
  }
  return db
    .select()
    .from(orders)
    .where(and(eq(orders.accountId, accountId), inArray(orders.status, [...LIVE_ORDER_STATUSES])))
    .orderBy(orders.createdAt);
}

/**
 * The operator's protection for a position an order of theirs opened: the stop-loss, take-profit and
 * leverage given with the newest operator order (one placed by a command) on `side` of `symbol` that has
 * filled, read from its command. Null when there is none.
 */
export async function operatorProtectionOf(
  db: EnigmaDb,
  accountId: string,
  symbol: string,
  side: 'buy' | 'sell',
  /** the position's opening: only an order that filled into this round trip counts, not an older one's */
  since: Date,
): Promise<{
  commandId: string;
  stopLoss: string | null;
  takeProfit: string | null;
  leverage: string | null;
} | null> {
  const [row] = await db
    .select({ commandId: orders.commandId, command: commands.command, leverage: orders.leverage })
    .from(orders)
    .innerJoin(commands, eq(commands.id, orders.commandId))
    .where(
      and(
        eq(orders.accountId, accountId),
        eq(orders.symbol, symbol),
        eq(orders.side, side),
        eq(orders.purpose, 'manual'),
        // a fill of it at or after the position's opening (its fills are applied before its row says filled)
        sql`exists (select 1 from ${fills} where ${fills.orderId} = ${orders.id} and ${fills.filledAt} >= ${since.toISOString()}::timestamptz)`,
      ),
    )
    .orderBy(desc(orders.createdAt))
    .limit(1);
  if (!row?.commandId) return null;
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  const stopLoss = text(row.command['stopLoss']);
  const takeProfit = text(row.command['takeProfit']);
  // the leverage it was sent with (the ticket's, else the position's or the default)
  return { commandId: row.commandId, stopLoss, takeProfit, leverage: row.leverage };
}

/** Every order of the account, oldest first. */
export async function listOrders(db: EnigmaDb, accountId: string): Promise<OrderRow[]> {
  return db.select().from(orders).where(eq(orders.accountId, accountId)).orderBy(orders.createdAt);
}

export async function ordersOfSignal(db: EnigmaDb, signalId: string): Promise<OrderRow[]> {
  return db.select().from(orders).where(eq(orders.signalId, signalId)).orderBy(orders.createdAt);
}

// ── fills and positions ─────────────────────────────────────────────────────────────────────────

/** Record a fill once per (account, trade id); false when it was already recorded. */
export async function insertFill(db: EnigmaDb, row: typeof fills.$inferInsert): Promise<boolean> {
  const inserted = await db.insert(fills).values(row).onConflictDoNothing().returning({ id: fills.id });
  return inserted.length > 0;
}

/** Insert fills, each at most once (unique trade id): the trade ids that were new. */
export async function insertFills(db: EnigmaDb, rows: (typeof fills.$inferInsert)[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const inserted = await db
    .insert(fills)
    .values(rows)
    .onConflictDoNothing()
    .returning({ tradeId: fills.tradeId });
  return new Set(inserted.map((r) => r.tradeId));
}

export async function fillsOfAccount(db: EnigmaDb, accountId: string, symbol?: string): Promise<FillRow[]> {
  const where = [eq(fills.accountId, accountId)];
  if (symbol) where.push(eq(fills.symbol, symbol));
  return db
    .select()
    .from(fills)
    .where(and(...where))
    .orderBy(fills.filledAt);
}

/** The newest fill time of the account on `symbol` (where a fill sync resumes). */
export async function latestFillTime(db: EnigmaDb, accountId: string, symbol: string): Promise<Date | null> {
  const [row] = await db
    .select({ t: fills.filledAt })
    .from(fills)
    .where(and(eq(fills.accountId, accountId), eq(fills.symbol, symbol)))
    .orderBy(desc(fills.filledAt))
    .limit(1);
  return row?.t ?? null;
}

export async function getPosition(
  db: EnigmaDb,
  accountId: string,
  symbol: string,
): Promise<PositionRow | null> {
  const [row] = await db
    .select()
    .from(positions)
    .where(and(eq(positions.accountId, accountId), eq(positions.symbol, symbol)));
  return row ?? null;
}

export async function listPositions(
  db: EnigmaDb,
  accountId: string,
  openOnly = false,
): Promise<PositionRow[]> {
  const where = [eq(positions.accountId, accountId)];
  if (openOnly) where.push(ne(positions.qty, 0));
  return db
    .select()
    .from(positions)
    .where(and(...where))
    .orderBy(positions.symbol);
}

/** The open positions of every account, by symbol (the API's and the order ticket's view). */
export async function openPositionsOfEveryAccount(db: EnigmaDb): Promise<PositionRow[]> {
  return db.select().from(positions).where(ne(positions.qty, 0)).orderBy(positions.symbol);
}

/** The newest orders of every account, optionally of one status and contract, newest first. */
export async function recentOrders(
  db: EnigmaDb,
  q: {
    status?: OrderState | undefined;
    /** only orders that may still trade or whose outcome is unknown (LIVE_ORDER_STATUSES) */
    live?: boolean | undefined;
    symbol?: string | undefined;
    limit: number;
  },
): Promise<OrderRow[]> {
  const where: SQL[] = [];
  if (q.status) where.push(eq(orders.status, q.status));
  if (q.live) where.push(inArray(orders.status, [...LIVE_ORDER_STATUSES]));
  if (q.symbol) where.push(eq(orders.symbol, q.symbol));
  return db
    .select()
    .from(orders)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(orders.createdAt))
    .limit(q.limit);
}

/** Account-wide totals: open positions and their unrealised P&L, live orders, closed trades and their net P&L. */
export async function tradingTotals(db: EnigmaDb): Promise<{
  openPositions: number;
  openOrders: number;
  unrealisedPnl: string;
  realisedPnl: string;
  closedTrades: number;
}> {
  const [pos] = await db
    .select({
      n: sql<number>`count(*)::int`,
      unrealised: sql<string>`coalesce(sum(${positions.unrealisedPnl}), 0)::text`,
    })
    .from(positions)
    .where(ne(positions.qty, 0));
  const [trades] = await db
    .select({
      n: sql<number>`count(*)::int`,
      realised: sql<string>`coalesce(sum(${closedTrades.netPnl}), 0)::text`,
    })
    .from(closedTrades);
  const [open] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(orders)
    .where(inArray(orders.status, [...LIVE_ORDER_STATUSES]));
  return {
    openPositions: pos?.n ?? 0,
    openOrders: open?.n ?? 0,
    unrealisedPnl: pos?.unrealised ?? '0',
    realisedPnl: trades?.realised ?? '0',
    closedTrades: trades?.n ?? 0,
  };
}

/** Insert or replace the position of (account, symbol); a whole row read earlier may be passed back with changes. */
export async function savePosition(
  db: EnigmaDb,
  row: Omit<typeof positions.$inferInsert, 'accountId' | 'symbol'> & {
    accountId: string | null;
    symbol: string;
    createdAt?: Date;
    updatedAt?: Date;
  },
): Promise<PositionRow> {
  const { id: _id, createdAt: _c, updatedAt: _u, ...values } = row;
  const { accountId: _a, symbol: _s, ...set } = values;
  const [saved] = await db
    .insert(positions)
    .values(values)
    .onConflictDoUpdate({
      target: [positions.accountId, positions.symbol],
      set: { ...set, updatedAt: new Date() },
    })
    .returning();
  return saved!;
}

/** The position columns `updatePosition` may change, with their parameter types. */
const POSITION_PATCH = {
  qty: { column: positions.qty, type: 'int4' },
  avgEntryPrice: { column: positions.avgEntryPrice, type: 'numeric' },
  markPrice: { column: positions.markPrice, type: 'numeric' },
  liquidationPrice: { column: positions.liquidationPrice, type: 'numeric' },
  leverage: { column: positions.leverage, type: 'numeric' },
  marginMode: { column: positions.marginMode, type: 'text' },
  unrealisedPnl: { column: positions.unrealisedPnl, type: 'numeric' },
  realisedPnl: { column: positions.realisedPnl, type: 'numeric' },
  fees: { column: positions.fees, type: 'numeric' },
  funding: { column: positions.funding, type: 'numeric' },
  maxQty: { column: positions.maxQty, type: 'int4' },
  signalId: { column: positions.signalId, type: 'uuid' },
  stopPrice: { column: positions.stopPrice, type: 'numeric' },
  stopOrderId: { column: positions.stopOrderId, type: 'text' },
  stopClientOid: { column: positions.stopClientOid, type: 'text' },
  stopVersion: { column: positions.stopVersion, type: 'int4' },
  stopConfirmedAt: { column: positions.stopConfirmedAt, type: 'timestamptz' },
  unprotectedSince: { column: positions.unprotectedSince, type: 'timestamptz' },
  stopDistance: { column: positions.stopDistance, type: 'numeric' },
  bestPrice: { column: positions.bestPrice, type: 'numeric' },
  takeProfits: { column: positions.takeProfits, type: 'jsonb' },
  fundingCheckedAt: { column: positions.fundingCheckedAt, type: 'timestamptz' },
  openedAt: { column: positions.openedAt, type: 'timestamptz' },
  closedAt: { column: positions.closedAt, type: 'timestamptz' },
} as const satisfies Record<string, { column: unknown; type: ParamType }>;

/**
 * Change the existing position row of (account, symbol): the fields of `patch` that `savePosition` also
 * takes (a whole row read earlier may be passed back; its id and timestamps are ignored), one prepared
 * statement for every patch. Null when there is no such row (then `savePosition` creates it).
 */
export async function updatePosition(
  db: EnigmaDb,
  patch: Parameters<typeof savePosition>[1] & { accountId: string },
): Promise<PositionRow | null> {
  const statement = prepared(db, 'enigma_update_position', (d) =>
    d
      .update(positions)
      .set(maskedSet(POSITION_PATCH) as never)
      .where(
        and(
          eq(positions.accountId, sql.placeholder('accountId')),
          eq(positions.symbol, sql.placeholder('symbol')),
        ),
      )
      .returning()
      .prepare('enigma_update_position'),
  );
  const [row] = await statement.execute({
    accountId: patch.accountId,
    symbol: patch.symbol,
    ...patchParams(POSITION_PATCH, patch as Record<string, unknown>),
  });
  return row ?? null;
}

/** Record a closed trade; returns its id. */
export async function insertClosedTrade(
  db: EnigmaDb,
  row: typeof closedTrades.$inferInsert,
): Promise<string> {
  const [saved] = await db.insert(closedTrades).values(row).returning({ id: closedTrades.id });
  return saved!.id;
}

/** Which closed trades a listing wants: one contract, closed in [from, to) (ISO times). */
export interface ClosedTradeFilters {
  symbol?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

function closedTradeFilters(q: ClosedTradeFilters): SQL | undefined {
  const where: SQL[] = [];
  if (q.symbol) where.push(eq(closedTrades.symbol, q.symbol));
  if (q.from) where.push(gte(closedTrades.closedAt, new Date(q.from)));
  if (q.to) where.push(lt(closedTrades.closedAt, new Date(q.to)));
  return where.length ? and(...where) : undefined;
}

/** Closed trades matching the filters, newest first (ties by id), one page by offset. */
export async function listClosedTrades(
  db: EnigmaDb,
  q: ClosedTradeFilters,
  page: { limit: number; offset: number },
): Promise<(typeof closedTrades.$inferSelect)[]> {
  return db
    .select()
    .from(closedTrades)
    .where(closedTradeFilters(q))
    .orderBy(desc(closedTrades.closedAt), desc(closedTrades.id))
    .limit(page.limit)
    .offset(page.offset);
}

/**
 * The next `limit` closed trades matching the filters after `cursor` in the same newest-first order,
 * by keyset on (closed_at, id), so trades closing meanwhile neither repeat nor shift a page. Each comes
 * with its close time as PostgreSQL's exact text (microseconds, which a JS Date would cut): the next
 * page's cursor.
 */
export async function closedTradesAfter(
  db: EnigmaDb,
  q: ClosedTradeFilters,
  cursor: { closedAt: string; id: string } | null,
  limit: number,
): Promise<{ trade: typeof closedTrades.$inferSelect; exactClosedAt: string }[]> {
  const filters = closedTradeFilters(q);
  const after = cursor
    ? sql`(${closedTrades.closedAt}, ${closedTrades.id}) < (${cursor.closedAt}::timestamptz, ${cursor.id}::uuid)`
    : undefined;
  return db
    .select({ trade: closedTrades, exactClosedAt: sql<string>`${closedTrades.closedAt}::text` })
    .from(closedTrades)
    .where(filters && after ? and(filters, after) : (filters ?? after))
    .orderBy(desc(closedTrades.closedAt), desc(closedTrades.id))
    .limit(limit);
}

/** KuCoin's own figures of closed trades' round trips, written beside ours: one statement for all of them. */
export async function setClosedTradeExchangeRecords(
  db: EnigmaDb,
  records: readonly {
    id: string;
    exchangePnl: string;
    exchangeFees: string;
    exchangeFunding: string;
    exchangeCloseId: string;
  }[],
): Promise<void> {
  if (records.length === 0) return;
  await db.execute(sql`update closed_trades t set exchange_pnl = r.pnl, exchange_fees = r.fees,
      exchange_funding = r.funding, exchange_close_id = r.close_id
    from jsonb_to_recordset(${JSON.stringify(
      records.map((r) => ({
        id: r.id,
        pnl: r.exchangePnl,
        fees: r.exchangeFees,
        funding: r.exchangeFunding,
        close_id: r.exchangeCloseId,
      })),
    )}::jsonb) as r(id uuid, pnl numeric, fees numeric, funding numeric, close_id text)
    where t.id = r.id`);
}

/**
 * Closed trades of the account still without KuCoin's record of their round trip, closed since `since`
 * (the engine asks for them again after a start: the queue of trades waiting for it was in memory).
 */
export async function closedTradesAwaitingRecord(db: EnigmaDb, accountId: string, since: Date) {
  return db
    .select({
      id: closedTrades.id,
      symbol: closedTrades.symbol,
      side: closedTrades.side,
      openedAt: closedTrades.openedAt,
      closedAt: closedTrades.closedAt,
    })
    .from(closedTrades)
    .where(
      and(
        eq(closedTrades.accountId, accountId),
        sql`${closedTrades.exchangeCloseId} is null`,
        gte(closedTrades.closedAt, since),
      ),
    )
    .orderBy(closedTrades.closedAt);
}

/** Which of `closeIds` (KuCoin's closed-position ids) a closed trade of the account already holds. */
export async function closeIdsTaken(
  db: EnigmaDb,
  accountId: string,
  closeIds: readonly string[],
): Promise<Set<string>> {
  if (closeIds.length === 0) return new Set();
  const rows = await db
    .select({ id: closedTrades.exchangeCloseId })
    .from(closedTrades)
    .where(and(eq(closedTrades.accountId, accountId), inArray(closedTrades.exchangeCloseId, [...closeIds])));
  return new Set(rows.map((r) => r.id!));
}

export async function recentClosedTrades(db: EnigmaDb, accountId: string, since: Date) {
  return db
    .select()
    .from(closedTrades)
    .where(
      and(eq(closedTrades.accountId, accountId), sql`${closedTrades.closedAt} >= ${since.toISOString()}`),
    )
    .orderBy(desc(closedTrades.closedAt));
}

/** Record a funding settlement once per (account, symbol, time); false when already recorded. */
export async function insertFundingPayment(
  db: EnigmaDb,
  row: typeof fundingPayments.$inferInsert,
): Promise<boolean> {
  const inserted = await db
    .insert(fundingPayments)
    .values(row)
    .onConflictDoNothing()
    .returning({ id: fundingPayments.id });
  return inserted.length > 0;
}

// ── risk events ─────────────────────────────────────────────────────────────────────────────────

export interface RiskEventInput {
  accountId: string | null;
  signalId?: string | null;
  intentId?: string | null;
  code: string;
  severity: RiskSeverity;
  message?: string | null;
  data?: Record<string, unknown>;
  at?: Date;
}

export async function insertRiskEvent(db: EnigmaDb, e: RiskEventInput): Promise<void> {
  await db.insert(riskEvents).values({
    accountId: e.accountId,
    signalId: e.signalId ?? null,
    intentId: e.intentId ?? null,
    code: e.code,
    severity: e.severity,
    message: e.message ?? null,
    data: e.data ?? {},
    ...(e.at ? { at: e.at } : {}),
  });
}

export async function listRiskEvents(db: EnigmaDb, opts: { code?: string; limit?: number } = {}) {
  const q = db.select().from(riskEvents);
  const filtered = opts.code ? q.where(eq(riskEvents.code, opts.code)) : q;
  return filtered.orderBy(desc(riskEvents.at)).limit(opts.limit ?? 100);
}

/** Orders that have an exchange id (for attributing exchange fills). */
export async function ordersWithExchangeIds(
  db: EnigmaDb,
  accountId: string,
  ids: string[],
): Promise<OrderRow[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(orders)
    .where(
      and(
        eq(orders.accountId, accountId),
        isNotNull(orders.exchangeOrderId),
        inArray(orders.exchangeOrderId, ids),
      ),
    );
}

// ── a signal's decision in one statement ────────────────────────────────────────────────────────

/** One order of a decision, stored as an `intent` row (not yet sent). */
export interface DecisionOrder {
  clientOid: string;
  side: 'buy' | 'sell';
  purpose: OrderPurpose;
  type: 'market' | 'limit' | 'stop_market' | 'stop_limit';
  size: number;
  price?: string | null;
  stopPrice?: string | null;
  stopPriceType?: 'TP' | 'MP' | 'IP' | null;
  leverage?: string | null;
  marginMode?: string | null;
  reduceOnly: boolean;
  timeInForce?: string | null;
  /** the router's style and its decision-time figures (execution quality is measured against them) */
  execStyle?: string | null;
  decisionMid?: string | null;
  estCostBps?: string | null;
}

export interface DecisionCommit {
  lease: { name: string; fence: number };
  accountId: string;
  signalId: string;
  symbol: string;
  /** the signal moves to `status` only from one of `from` (the guard against acting twice) */
  from: readonly SignalStatus[];
  status: SignalStatus;
  reason: string;
  score?: string | null;
  metadata?: Record<string, unknown>;
  snapshot?: { timeframe: string; at: Date; values: Record<string, number | null> };
  modelScore?: {
    modelName: string;
    modelVersion: string;
    score: string;
    decision: string | null;
    features: Record<string, unknown>;
  };
  intent?: {
    side: 'buy' | 'sell';
    size: number;
    leverage: string | null;
    reduceOnly: boolean;
    status: string;
    /** the router's execution style of the opening leg (market when absent) */
    style?: string;
    params: Record<string, unknown>;
    orders: DecisionOrder[];
  };
}

export type DecisionCommitResult =
  | { committed: true; intent: IntentRow | null; orders: OrderRow[] }
  | { committed: false; reason: 'signal_moved' };

/**
 * How order intents are inserted, shared by the decision (`commitDecision`) and a single fenced intent
 * (`insertFencedOrderIntent`): each order as a JSON record (`orderRecords`) read back with
 * `jsonb_to_recordset(…) as` `ORDER_RECORD`, inserted into `ORDER_INSERT_COLUMNS` by `orderRecordValues`.
 */
function orderRecords(list: readonly DecisionOrder[]): string {
  return JSON.stringify(
    list.map((o, ord) => ({
      ord,
      client_oid: o.clientOid,
      side: o.side,
      purpose: o.purpose,
      type: o.type,
      size: o.size,
      price: o.price ?? null,
      stop_price: o.stopPrice ?? null,
      stop_price_type: o.stopPriceType ?? null,
      leverage: o.leverage ?? null,
      margin_mode: o.marginMode ?? null,
      reduce_only: o.reduceOnly,
      time_in_force: o.timeInForce ?? null,
      exec_style: o.execStyle ?? null,
      decision_mid: o.decisionMid ?? null,
      est_cost_bps: o.estCostBps ?? null,
    })),
  );
}
const ORDER_RECORD = sql.raw(`l(ord int, client_oid text, side text, purpose text, type text, size int,
  price numeric, stop_price numeric, stop_price_type text, leverage numeric, margin_mode text,
  reduce_only boolean, time_in_force text, exec_style text, decision_mid numeric, est_cost_bps numeric)`);
const ORDER_INSERT_COLUMNS = sql.raw(`(intent_id, account_id, client_oid, signal_id, command_id, symbol, side,
  purpose, type, size, price, stop_price, stop_price_type, leverage, margin_mode, reduce_only, time_in_force,
  exec_style, decision_mid, est_cost_bps, status, fence)`);
function orderRecordValues(o: {
  intentId: SQL;
  accountId: string | Placeholder;
  signalId: string | null | Placeholder;
  commandId: string | null;
  symbol: string | Placeholder;
  fence: SQL;
}): SQL {
  return sql`${o.intentId}, ${o.accountId}::uuid, l.client_oid, ${o.signalId}::uuid, ${o.commandId}::uuid,
    ${o.symbol}, l.side, l.purpose, l.type, l.size, l.price, l.stop_price, l.stop_price_type, l.leverage,
    l.margin_mode, l.reduce_only, l.time_in_force, l.exec_style, l.decision_mid, l.est_cost_bps, 'intent',
    ${o.fence}`;
}

/**
 * The decision's statement, one fixed text (prepared once per connection: parsing and planning this
 * chain of CTEs cost about as much as running it). The parts a decision may lack (snapshot, model
 * output, intent) are switched off by a flag parameter and insert nothing.
 */
function decisionStatement(): SQL {
  const p = (name: string) => sql.placeholder(name);
  return sql`with lease as (select fence from engine_leases
        where name = ${p('leaseName')} and fence = ${p('leaseFence')}::bigint for share),
    sig as (update signals set status = ${p('status')}, reason = ${p('reason')},
        score = coalesce(${p('score')}::numeric, score),
        metadata = metadata || ${p('metadata')}::jsonb, updated_at = now()
      where id = ${p('signalId')}::uuid and status = any(${p('from')}::text[]) and exists (select 1 from lease)
      returning id),
    snap as (insert into indicator_snapshots (signal_id, symbol, timeframe, at, values)
      select id, ${p('symbol')}, ${p('snapshotTimeframe')}, ${p('snapshotAt')}::timestamptz,
        ${p('snapshotValues')}::jsonb from sig where ${p('hasSnapshot')}::boolean),
    ms as (insert into model_scores (signal_id, model_name, model_version, score, decision, features)
      select id, ${p('modelName')}, ${p('modelVersion')}, ${p('modelScore')}::numeric, ${p('modelDecision')},
        ${p('modelFeatures')}::jsonb from sig where ${p('hasModel')}::boolean),
    intent as (insert into order_intents
        (signal_id, account_id, symbol, side, size, leverage, reduce_only, status, style, params)
      select id, ${p('accountId')}::uuid, ${p('symbol')}, ${p('intentSide')}, ${p('intentSize')}::int,
        ${p('intentLeverage')}::numeric, ${p('intentReduceOnly')}::boolean, ${p('intentStatus')},
        ${p('intentStyle')}, ${p('intentParams')}::jsonb from sig where ${p('hasIntent')}::boolean
      on conflict (signal_id) do nothing
      returning id, created_at),
    ord as (insert into orders ${ORDER_INSERT_COLUMNS}
      select ${orderRecordValues({
        intentId: sql`intent.id`,
        accountId: p('accountId'),
        signalId: p('signalId'),
        commandId: null,
        symbol: p('symbol'),
        fence: sql`(select fence from lease)`,
      })}
      from intent cross join jsonb_to_recordset(${p('orders')}::jsonb) as ${ORDER_RECORD}
      order by l.ord
      on conflict (client_oid) do nothing
      returning id, client_oid, created_at)
    select (select count(*) from sig)::int as moved,
      (select fence from engine_leases where name = ${p('leaseName')}) as fence_now,
      (select json_build_object('id', id, 'createdAt', created_at) from intent) as intent,
      (select json_agg(json_build_object('id', id, 'clientOid', client_oid, 'createdAt', created_at)) from ord)
        as orders`;
}

/**
 * A signal's whole decision in ONE statement (one round trip, atomic): the status guard (`from`), the
 * indicator snapshot and model output, the intent and its orders as `intent` rows under the lease's
 * fence (read FOR SHARE, so a take-over waits for it and a stale fence writes nothing). Nothing is
 * written when the signal is no longer in `from`; a stale fence throws `FencedError`.
 */
export async function commitDecision(db: EnigmaDb, d: DecisionCommit): Promise<DecisionCommitResult> {
  if (!SIGNAL_STATUSES.includes(d.status)) throw new RangeError(`unknown signal status: ${d.status}`);
  const statement = preparedSql(db, 'enigma_commit_decision', decisionStatement);
  const i = d.intent;
  const m = d.modelScore;
  const result = await statement.execute({
    leaseName: d.lease.name,
    leaseFence: d.lease.fence,
    status: d.status,
    reason: d.reason.slice(0, 1000),
    score: d.score ?? null,
    metadata: JSON.stringify(d.metadata ?? {}),
    signalId: d.signalId,
    from: [...d.from],
    symbol: d.symbol,
    accountId: d.accountId,
    hasSnapshot: d.snapshot !== undefined,
    snapshotTimeframe: d.snapshot?.timeframe ?? null,
    snapshotAt: d.snapshot?.at.toISOString() ?? null,
    snapshotValues: d.snapshot ? JSON.stringify(d.snapshot.values) : null,
    hasModel: m !== undefined,
    modelName: m?.modelName ?? null,
    modelVersion: m?.modelVersion ?? null,
    modelScore: m?.score ?? null,
    modelDecision: m?.decision ?? null,
    modelFeatures: m ? JSON.stringify(m.features) : null,
    hasIntent: i !== undefined,
    intentSide: i?.side ?? null,
    intentSize: i?.size ?? null,
    intentLeverage: i?.leverage ?? null,
    intentReduceOnly: i?.reduceOnly ?? null,
    intentStatus: i?.status ?? null,
    intentStyle: i?.style ?? 'market',
    intentParams: i ? JSON.stringify(i.params) : null,
    orders: orderRecords(i?.orders ?? []),
  });
  const rows = rowsOf<{
    moved: number;
    fence_now: string | number | null;
    intent?: { id: string; createdAt: string } | null;
    orders?: { id: string; clientOid: string; createdAt: string }[] | null;
  }>(result);
  const r = rows[0]!;
  if (Number(r.moved) === 0) {
    const now = r.fence_now === null ? null : Number(r.fence_now);
    if (now !== d.lease.fence)
      throw new FencedError(`lease ${d.lease.name}: fence ${d.lease.fence} is stale (now ${now})`);
    return { committed: false, reason: 'signal_moved' };
  }
  if (!i) return { committed: true, intent: null, orders: [] };
  if (!r.intent) throw new Error(`signal ${d.signalId} already has an intent: nothing was stored`);
  const intentAt = new Date(r.intent.createdAt);
  const intent: IntentRow = {
    id: r.intent.id,
    signalId: d.signalId,
    accountId: d.accountId,
    symbol: d.symbol,
    side: i.side,
    size: i.size,
    style: i.style ?? 'market',
    limitPrice: null,
    stopPrice: null,
    takeProfitPrice: null,
    leverage: i.leverage,
    reduceOnly: i.reduceOnly,
    status: i.status,
    reason: null,
    params: i.params,
    createdAt: intentAt,
    updatedAt: intentAt,
  };
  const stored = new Map((r.orders ?? []).map((o) => [o.clientOid, o]));
  const out: OrderRow[] = [];
  for (const o of i.orders) {
    const s = stored.get(o.clientOid);
    if (!s) throw new Error(`order ${o.clientOid} already exists: the decision was not stored whole`);
    out.push(
      intentOrderRow(
        {
          ...o,
          intentId: intent.id,
          accountId: d.accountId,
          signalId: d.signalId,
          commandId: null,
          symbol: d.symbol,
          fence: d.lease.fence,
        },
        s.id,
        new Date(s.createdAt),
      ),
    );
  }
  return { committed: true, intent, orders: out };
}

/** An order intent's fields as stored (`intent` status, nothing sent yet). */
export interface OrderIntentFields extends DecisionOrder {
  intentId: string | null;
  accountId: string;
  signalId: string | null;
  commandId: string | null;
  symbol: string;
  fence: number;
}

/** The row an `intent` insert made (the database gave it `id` and `at`; every other column is its default). */
function intentOrderRow(o: OrderIntentFields, id: string, at: Date): OrderRow {
  return {
    id,
    intentId: o.intentId,
    accountId: o.accountId,
    clientOid: o.clientOid,
    exchangeOrderId: null,
    signalId: o.signalId,
    commandId: o.commandId,
    symbol: o.symbol,
    side: o.side,
    purpose: o.purpose,
    type: o.type,
    price: o.price ?? null,
    stopPrice: o.stopPrice ?? null,
    stopPriceType: o.stopPriceType ?? null,
    size: o.size,
    filledSize: 0,
    avgFillPrice: null,
    leverage: o.leverage ?? null,
    marginMode: o.marginMode ?? null,
    reduceOnly: o.reduceOnly,
    timeInForce: o.timeInForce ?? null,
    status: 'intent',
    reason: null,
    fence: o.fence,
    submittedAt: null,
    doneAt: null,
    raw: null,
    execStyle: o.execStyle ?? null,
    decisionMid: o.decisionMid ?? null,
    estCostBps: o.estCostBps ?? null,
    slippageBps: null,
    shortfall: null,
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * Commit one order in state `intent` under the lease's fence, in ONE statement (the lease row read FOR
 * SHARE in it, as `commitDecision` does): a stale fence writes nothing and throws `FencedError`. The
 * clientOid is unique: a repeat returns the existing row (`created: false`), whatever state it reached.
 */
export async function insertFencedOrderIntent(
  db: EnigmaDb,
  lease: { name: string; fence: number },
  o: Omit<OrderIntentFields, 'fence'>,
): Promise<{ order: OrderRow; created: boolean }> {
  const rows = rowsOf<{
    fenced: number;
    fence_now: string | number | null;
    created: { id: string; createdAt: string } | null;
  }>(
    await db.execute(sql`with lease as (select fence from engine_leases where name = ${lease.name} and fence = ${lease.fence} for share),
      ins as (insert into orders ${ORDER_INSERT_COLUMNS}
        select ${orderRecordValues({
          intentId: sql`${o.intentId}::uuid`,
          accountId: o.accountId,
          signalId: o.signalId,
          commandId: o.commandId,
          symbol: o.symbol,
          fence: sql`lease.fence`,
        })}
        from lease cross join jsonb_to_recordset(${orderRecords([o])}::jsonb) as ${ORDER_RECORD}
        on conflict (client_oid) do nothing
        returning id, created_at)
      select (select count(*) from lease)::int as fenced,
        (select fence from engine_leases where name = ${lease.name}) as fence_now,
        (select json_build_object('id', id, 'createdAt', created_at) from ins) as created`),
  );
  const r = rows[0]!;
  if (Number(r.fenced) === 0) {
    const now = r.fence_now === null ? null : Number(r.fence_now);
    throw new FencedError(`lease ${lease.name}: fence ${lease.fence} is stale (now ${now})`);
  }
  if (r.created)
    return {
      order: intentOrderRow({ ...o, fence: lease.fence }, r.created.id, new Date(r.created.createdAt)),
      created: true,
    };
  const existing = await getOrderByClientOid(db, o.clientOid);
  if (!existing) throw new Error(`order ${o.clientOid} was neither inserted nor found`);
  return { order: existing, created: false };
}

/** The reason an `intent` row carries while a cancel waits for it (it may still land at the exchange). */
export const CANCEL_REQUESTED = 'cancel_requested: ';

/**
 * Claim an `intent` row's send: record when its send begins (`submittedAt`), only while it is still an
 * intent with no cancel waiting for it, and only under the lease's fence. Null when it is not (closed as
 * never sent, answered, asked to be cancelled meanwhile, or the lease lost): then it must not be sent.
 */
export async function claimIntentSend(
  db: EnigmaDb,
  lease: { name: string; fence: number },
  id: string,
  at: Date,
  seenSubmittedAt: Date | null,
): Promise<OrderRow | null> {
  const [row] = await db
    .update(orders)
    .set({ submittedAt: at, updatedAt: sql`now()` })
    .where(
      and(
        sameIntent(id, seenSubmittedAt),
        sql`coalesce(${orders.reason}, '') not like ${`${CANCEL_REQUESTED}%`}`,
        // only under the lease: a process that lost it (paused past its expiry) sends nothing late
        sql`exists (select 1 from ${engineLeases} where ${engineLeases.name} = ${lease.name} and ${engineLeases.fence} = ${lease.fence})`,
      ),
    )
    .returning();
  return row ?? null;
}

/**
 * Mark an `intent` row as waiting to be cancelled (its reason says so): no later send of it may go out
 * (`claimIntentSend` refuses it, and the executor checks it before a send). Null when it is no longer an
 * intent.
 */
export async function requestIntentCancel(
  db: EnigmaDb,
  id: string,
  reason: string,
): Promise<OrderRow | null> {
  const [row] = await db
    .update(orders)
    .set({ reason: `${CANCEL_REQUESTED}${reason}`.slice(0, 500), updatedAt: sql`now()` })
    .where(and(eq(orders.id, id), eq(orders.status, 'intent')))
    .returning();
  return row ?? null;
}

/**
 * Close an `intent` row as never sent (`rejected`), only if it is still the intent the caller judged: the
 * same status and the same send start (`submittedAt`, null for none). Null when it changed meanwhile (a
 * send began or was answered): the caller reads it again and judges anew.
 */
export async function closeUnsentIntent(
  db: EnigmaDb,
  id: string,
  seenSubmittedAt: Date | null,
  patch: { reason: string; doneAt: Date },
): Promise<OrderRow | null> {
  const [row] = await db
    .update(orders)
    .set({ status: 'rejected', reason: patch.reason, doneAt: patch.doneAt, updatedAt: sql`now()` })
    .where(sameIntent(id, seenSubmittedAt))
    .returning();
  return row ?? null;
}

/**
 * Order `id` is still the `intent` a caller judged: no send claimed since (its send start the one the
 * caller saw, null: none) and no exchange id written.
 */
function sameIntent(id: string, seenSubmittedAt: Date | null): SQL {
  return and(
    eq(orders.id, id),
    eq(orders.status, 'intent'),
    seenSubmittedAt === null
      ? sql`${orders.submittedAt} is null`
      : sql`${orders.submittedAt} = ${seenSubmittedAt.toISOString()}::timestamptz`,
    sql`${orders.exchangeOrderId} is null`,
  )!;
}

/** Lots of recorded fills per order id (the engine's view of what its ledger has applied). */
export async function fillLotsByOrder(
  db: EnigmaDb,
  orderIds: readonly string[],
): Promise<Map<string, number>> {
  if (orderIds.length === 0) return new Map();
  const rows = await db
    .select({ orderId: fills.orderId, lots: sql<string>`sum(${fills.size})` })
    .from(fills)
    .where(inArray(fills.orderId, [...orderIds]))
    .groupBy(fills.orderId);
  return new Map(rows.map((r) => [r.orderId!, Number(r.lots)]));
}

/**
 * Fills for the dashboard's chart and `GET /api/fills`: newest first, optionally one contract and a
 * `[from, to)` window on `filledAt`, at most `limit` rows (every account: the dashboard shows them all).
 */
export async function listFills(
  db: EnigmaDb,
  q: { symbol?: string | undefined; from?: Date | undefined; to?: Date | undefined; limit: number },
): Promise<FillRow[]> {
  const where = [];
  if (q.symbol) where.push(eq(fills.symbol, q.symbol));
  if (q.from) where.push(gte(fills.filledAt, q.from));
  if (q.to) where.push(lt(fills.filledAt, q.to));
  return db
    .select()
    .from(fills)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(fills.filledAt), desc(fills.id))
    .limit(q.limit);
}

/**
 * Risk events newest first, optionally only those whose code starts with `codePrefix` (`breaker_`: the
 * breakers' history), at most `limit`.
 */
export async function listRiskEventsByPrefix(
  db: EnigmaDb,
  q: { codePrefix?: string | undefined; limit: number },
) {
  const escaped = q.codePrefix?.replace(/[\\%_]/g, (c) => `\\${c}`);
  return db
    .select()
    .from(riskEvents)
    .where(escaped === undefined ? undefined : sql`${riskEvents.code} like ${`${escaped}%`}`)
    .orderBy(desc(riskEvents.at), desc(riskEvents.id))
    .limit(q.limit);
}
