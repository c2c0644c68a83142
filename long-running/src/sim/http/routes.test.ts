import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimEvent } from '../engine.ts';
import type { RunningSimulator } from '../server.ts';
import { startTestSimulator, waitFor } from '../test-helpers.ts';
import { signRequest } from './auth.ts';

// biome-ignore lint/suspicious/noExplicitAny: the test reads KuCoin's JSON loosely, field by field.
type Envelope<T = any> = { code: string; msg?: string; data: T };

describe('private REST operations', () => {
  let sim: RunningSimulator;
  const events: SimEvent[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  const call = async <T = any>(method: string, path: string, body?: unknown): Promise<Envelope<T>> => {
    const text = body === undefined ? '' : JSON.stringify(body);
    const res = await fetch(`${sim.url}${path}`, {
      method,
      body: text || undefined,
      headers: signRequest(sim.credentials, method, path, text, Date.now()),
    });
    return (await res.json()) as Envelope<T>;
  };
  const limit = (clientOid: string, price: string, extra: Record<string, unknown> = {}) => ({
    clientOid,
    symbol: 'ETHUSDTM',
    side: 'buy',
    type: 'limit',
    price,
    size: 1,
    leverage: 5,
    ...extra,
  });
  let far = '';

  beforeAll(async () => {
    sim = await startTestSimulator();
    sim.engine.onEvent((e) => events.push(e));
    far = sim.engine.market('ETHUSDTM').mark.mul('0.8').toDecimalPlaces(2).toFixed(2);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('places a batch with a per-order result, the bad one rejected alone', async () => {
    const res = await call('POST', '/api/v1/orders/multi', [
      limit('b1', far),
      limit('b2', '1.001'),
      limit('b3', far),
    ]);
    expect(res.code).toBe('200000');
    expect(res.data.map((r: { clientOid: string; code: string }) => [r.clientOid, r.code])).toEqual([
      ['b1', '200000'],
      ['b2', '100001'],
      ['b3', '200000'],
    ]);
    const list = await call('GET', '/api/v1/orders?status=active&symbol=ETHUSDTM&pageSize=1&currentPage=2');
    expect(list.data).toMatchObject({ currentPage: 2, pageSize: 1, totalNum: 2, totalPage: 2 });
    expect(list.data.items).toHaveLength(1);
  });

  it('cancels by clientOid, by batch and all at once', async () => {
    const one = await call('DELETE', '/api/v1/orders/client-order/b1?symbol=ETHUSDTM');
    expect(one).toMatchObject({ code: '200000', data: { clientOid: 'b1' } });
    expect((await call('DELETE', '/api/v1/orders/client-order/b1?symbol=ETHUSDTM')).code).toBe('100004');
    const batch = await call('DELETE', '/api/v1/orders/multi-cancel', {
      clientOidsList: [{ symbol: 'ETHUSDTM', clientOid: 'b3' }],
    });
    expect(batch.data).toEqual([expect.objectContaining({ clientOid: 'b3', code: '200' })]);
    await call('POST', '/api/v1/orders', limit('c1', far));
    await call('POST', '/api/v1/orders', limit('c2', far));
    const all = await call('DELETE', '/api/v3/orders?symbol=ETHUSDTM');
    expect(all.data.cancelledOrderIds).toHaveLength(2);
    const done = await call('GET', '/api/v1/orders?status=done&symbol=ETHUSDTM');
    expect(done.data.items.map((o: { clientOid: string }) => o.clientOid).sort()).toEqual([
      'b1',
      'b3',
      'c1',
      'c2',
    ]);
    expect((await call('GET', '/api/v1/orders?status=active')).data.items).toEqual([]);
  });

  it('cancels untriggered stop orders separately from limit orders', async () => {
    const stop = {
      ...limit('st1', far),
      type: 'market',
      price: undefined,
      stop: 'down',
      stopPrice: far,
      stopPriceType: 'MP',
    };
    await call('POST', '/api/v1/orders', stop);
    await call('POST', '/api/v1/orders', limit('l1', far));
    expect((await call('DELETE', '/api/v1/orders?symbol=ETHUSDTM')).data.cancelledOrderIds).toHaveLength(1);
    expect((await call('GET', '/api/v1/stopOrders')).data.totalNum).toBe(1);
    expect((await call('DELETE', '/api/v1/stopOrders?symbol=ETHUSDTM')).data.cancelledOrderIds).toHaveLength(
      1,
    );
    expect(
      events.some((e) => e.subject === 'stopOrder' && (e.data as { type: string }).type === 'cancel'),
    ).toBe(true);
  });

  it('switches margin mode and cross leverage, announcing both on the user.config topics', async () => {
    const mode = await call('POST', '/api/v2/position/changeMarginMode', {
      symbol: 'SOLUSDTM',
      marginMode: 'CROSS',
    });
    expect(mode.data).toEqual({ symbol: 'SOLUSDTM', marginMode: 'CROSS' });
    expect((await call('GET', '/api/v2/position/getMarginMode?symbol=SOLUSDTM')).data.marginMode).toBe(
      'CROSS',
    );
    expect(
      (await call('POST', '/api/v2/changeCrossUserLeverage', { symbol: 'SOLUSDTM', leverage: '8' })).data,
    ).toBe(true);
    expect((await call('GET', '/api/v2/getCrossUserLeverage?symbol=SOLUSDTM')).data).toEqual({
      symbol: 'SOLUSDTM',
      leverage: '8',
    });
    expect(events.find((e) => e.topic === '/contract/crossLeverage')!.data).toEqual({
      SOLUSDTM: { leverage: '8' },
    });
    const batch = await call('POST', '/api/v2/position/batchChangeMarginMode', {
      marginMode: 'ISOLATED',
      symbols: ['SOLUSDTM', 'NOPEUSDTM'],
    });
    expect(batch.data.marginMode).toEqual({ SOLUSDTM: 'ISOLATED' });
    expect(batch.data.errors).toEqual([expect.objectContaining({ symbol: 'NOPEUSDTM' })]);
  });

  it('adds and withdraws isolated margin, and changes the risk limit level', async () => {
    await call('POST', '/api/v1/orders', {
      clientOid: 'p1',
      symbol: 'XBTUSDTM',
      side: 'buy',
      type: 'market',
      size: 5,
      leverage: 5,
    });
    // Accepted first, matched on the next step (async matching).
    await waitFor(() => sim.engine.positions.get('XBTUSDTM')?.qty === 5);
    const before = (await call('GET', '/api/v1/position?symbol=XBTUSDTM')).data.posMargin as number;
    const added = await call('POST', '/api/v1/position/margin/deposit-margin', {
      symbol: 'XBTUSDTM',
      margin: 10,
      bizNo: 'x',
    });
    expect(added.data.posMargin).toBeCloseTo(before + 10, 6);
    expect(Number((await call('GET', '/api/v1/margin/maxWithdrawMargin?symbol=XBTUSDTM')).data)).toBeCloseTo(
      10,
      6,
    );
    expect(
      (await call('POST', '/api/v1/margin/withdrawMargin', { symbol: 'XBTUSDTM', withdrawAmount: '4' })).data,
    ).toBe('4');
    expect(
      (await call('POST', '/api/v1/margin/withdrawMargin', { symbol: 'XBTUSDTM', withdrawAmount: '100' }))
        .code,
    ).not.toBe('200000');
    expect(
      (await call('POST', '/api/v1/position/risk-limit-level/change', { symbol: 'XBTUSDTM', level: 2 })).data,
    ).toBe(true);
    expect(events.find((e) => e.subject === 'position.adjustRiskLimit')!.data).toEqual({
      success: true,
      riskLimitLevel: 2,
      msg: '',
    });
    expect((await call('GET', '/api/v1/position?symbol=XBTUSDTM')).data.riskLimitLevel).toBe(2);
  });

  it('closes with a close order and lists the closed position in the history', async () => {
    await call('POST', '/api/v1/orders', {
      clientOid: 'p2',
      symbol: 'XBTUSDTM',
      type: 'market',
      closeOrder: true,
    });
    await waitFor(() => sim.engine.positions.get('XBTUSDTM')?.qty === 0);
    const hist = await call('GET', '/api/v1/history-positions?symbol=XBTUSDTM');
    expect(hist.data.items[0]).toMatchObject({ symbol: 'XBTUSDTM', type: 'CLOSE_LONG', side: 'LONG' });
    expect((await call('GET', '/api/v1/positions')).data).toEqual([]);
    const max = await call('GET', '/api/v2/getMaxOpenSize?symbol=XBTUSDTM&price=50000&leverage=10');
    expect(max.data.maxBuyOpenSize).toBeGreaterThan(100);
  });
});

describe('transfers', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startTestSimulator({ initialBalance: 0 });
  });
  afterAll(async () => {
    await sim.close();
  });
  const post = async (path: string, body: unknown) => {
    const text = JSON.stringify(body);
    const res = await fetch(`${sim.url}${path}`, {
      method: 'POST',
      body: text,
      headers: signRequest(sim.credentials, 'POST', path, text, Date.now()),
    });
    return (await res.json()) as { code: string; data: unknown };
  };

  it('moves USDT in and out, never more than is available', async () => {
    expect(
      (await post('/api/v1/transfer-in', { currency: 'USDT', amount: '250', payAccountType: 'MAIN' })).code,
    ).toBe('200000');
    expect(
      (await post('/api/v3/transfer-out', { currency: 'USDT', amount: '100', recAccountType: 'MAIN' })).data,
    ).toMatchObject({
      amount: '100',
      currency: 'USDT',
    });
    expect(
      (await post('/api/v3/transfer-out', { currency: 'USDT', amount: '151', recAccountType: 'MAIN' })).code,
    ).toBe('300003');
    expect(sim.engine.wallet.toString()).toBe('150');
    expect(sim.engine.ledger.map((l) => l.type)).toEqual(['TransferIn', 'TransferOut']);
  });
});
