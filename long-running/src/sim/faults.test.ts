import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from './http/auth.ts';
import type { RunningSimulator } from './server.ts';
import { startTestSimulator, waitFor } from './test-helpers.ts';

describe('fault injection', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startTestSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });

  const placeRequest = (clientOid: string) => {
    const body = JSON.stringify({
      clientOid,
      symbol: 'SOLUSDTM',
      side: 'buy',
      type: 'market',
      size: 1,
      leverage: 2,
    });
    return {
      method: 'POST',
      body,
      headers: signRequest(sim.credentials, 'POST', '/api/v1/orders', body, Date.now()),
    };
  };
  const placeOrder = (clientOid: string) => fetch(`${sim.url}/api/v1/orders`, placeRequest(clientOid));
  const byClientOid = (clientOid: string) =>
    [...sim.engine.orders.values()].find((o) => o.clientOid === clientOid);

  it('answers with 5xx or 429 without processing the request', async () => {
    sim.faults.set({ errorResponses: 1, errorStatus: 503 });
    const res = await placeOrder('f-503');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: '500000' });
    expect(byClientOid('f-503')).toBeUndefined();
    sim.faults.set({ errorResponses: 1, errorStatus: 429 });
    const limited = await fetch(`${sim.url}/api/v1/timestamp`);
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ code: '429000' });
    expect((await fetch(`${sim.url}/api/v1/timestamp`)).status).toBe(200);
  });

  it('drops a request: no answer and no order', async () => {
    sim.faults.set({ dropRequests: 1 });
    await expect(placeOrder('f-drop')).rejects.toThrow();
    expect(byClientOid('f-drop')).toBeUndefined();
  });

  it('loses the response after accepting the order: the order exists, the client never heard', async () => {
    sim.faults.set({ loseResponses: 1, pathPrefix: '/api/v1/orders' });
    await expect(placeOrder('f-lost')).rejects.toThrow();
    expect(byClientOid('f-lost')).toBeDefined();
    // Accepted first, matched on the next market step.
    await waitFor(() => byClientOid('f-lost')?.status === 'done');
    expect(byClientOid('f-lost')).toMatchObject({ status: 'done', filledSize: 1 });
    sim.faults.reset();
    expect((await placeOrder('f-after')).status).toBe(200);
  });

  // KUCOIN.md §2.2 / §5: a 429 carries gw-ratelimit-limit/remaining/reset like every other answer.
  it('sends the rate-limit headers with a faulted 429', async () => {
    sim.faults.set({ errorResponses: 1, errorStatus: 429 });
    const res = await fetch(`${sim.url}/api/v1/timestamp`);
    expect(res.status).toBe(429);
    expect(res.headers.get('gw-ratelimit-limit')).toBe('2000');
    expect(Number(res.headers.get('gw-ratelimit-remaining'))).toBeGreaterThanOrEqual(0);
    expect(Number(res.headers.get('gw-ratelimit-reset'))).toBeGreaterThan(0);
  });

  // KUCOIN.md §2.1: the SDK retries 5xx, so an order answered 5xx after it was placed is the case a client
  // must resolve by clientOid.
  it('processes then answers 5xx: the order exists, the answer is an error', async () => {
    sim.faults.set({ errorAfterProcessing: 1, errorStatus: 502, pathPrefix: '/api/v1/orders' });
    const res = await placeOrder('f-5xx-after');
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ code: '500000' });
    expect(byClientOid('f-5xx-after')).toBeDefined();
    await waitFor(() => byClientOid('f-5xx-after')?.status === 'done');
    expect(byClientOid('f-5xx-after')).toMatchObject({ status: 'done', filledSize: 1 });
    sim.faults.reset();
  });

  it('delays the answer after processing on the chosen paths only', async () => {
    sim.faults.set({ delayAfterMs: 400, pathPrefix: '/api/v1/orders' });
    const t0 = Date.now();
    const pending = placeOrder('f-delay-after');
    await waitFor(() => byClientOid('f-delay-after'));
    expect(Date.now() - t0).toBeLessThan(400);
    expect((await pending).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    const t1 = Date.now();
    await fetch(`${sim.url}/api/v1/timestamp`);
    expect(Date.now() - t1).toBeLessThan(400);
    sim.faults.reset();
  });

  it('queues a placement at the gateway: placed late, even after its client has given up', async () => {
    sim.faults.set({ queueRequests: 2, queueMs: 600, pathPrefix: '/api/v1/orders' });
    const t0 = Date.now();
    // The client gives up after 200 ms: nothing is placed yet, and the order appears later all the same.
    await expect(
      fetch(`${sim.url}/api/v1/orders`, { ...placeRequest('f-queued'), signal: AbortSignal.timeout(200) }),
    ).rejects.toThrow();
    expect(byClientOid('f-queued')).toBeUndefined();
    await waitFor(() => byClientOid('f-queued'));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(600);
    // A client still waiting gets its answer once the request is processed.
    const t1 = Date.now();
    expect(await (await placeOrder('f-queued-answered')).json()).toMatchObject({ code: '200000' });
    expect(Date.now() - t1).toBeGreaterThanOrEqual(600);
    expect(byClientOid('f-queued-answered')).toBeDefined();
    // Only the next N: the third is placed at once.
    const t2 = Date.now();
    expect((await placeOrder('f-queued-after')).status).toBe(200);
    expect(Date.now() - t2).toBeLessThan(600);
    sim.faults.reset();
  });

  it('refuses the next N orders with a chosen business code over HTTP 200', async () => {
    await fetch(`${sim.url}/sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ refuseOrders: 1, refuseCode: '300003' }),
    });
    const res = await placeOrder('f-refused');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ code: '300003' });
    expect(byClientOid('f-refused')).toBeUndefined();
    expect(await (await placeOrder('f-refused')).json()).toMatchObject({ code: '200000' });
  });

  it('switches behaviours over /sim/behaviour and rejects unknown ones', async () => {
    const set = await fetch(`${sim.url}/sim/behaviour`, {
      method: 'POST',
      body: JSON.stringify({ cancelStopsOnClose: true }),
    });
    expect(await set.json()).toMatchObject({ code: '200000', data: { cancelStopsOnClose: true } });
    expect(sim.engine.behaviour.cancelStopsOnClose).toBe(true);
    const bad = await fetch(`${sim.url}/sim/behaviour`, {
      method: 'POST',
      body: JSON.stringify({ cancelStopsOnClose: 'yes' }),
    });
    expect(bad.status).toBe(400);
    sim.engine.setBehaviour({ cancelStopsOnClose: false });
  });

  // Issue #11 item 9: ADL over the admin path; the fill lists under KuCoin's tradeTypes=adl filter
  // (kucoin-spec/order.txt: tradeType trade|liquid|adl|settlement).
  it('auto-deleverages part of a position over /sim/adl; the fill lists under tradeTypes=adl', async () => {
    const body = JSON.stringify({
      clientOid: 'f-adl',
      symbol: 'ETHUSDTM',
      side: 'buy',
      type: 'market',
      size: 3,
      leverage: 2,
    });
    await fetch(`${sim.url}/api/v1/orders`, {
      method: 'POST',
      body,
      headers: signRequest(sim.credentials, 'POST', '/api/v1/orders', body, Date.now()),
    });
    await waitFor(() => sim.engine.positions.get('ETHUSDTM')?.qty === 3);
    const adl = await fetch(`${sim.url}/sim/adl`, {
      method: 'POST',
      body: JSON.stringify({ symbol: 'ETHUSDTM', lots: 2 }),
    });
    expect(await adl.json()).toMatchObject({ code: '200000', data: { symbol: 'ETHUSDTM', qty: 1 } });
    const path = '/api/v1/fills?symbol=ETHUSDTM&tradeTypes=adl';
    const fills = await fetch(`${sim.url}${path}`, {
      headers: signRequest(sim.credentials, 'GET', path, '', Date.now()),
    });
    const items = ((await fills.json()) as { data: { items: Record<string, unknown>[] } }).data.items;
    expect(items).toMatchObject([{ tradeType: 'adl', size: 2, side: 'sell' }]);
    const none = await fetch(`${sim.url}/sim/adl`, {
      method: 'POST',
      body: JSON.stringify({ symbol: 'XBTUSDTM' }),
    });
    expect(await none.json()).toMatchObject({ code: '300009' });
  });

  it('is switchable over the admin path and rejects unknown switches', async () => {
    const set = await fetch(`${sim.url}/sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ delayMs: 1 }),
    });
    expect(await set.json()).toMatchObject({ code: '200000', data: { delayMs: 1 } });
    const bad = await fetch(`${sim.url}/sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ explode: true }),
    });
    expect(bad.status).toBe(400);
    await fetch(`${sim.url}/sim/faults/reset`, { method: 'POST' });
    expect(sim.faults.get().delayMs).toBe(0);
  });
});
