import { describe, expect, it } from 'vitest';
import { loginAs, useApiHarness } from '../../test/node-harness.ts';

// The risk routes' refusals: each a 4xx with its documented code, naming the field.

const t = useApiHarness('admin');

const strategy = { mode: 'signal' }; // incomplete on purpose where a valid one is not needed

describe('risk: errors', () => {
  it('401 without a token on every risk route', async () => {
    for (const [method, path, body] of [
      ['GET', '/api/risk', undefined],
      ['PUT', '/api/risk/kill-switch', { on: true, reason: 'x' }],
      ['PUT', '/api/settings/risk-limits', { maxLeverage: 2 }],
      ['POST', '/api/risk/breakers/daily_loss/reset', { reason: 'x' }],
      ['GET', '/api/settings/strategies/tradingview', undefined],
      ['PUT', '/api/settings/strategies/tradingview', strategy],
    ] as const) {
      const r = await t.call(method, path, body ? { body } : {});
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(r.json.error.code).toBe('unauthorized');
    }
  });

  it.each([
    [{ reason: 'no state' }, 'on'],
    [{ on: 'yes', reason: 'x' }, 'on'],
    [{ on: true }, 'reason'],
    [{ on: true, reason: '' }, 'reason'],
    [{ on: true, reason: 'x'.repeat(501) }, 'reason'],
    [{ on: true, reason: 'x', flatten: 'yes' }, 'flatten'],
  ])('PUT /api/risk/kill-switch %j: 422 naming %s', async (body, field) => {
    const r = await t.call('PUT', '/api/risk/kill-switch', { token: t.token, body });
    expect(r.status).toBe(422);
    expect(r.json.error.code).toBe('validation_failed');
    expect(r.json.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
  });

  it('PUT /api/risk/kill-switch with an unknown field: 422 (strict), nothing stored', async () => {
    const r = await t.call('PUT', '/api/risk/kill-switch', {
      token: t.token,
      body: { on: true, reason: 'x', force: true },
    });
    expect(r.status).toBe(422);
    expect(r.json.error.code).toBe('validation_failed');
    expect((await t.call('GET', '/api/risk', { token: t.token })).json.killSwitch.on).toBe(false);
  });

  it.each([
    [{ maxLeverage: 0 }, 'maxLeverage'],
    [{ maxLeverage: 2.5 }, 'maxLeverage'],
    [{ maxOrderLots: -1 }, 'maxOrderLots'],
    [{ maxDrawdownPct: 'ten' }, 'maxDrawdownPct'],
  ])('PUT /api/settings/risk-limits %j: 422 naming %s', async (body, field) => {
    const r = await t.call('PUT', '/api/settings/risk-limits', { token: t.token, body });
    expect(r.status).toBe(422);
    expect(r.json.error.code).toBe('validation_failed');
    expect(r.json.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
  });

  it('POST /api/risk/breakers/{name}/reset: 422 for an unknown breaker or a missing reason', async () => {
    const unknown = await t.call('POST', '/api/risk/breakers/everything/reset', {
      token: t.token,
      body: { reason: 'x' },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.json.error.details.issues.map((i: { path: string }) => i.path)).toContain('name');
    const noReason = await t.call('POST', '/api/risk/breakers/daily_loss/reset', {
      token: t.token,
      body: {},
    });
    expect(noReason.status).toBe(422);
    expect(noReason.json.error.details.issues.map((i: { path: string }) => i.path)).toContain('reason');
  });

  it('strategies: 404 for a source without one, 422 for a bad source name or strategy', async () => {
    const missing = await t.call('GET', '/api/settings/strategies/nobody', { token: t.token });
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('not_found');
    const badName = await t.call('GET', '/api/settings/strategies/Bad%20Name', { token: t.token });
    expect(badName.status).toBe(422);
    expect(badName.json.error.details.issues.map((i: { path: string }) => i.path)).toContain('source');
    const bad = await t.call('PUT', '/api/settings/strategies/tv', {
      token: t.token,
      body: { ...strategy, enabled: 'yes' },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.error.details.issues.map((i: { path: string }) => i.path)).toContain('enabled');
  });

  it('an empty body is 422 on every risk route that takes one; text is 415', async () => {
    for (const [method, path] of [
      ['PUT', '/api/risk/kill-switch'],
      ['PUT', '/api/settings/risk-limits'],
      ['POST', '/api/risk/breakers/daily_loss/reset'],
      ['PUT', '/api/settings/strategies/tradingview'],
    ] as const) {
      const empty = await t.h.app.request(path, { method, headers: { authorization: `Bearer ${t.token}` } });
      expect(empty.status, `${method} ${path}`).toBe(422);
      expect(((await empty.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
      const text = await t.h.app.request(path, {
        method,
        headers: { authorization: `Bearer ${t.token}`, 'content-type': 'text/plain' },
        body: 'on=false',
      });
      expect(text.status, `${method} ${path}`).toBe(415);
    }
  });

  it('403 below admin for every change; a viewer may read', async () => {
    for (const role of ['viewer', 'trader'] as const) {
      const { token } = await loginAs(t.h, role);
      expect((await t.call('GET', '/api/risk', { token })).status).toBe(200);
      for (const [method, path, body] of [
        ['PUT', '/api/risk/kill-switch', { on: true, reason: 'x' }],
        ['PUT', '/api/settings/risk-limits', { maxLeverage: 2 }],
        ['POST', '/api/risk/breakers/daily_loss/reset', { reason: 'x' }],
        ['PUT', '/api/settings/strategies/tradingview', strategy],
      ] as const) {
        const r = await t.call(method, path, { token, body });
        expect(r.status, `${role} ${method} ${path}`).toBe(403);
        expect(r.json.error.code).toBe('forbidden');
      }
    }
  });
});
