import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from './http/auth.ts';
import type { RunningSimulator } from './server.ts';
import { startTestSimulator } from './test-helpers.ts';

describe('fault injection', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startTestSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });

  const placeOrder = (clientOid: string) => {
    const body = JSON.stringify({
      clientOid,
      symbol: 'SOLUSDTM',
      side: 'buy',
      type: 'market',
      size: 1,
      leverage: 2,
    });
    return fetch(`${sim.url}/api/v1/orders`, {
      method: 'POST',
      body,
      headers: signRequest(sim.credentials, 'POST', '/api/v1/orders', body, Date.now()),
    });
  };
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
    expect(byClientOid('f-lost')).toMatchObject({ status: 'done', filledSize: 1 });
    sim.faults.reset();
    expect((await placeOrder('f-after')).status).toBe(200);
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
