import { initialMargin, notionalValue } from '@enigma/core/contract/math';
import { Money, toMoney } from '@enigma/core/money';
import type Decimal from 'decimal.js';
import type { Hono, MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import type * as s from '../../exchange/kucoin/schemas.ts';
import { SimError } from '../errors.ts';
import { crossRisk } from '../margin.ts';
import type { MarginMode } from '../types.ts';
import { renderPosition } from '../views.ts';
import type { Wire } from '../wire.ts';
import { intParam, jsonBody, ok, q, type SimContext, type SimEnv, symbolParam } from './context.ts';

function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new SimError('100001', 'body must be an object');
  return body as Record<string, unknown>;
}

function marginModeOf(v: unknown): MarginMode {
  if (v !== 'ISOLATED' && v !== 'CROSS') throw new SimError('100001', 'marginMode must be ISOLATED or CROSS');
  return v;
}

/** A required positive number (string or number) as a Decimal; 100001 otherwise. */
export function positiveDecimal(v: unknown, name: string): Decimal {
  if (typeof v !== 'string' && typeof v !== 'number') throw new SimError('100001', `${name} is required`);
  let d: Decimal;
  try {
    d = toMoney(v);
  } catch {
    throw new SimError('100001', `${name} is not a number`);
  }
  if (d.lte(0)) throw new SimError('100001', `${name} must be positive`);
  return d;
}

/** Positions, margin settings, account overview, ledger and funding history (private). */
export function registerAccountRoutes(
  app: Hono<SimEnv>,
  ctx: SimContext,
  auth: MiddlewareHandler<SimEnv>,
): void {
  const { engine } = ctx;

  app.get('/api/v1/position', auth, (c) =>
    ok(c, renderPosition(engine, engine.position(symbolParam(ctx, c)))),
  );

  app.get('/api/v1/positions', auth, (c) => {
    const currency = q(c, 'currency');
    if (currency && currency !== 'USDT') return ok(c, []);
    return ok(
      c,
      [...engine.positions.values()].filter((p) => p.qty !== 0).map((p) => renderPosition(engine, p)),
    );
  });

  app.get('/api/v1/history-positions', auth, (c) => {
    const symbol = q(c, 'symbol');
    const from = intParam(c, 'from');
    const to = intParam(c, 'to');
    const limit = Math.min(200, Math.max(1, intParam(c, 'limit') ?? 10));
    const page = Math.max(1, intParam(c, 'pageId') ?? 1);
    const items = engine.closedPositions
      .filter(
        (h) =>
          (!symbol || h.symbol === symbol) &&
          (from === undefined || h.closeTime >= from) &&
          (to === undefined || h.closeTime <= to),
      )
      .reverse();
    return ok(c, {
      currentPage: page,
      pageSize: limit,
      totalNum: items.length,
      totalPage: Math.ceil(items.length / limit),
      items: items.slice((page - 1) * limit, page * limit).map(
        (h): Wire<typeof s.historyPosition> => ({
          closeId: h.closeId,
          userId: '633559791e1cbc0001f319bc',
          symbol: h.symbol,
          settleCurrency: 'USDT',
          leverage: h.leverage.toString(),
          type: h.type,
          pnl: h.pnl.toString(),
          realisedGrossCost: h.realisedGrossCost.toString(),
          realisedGrossCostNew: h.realisedGrossCost.toString(),
          withdrawPnl: '0.0',
          tradeFee: h.tradeFee.toString(),
          fundingFee: h.fundingFee.toString(),
          openTime: h.openTime,
          closeTime: h.closeTime,
          openPrice: h.openPrice.toString(),
          closePrice: h.closePrice.toString(),
          marginMode: h.marginMode,
          tax: '0.0',
          roe: null,
          liquidAmount: h.liquidPrice ? '0' : null,
          liquidPrice: h.liquidPrice?.toString() ?? null,
          side: h.side,
        }),
      ),
    });
  });

  app.get('/api/v2/getMaxOpenSize', auth, (c) => {
    const symbol = symbolParam(ctx, c);
    const m = engine.market(symbol);
    const priceRaw = q(c, 'price');
    const price = priceRaw ? positiveDecimal(priceRaw, 'price') : m.mark;
    const leverage = positiveDecimal(
      q(c, 'leverage') ?? engine.settingsOf(symbol).crossLeverage.toString(),
      'leverage',
    );
    const avail = engine.accountSummary().available;
    const perLot = initialMargin(notionalValue(m.spec, 1, price), leverage).plus(
      notionalValue(m.spec, 1, price).mul(m.spec.takerFeeRate),
    );
    const max = Math.min(m.spec.maxOrderQty, avail.div(perLot).floor().toNumber());
    return ok(c, { symbol, maxBuyOpenSize: max, maxSellOpenSize: max } satisfies Wire<typeof s.maxOpenSize>);
  });

  app.get('/api/v2/position/getMarginMode', auth, (c) => {
    const symbol = symbolParam(ctx, c);
    return ok(c, { symbol, marginMode: engine.settingsOf(symbol).marginMode } satisfies Wire<
      typeof s.marginModeResult
    >);
  });

  app.post('/api/v2/position/changeMarginMode', auth, (c) => {
    const body = bodyObject(jsonBody(c));
    const symbol = String(body['symbol'] ?? '');
    engine.market(symbol);
    engine.setMarginMode(symbol, marginModeOf(body['marginMode']));
    return ok(c, { symbol, marginMode: engine.settingsOf(symbol).marginMode } satisfies Wire<
      typeof s.marginModeResult
    >);
  });

  app.post('/api/v2/position/batchChangeMarginMode', auth, (c) => {
    const body = bodyObject(jsonBody(c));
    const mode = marginModeOf(body['marginMode']);
    if (!Array.isArray(body['symbols'])) throw new SimError('100001', 'symbols is required');
    const result: Record<string, MarginMode> = {};
    const errors: { code: string; msg: string; symbol: string }[] = [];
    for (const s of body['symbols'] as unknown[]) {
      const symbol = String(s);
      try {
        engine.market(symbol);
        engine.setMarginMode(symbol, mode);
        result[symbol] = mode;
      } catch (e) {
        if (!(e instanceof SimError)) throw e;
        errors.push({ code: e.code, msg: e.message, symbol });
      }
    }
    return ok(c, { marginMode: result, errors } satisfies Wire<typeof s.batchMarginModeResult>);
  });

  app.get('/api/v2/getCrossUserLeverage', auth, (c) => {
    const symbol = symbolParam(ctx, c);
    return ok(c, {
      symbol,
      leverage: engine.settingsOf(symbol).crossLeverage.toString(),
    } satisfies Wire<typeof s.crossLeverage>);
  });

  app.post('/api/v2/changeCrossUserLeverage', auth, (c) => {
    const body = bodyObject(jsonBody(c));
    const symbol = String(body['symbol'] ?? '');
    engine.market(symbol);
    engine.setCrossLeverage(symbol, positiveDecimal(body['leverage'], 'leverage'));
    return ok(c, true);
  });

  app.get('/api/v2/batchGetCrossOrderLimit', auth, (c) => {
    const symbols = (q(c, 'symbol') ?? '').split(',').filter(Boolean);
    if (symbols.length === 0 || symbols.length > 50)
      throw new SimError('100001', 'symbol is required (at most 50)');
    const totalMargin = q(c, 'totalMargin') ? positiveDecimal(q(c, 'totalMargin'), 'totalMargin') : null;
    return ok(
      c,
      symbols.map((symbol): Wire<typeof s.crossOrderLimit> => {
        const m = engine.market(symbol);
        const lev = q(c, 'leverage')
          ? positiveDecimal(q(c, 'leverage'), 'leverage')
          : engine.settingsOf(symbol).crossLeverage;
        const margin = totalMargin ?? engine.accountSummary().available;
        const value = margin.mul(lev);
        const lots = value.div(m.mark.mul(m.spec.multiplier)).floor();
        return {
          symbol,
          maxOpenSize: lots.toNumber(),
          maxOpenValue: value.toFixed(10),
          totalMargin: margin.toString(),
          price: m.mark.toString(),
          leverage: lev.toFixed(2),
          mmr: m.spec.riskLimits[0]!.maintainMargin.toString(),
          imr: new Money(1).div(lev).toString(),
          currency: 'USDT',
        };
      }),
    );
  });

  app.post('/api/v1/position/risk-limit-level/change', auth, (c) => {
    const body = bodyObject(jsonBody(c));
    const symbol = String(body['symbol'] ?? '');
    engine.market(symbol);
    const level = body['level'];
    if (typeof level !== 'number' || !Number.isInteger(level))
      throw new SimError('100001', 'level must be an integer');
    engine.setRiskLimitLevel(symbol, level);
    return ok(c, true);
  });

  app.post('/api/v1/position/margin/deposit-margin', auth, (c) => {
    const body = bodyObject(jsonBody(c));
    const symbol = String(body['symbol'] ?? '');
    engine.market(symbol);
    const p = engine.adjustIsolatedMargin(symbol, positiveDecimal(body['margin'], 'margin'));
    return ok(c, renderPosition(engine, p));
  });

  app.post('/api/v1/margin/withdrawMargin', auth, (c) => {
    const body = bodyObject(jsonBody(c));
    const symbol = String(body['symbol'] ?? '');
    engine.market(symbol);
    const amount = positiveDecimal(body['withdrawAmount'], 'withdrawAmount');
    engine.adjustIsolatedMargin(symbol, amount.neg());
    return ok(c, amount.toString() satisfies z.input<typeof s.marginAmount>);
  });

  app.get('/api/v1/margin/maxWithdrawMargin', auth, (c) =>
    ok(c, engine.maxWithdrawMargin(symbolParam(ctx, c)).toString() satisfies z.input<typeof s.marginAmount>),
  );

  app.post('/api/v1/position/margin/auto-deposit-status', auth, (c) => ok(c, true));

  app.get('/api/v1/funding-history', auth, (c) => {
    const symbol = symbolParam(ctx, c);
    const startAt = intParam(c, 'startAt');
    const endAt = intParam(c, 'endAt');
    const maxCount = Math.min(100, intParam(c, 'maxCount') ?? 100);
    const items = engine.fundingRecords
      .filter(
        (f) =>
          f.symbol === symbol &&
          (startAt === undefined || f.timePoint >= startAt) &&
          (endAt === undefined || f.timePoint <= endAt),
      )
      .reverse();
    return ok(c, {
      dataList: items.slice(0, maxCount).map(
        (f): Wire<typeof s.fundingPayment> => ({
          id: f.id,
          symbol: f.symbol,
          timePoint: f.timePoint,
          fundingRate: f.fundingRate.toNumber(),
          markPrice: f.markPrice.toNumber(),
          positionQty: f.positionQty,
          positionCost: f.positionCost.toNumber(),
          funding: f.funding.toDecimalPlaces(8).toNumber(),
          settleCurrency: 'USDT',
          context: JSON.stringify({ marginMode: f.marginMode, positionSide: 'BOTH' }),
          marginMode: f.marginMode,
        }),
      ),
      hasMore: items.length > maxCount,
    });
  });

  app.get('/api/v1/account-overview', auth, (c) => {
    const currency = q(c, 'currency') ?? 'XBT';
    const a = engine.accountSummary();
    const zero = currency !== 'USDT';
    const n = (d: Decimal) => (zero ? 0 : Number(d.toDecimalPlaces(10).toString()));
    // kucoin-spec/account.txt: riskRatio is the cross-margin risk rate (Help Center /support/35233217061785).
    const { rate } = crossRisk(engine.account);
    return ok(c, {
      accountEquity: n(a.equity),
      unrealisedPNL: n(a.unrealised),
      marginBalance: n(a.wallet),
      positionMargin: n(a.positionMargin),
      orderMargin: n(a.orderMargin),
      frozenFunds: 0,
      availableBalance: n(a.available),
      currency,
      riskRatio: zero ? 0 : rate.isFinite() ? n(rate) : 1,
      maxWithdrawAmount: n(a.available),
    } satisfies Wire<typeof s.accountOverview>);
  });

  app.get('/api/v1/transaction-history', auth, (c) => {
    const maxCount = Math.min(200, intParam(c, 'maxCount') ?? 50);
    const items = [...engine.ledger].reverse();
    return ok(c, {
      dataList: items.slice(0, maxCount).map(
        (l): Wire<typeof s.ledgerEntry> => ({
          time: l.time,
          type: l.type,
          amount: l.amount.toNumber(),
          fee: 0,
          accountEquity: l.accountEquity.toNumber(),
          status: 'Completed',
          remark: l.remark,
          offset: l.offset,
          currency: 'USDT',
        }),
      ),
      hasMore: items.length > maxCount,
    });
  });

  // Transfers between the futures account and the outside world: the simulator's only funding path
  // besides /sim/deposit. Only USDT is held.
  app.post('/api/v1/transfer-in', auth, (c) => {
    const body = bodyObject(jsonBody(c));
    if (body['currency'] !== 'USDT') throw new SimError('100001', 'only USDT is supported');
    engine.deposit(positiveDecimal(body['amount'], 'amount').toString(), 'TransferIn');
    return ok(c, null);
  });

  app.post('/api/v3/transfer-out', auth, (c) => {
    const body = bodyObject(jsonBody(c));
    if (body['currency'] !== 'USDT') throw new SimError('100001', 'only USDT is supported');
    const amount = positiveDecimal(body['amount'], 'amount');
    engine.withdraw(amount.toString());
    const now = engine.clock.now();
    const id = engine.nextId();
    return ok(c, {
      applyId: id,
      bizNo: id,
      payAccountType: 'CONTRACT',
      payTag: 'DEFAULT',
      remark: '',
      recAccountType: String(body['recAccountType'] ?? 'MAIN'),
      recTag: 'DEFAULT',
      recRemark: '',
      recSystem: 'KUCOIN',
      status: 'SUCCESS',
      currency: 'USDT',
      amount: amount.toString(),
      fee: '0',
      sn: Number(id.slice(-12)),
      reason: '',
      createdAt: now,
      updatedAt: now,
    });
  });
}
