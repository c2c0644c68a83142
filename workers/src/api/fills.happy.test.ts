import { fillSchema } from '@enigma/core/api/responses';
import { fills } from '@enigma/db/schema/index';
import { beforeAll, describe, expect, it } from 'vitest';
import { useApiHarness } from '../../test/node-harness.ts';

// GET /api/fills answers exactly the fields of core's fillSchema, newest first, filtered by contract
// and by a [from, to) window on the fill time, at most `limit` rows.

const t = useApiHarness('viewer');
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const at = (min: number) => new Date(T0 + min * 60_000);

beforeAll(async () => {
  await t.h.db.insert(fills).values([
    {
      tradeId: 'x1',
      symbol: 'XBTUSDTM',
      side: 'buy',
      price: '64000.5',
      size: 3,
      fee: '0.1152',
      filledAt: at(0),
    },
    {
      tradeId: 'x2',
      symbol: 'XBTUSDTM',
      side: 'sell',
      price: '64100',
      size: 1,
      fee: '0.0384',
      filledAt: at(5),
    },
    { tradeId: 'x3', symbol: 'XBTUSDTM', side: 'sell', price: '64200', size: 2, filledAt: at(10) },
    { tradeId: 'e1', symbol: 'ETHUSDTM', side: 'buy', price: '3100.25', size: 7, filledAt: at(6) },
  ]);
});

describe('GET /api/fills', () => {
  it('every fill, newest first, with exactly the schema fields (decimals as strings)', async () => {
    const r = await t.call('GET', '/api/fills', { token: t.token });
    expect(r.status).toBe(200);
    expect(r.json.items.map((f: { tradeId: string }) => f.tradeId)).toEqual(['x3', 'e1', 'x2', 'x1']);
    for (const f of r.json.items) {
      expect(Object.keys(f).sort()).toEqual(Object.keys(fillSchema.shape).sort());
      fillSchema.parse(f);
    }
    expect(r.json.items[3]).toMatchObject({
      side: 'buy',
      price: '64000.5',
      size: 3,
      fee: '0.1152',
      filledAt: at(0).toISOString(),
    });
    expect(r.text).not.toContain('createdAt');
    expect(r.text).not.toContain('accountId');
  });

  it('by symbol, from (inclusive), to (exclusive) and limit', async () => {
    const ids = async (q: string) =>
      (await t.call('GET', `/api/fills?${q}`, { token: t.token })).json.items.map(
        (f: { tradeId: string }) => f.tradeId,
      );
    expect(await ids('symbol=ETHUSDTM')).toEqual(['e1']);
    expect(await ids(`symbol=XBTUSDTM&from=${at(5).toISOString()}`)).toEqual(['x3', 'x2']);
    expect(await ids(`symbol=XBTUSDTM&to=${at(5).toISOString()}`)).toEqual(['x1']);
    expect(await ids(`from=${at(5).toISOString()}&to=${at(10).toISOString()}`)).toEqual(['e1', 'x2']);
    expect(await ids('limit=2')).toEqual(['x3', 'e1']);
    expect(await ids('symbol=SOLUSDTM')).toEqual([]);
  });

  it('is in the OpenAPI document with its Fill schema', async () => {
    const doc = (await t.call('GET', '/api/openapi.json')).json;
    const op = doc.paths['/fills'].get;
    expect(op.parameters.map((p: { name: string }) => p.name).sort()).toEqual([
      'from',
      'limit',
      'symbol',
      'to',
    ]);
    expect(JSON.stringify(op.responses['200'])).toContain('#/components/schemas/Fill');
  });
});
