import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signRequest } from '../http/auth.ts';
import type { RunningSimulator } from '../server.ts';
import { startTestSimulator, waitFor } from '../test-helpers.ts';
import { expandTopic } from './server.ts';

type Frame = { id?: string; type: string; topic?: string; subject?: string; code?: number; data?: unknown };

async function connect(sim: RunningSimulator, privateToken = false, connectId = 'c1') {
  const path = privateToken ? '/api/v1/bullet-private' : '/api/v1/bullet-public';
  const headers = privateToken ? signRequest(sim.credentials, 'POST', path, '', Date.now()) : {};
  const bullet = (await (await fetch(`${sim.url}${path}`, { method: 'POST', headers })).json()) as {
    data: {
      token: string;
      instanceServers: { endpoint: string; pingInterval: number; pingTimeout: number }[];
    };
  };
  const server = bullet.data.instanceServers[0]!;
  const ws = new WebSocket(
    `${server.endpoint}?token=${encodeURIComponent(bullet.data.token)}&connectId=${connectId}`,
  );
  const frames: Frame[] = [];
  ws.on('message', (raw) => frames.push(JSON.parse(raw.toString())));
  await waitFor(() => frames.length > 0);
  return { ws, frames, server, token: bullet.data.token };
}

describe('KuCoin WebSocket protocol', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startTestSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });

  it('splits multi-symbol topics into per-symbol topics', () => {
    expect(expandTopic('/contractMarket/ticker:XBTUSDTM,ETHUSDTM').topics).toEqual([
      '/contractMarket/ticker:XBTUSDTM',
      '/contractMarket/ticker:ETHUSDTM',
    ]);
    expect(expandTopic('/contractMarket/tradeOrders').topics).toEqual(['/contractMarket/tradeOrders']);
  });

  it('sends welcome first, echoes ids on ack and pong, and pushes on the exact per-symbol topic', async () => {
    const { ws, frames, server } = await connect(sim);
    expect(server.pingInterval).toBeGreaterThan(0);
    expect(frames[0]).toEqual({ id: 'c1', type: 'welcome' });
    ws.send(JSON.stringify({ id: 7, type: 'ping' }));
    ws.send(
      JSON.stringify({
        id: 'sub-1',
        type: 'subscribe',
        topic: '/contractMarket/level2:XBTUSDTM,SOLUSDTM',
        response: true,
      }),
    );
    await waitFor(() => frames.some((f) => f.type === 'ack') && frames.some((f) => f.type === 'pong'));
    expect(frames.find((f) => f.type === 'pong')!.id).toBe('7');
    expect(frames.find((f) => f.type === 'ack')!.id).toBe('sub-1');
    await waitFor(() => frames.some((f) => f.topic === '/contractMarket/level2:SOLUSDTM'));
    await waitFor(() => frames.filter((f) => f.topic === '/contractMarket/level2:XBTUSDTM').length > 3);
    const seqs = frames
      .filter((f) => f.topic === '/contractMarket/level2:XBTUSDTM')
      .map((f) => (f.data as { sequence: number }).sequence);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);
    ws.close();
  });

  it('refuses private topics on a public token and unknown topics', async () => {
    const { ws, frames } = await connect(sim);
    ws.send(JSON.stringify({ id: '1', type: 'subscribe', topic: '/contractAccount/wallet', response: true }));
    ws.send(JSON.stringify({ id: '2', type: 'subscribe', topic: '/nope:XBTUSDTM', response: true }));
    await waitFor(() => frames.filter((f) => f.type === 'error').length === 2);
    expect(frames.filter((f) => f.type === 'error').map((f) => f.code)).toEqual([403, 404]);
    ws.close();
  });

  it('pushes wallet changes in both the new and the legacy subjects', async () => {
    const { ws, frames } = await connect(sim, true);
    ws.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        topic: '/contractAccount/wallet',
        privateChannel: true,
        response: true,
      }),
    );
    await waitFor(() => frames.some((f) => f.type === 'ack'));
    sim.engine.deposit(5);
    await waitFor(() => frames.some((f) => f.subject === 'availableBalance.change'));
    expect(frames.map((f) => f.subject)).toEqual(
      expect.arrayContaining(['walletBalance.change', 'availableBalance.change', 'orderMargin.change']),
    );
    ws.close();
  });

  it('pushes the outcome of a risk-limit level change on the contract position topic, in KuCoin frames', async () => {
    // KuCoin's example (old futures docs, "Adjustment result of risk limit level"; KUCOIN.md §3.9, §4.3):
    // {"userId","topic":"/contract/position:ADAUSDTM","subject":"position.adjustRiskLimit",
    //  "data":{"success":true,"riskLimitLevel":1,"msg":""}}; the REST answer only acknowledges (`true`).
    const call = async (method: string, path: string, body?: unknown) => {
      const text = body === undefined ? '' : JSON.stringify(body);
      const res = await fetch(`${sim.url}${path}`, {
        method,
        headers: {
          ...signRequest(sim.credentials, method, path, text, Date.now()),
          'content-type': 'application/json',
        },
        ...(body === undefined ? {} : { body: text }),
      });
      return (await res.json()) as { code: string; data: unknown };
    };
    const { ws, frames } = await connect(sim, true);
    for (const topic of ['/contract/position:XBTUSDTM', '/contract/position:ETHUSDTM'])
      ws.send(JSON.stringify({ id: topic, type: 'subscribe', topic, privateChannel: true, response: true }));
    await waitFor(() => frames.filter((f) => f.type === 'ack').length === 2);
    const adjustments = () => frames.filter((f) => f.subject === 'position.adjustRiskLimit');

    expect(
      await call('POST', '/api/v1/position/risk-limit-level/change', { symbol: 'XBTUSDTM', level: 2 }),
    ).toEqual({ code: '200000', data: true });
    await waitFor(() => adjustments().length === 1);
    expect(adjustments()[0]).toEqual({
      topic: '/contract/position:XBTUSDTM',
      type: 'message',
      subject: 'position.adjustRiskLimit',
      userId: expect.any(String),
      channelType: 'private',
      data: { success: true, riskLimitLevel: 2, msg: '' },
    });

    // Refused: a position worth more than the new level's cap (~130 000 USDT at the mark > level 1's
    // 100 000). The request is still acknowledged; the push says it failed and names the level in force,
    // which stays, and the contract's open orders stay too.
    const lots = Math.ceil(130_000 / (sim.engine.market('XBTUSDTM').mark.toNumber() * 0.001));
    const market = await call('POST', '/api/v1/orders', {
      clientOid: 'rl-market',
      symbol: 'XBTUSDTM',
      side: 'buy',
      type: 'market',
      size: lots,
      leverage: 10,
      marginMode: 'ISOLATED',
    });
    expect(market.code).toBe('200000');
    await waitFor(async () => {
      const p = (await call('GET', '/api/v1/position?symbol=XBTUSDTM')).data as { currentQty: number };
      return p.currentQty === lots ? true : undefined;
    });
    expect(
      sim.engine.positions
        .get('XBTUSDTM')!
        .entryPrice.mul(lots * 0.001)
        .toNumber(),
    ).toBeGreaterThan(110_000);
    const resting = await call('POST', '/api/v1/orders', {
      clientOid: 'rl-resting',
      symbol: 'XBTUSDTM',
      side: 'buy',
      type: 'limit',
      price: sim.engine.market('XBTUSDTM').mark.mul(0.97).floor().toString(),
      size: 1,
      leverage: 10,
      marginMode: 'ISOLATED',
    });
    expect(resting.code).toBe('200000');
    expect(
      await call('POST', '/api/v1/position/risk-limit-level/change', { symbol: 'XBTUSDTM', level: 1 }),
    ).toEqual({ code: '200000', data: true });
    await waitFor(() => adjustments().length === 2);
    const refused = adjustments()[1]!;
    expect(refused).toMatchObject({ topic: '/contract/position:XBTUSDTM', channelType: 'private' });
    expect(refused.data).toEqual({ success: false, riskLimitLevel: 2, msg: expect.any(String) });
    expect((refused.data as { msg: string }).msg).not.toBe('');
    const position = (await call('GET', '/api/v1/position?symbol=XBTUSDTM')).data as {
      riskLimitLevel: number;
    };
    expect(position.riskLimitLevel).toBe(2);
    const orderId = (resting.data as { orderId: string }).orderId;
    expect(((await call('GET', `/api/v1/orders/${orderId}`)).data as { isActive: boolean }).isActive).toBe(
      true,
    );
    // a change that goes through cancels the contract's open orders (KUCOIN.md §3.9)
    expect(
      await call('POST', '/api/v1/position/risk-limit-level/change', { symbol: 'XBTUSDTM', level: 3 }),
    ).toEqual({ code: '200000', data: true });
    await waitFor(() => adjustments().length === 3);
    expect(adjustments()[2]!.data).toEqual({ success: true, riskLimitLevel: 3, msg: '' });
    expect(((await call('GET', `/api/v1/orders/${orderId}`)).data as { isActive: boolean }).isActive).toBe(
      false,
    );
    // only the contract's own position topic carries it
    expect(adjustments().every((f) => f.topic === '/contract/position:XBTUSDTM')).toBe(true);
    ws.close();
  });

  it('rejects an unknown token and expired tokens with KuCoin error frames', async () => {
    const bad = new WebSocket(`${sim.wsUrl}?token=nope&connectId=x`);
    const frames: Frame[] = [];
    bad.on('message', (raw) => frames.push(JSON.parse(raw.toString())));
    await waitFor(() => frames.length > 0);
    expect(frames[0]).toMatchObject({ type: 'error', code: 401, data: 'token is invalid' });
    const live = await connect(sim);
    const closed = new Promise((r) => live.ws.once('close', r));
    sim.faults.expireTokens();
    await closed;
    expect(live.frames.at(-1)).toMatchObject({ type: 'error', data: 'token is expired' });
    const again = new WebSocket(`${sim.wsUrl}?token=${encodeURIComponent(live.token)}&connectId=y`);
    const again2: Frame[] = [];
    again.on('message', (raw) => again2.push(JSON.parse(raw.toString())));
    await waitFor(() => again2.length > 0);
    expect(again2[0]).toMatchObject({ type: 'error', data: 'token is expired' });
  });

  it('goes silent on the fault switch: no data, no pong, no close frame', async () => {
    const { ws, frames } = await connect(sim);
    ws.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        topic: '/contractMarket/tickerV2:XBTUSDTM',
        response: true,
      }),
    );
    await waitFor(() => frames.some((f) => f.type === 'message'));
    sim.faults.set({ wsSilent: true });
    const count = frames.length;
    ws.send(JSON.stringify({ id: 'p', type: 'ping' }));
    // Let the market step many times: a live session would have received several tickers and the pong.
    const steps = sim.engine.market('XBTUSDTM').sequence;
    await waitFor(() => sim.engine.market('XBTUSDTM').sequence > steps + 20);
    expect(frames.length).toBe(count);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    sim.faults.reset();
    ws.terminate();
  });
});
