import { breakerSchema, killSwitchSchema, riskStateSchema } from '@enigma/core/api/responses';
import { STREAMS } from '@enigma/core/bus/index';
import { DEFAULT_STRATEGY, strategyConfigSchema } from '@enigma/core/engine/strategy';
import { BREAKER_NAMES, DEFAULT_RISK_LIMITS } from '@enigma/core/risk/limits';
import { auditLog, circuitBreakers, commands } from '@enigma/db/schema/index';
import { desc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { loginAs, useApiHarness } from '../../test/node-harness.ts';

// GET /api/risk, PUT /api/risk/kill-switch, PUT /api/settings/risk-limits,
// POST /api/risk/breakers/{name}/reset, GET/PUT /api/settings/strategies/{source}: exact bodies.

const t = useApiHarness('admin');

const lastAudit = async () => (await t.h.db.select().from(auditLog).orderBy(desc(auditLog.seq)).limit(1))[0];

describe('risk: happy paths', () => {
  it('GET /api/risk answers exactly the RiskState schema: defaults in force, switch off, every breaker active', async () => {
    const { token } = await loginAs(t.h, 'viewer');
    const r = await t.call('GET', '/api/risk', { token });
    expect(r.status).toBe(200);
    expect(riskStateSchema.parse(r.json)).toEqual(r.json);
    expect(r.json).toEqual({
      limits: {},
      effective: JSON.parse(JSON.stringify(DEFAULT_RISK_LIMITS)),
      limitsError: null,
      killSwitch: {
        on: false,
        reason: null,
        flatten: false,
        updatedBy: null,
        updatedAt: null,
        commandId: null,
      },
      // none written yet: each of the engine's breakers is listed, active
      breakers: BREAKER_NAMES.map((name) => ({
        name,
        state: 'active',
        reason: null,
        trippedAt: null,
        resumeAt: null,
        updatedBy: null,
        equityPeak: null,
      })),
    });
  });

  it('PUT /api/risk/kill-switch stores the state with its command (stored, audited, on the commands stream)', async () => {
    const before = t.h.bus.entries.length;
    const r = await t.call('PUT', '/api/risk/kill-switch', {
      token: t.token,
      body: { on: true, reason: 'exchange incident', flatten: true },
    });
    expect(r.status).toBe(200);
    expect(killSwitchSchema.parse(r.json)).toEqual(r.json);
    expect(r.json).toEqual({
      on: true,
      reason: 'exchange incident',
      flatten: true,
      updatedBy: expect.any(String),
      updatedAt: new Date(t.h.clock.now).toISOString(),
      commandId: expect.any(String),
    });
    const [cmd] = await t.h.db.select().from(commands).where(eq(commands.id, r.json.commandId));
    expect(cmd).toMatchObject({
      type: 'kill_switch',
      command: { type: 'kill_switch', on: true, reason: 'exchange incident', flatten: true },
    });
    expect(await lastAudit()).toMatchObject({ action: 'command.kill_switch', entityId: r.json.commandId });
    const appended = t.h.bus.entries.slice(before);
    expect(appended).toHaveLength(1);
    expect(appended[0]).toMatchObject({
      stream: STREAMS.commands,
      payload: { commandId: r.json.commandId, command: { type: 'kill_switch', on: true } },
    });
    const state = await t.call('GET', '/api/risk', { token: t.token });
    expect(state.json.killSwitch).toEqual(r.json);

    // and off again, with a reason; flatten defaults to false
    const off = await t.call('PUT', '/api/risk/kill-switch', {
      token: t.token,
      body: { on: false, reason: 'resolved' },
    });
    expect(off.json).toMatchObject({ on: false, reason: 'resolved', flatten: false });
    expect((await t.call('GET', '/api/risk', { token: t.token })).json.killSwitch).toEqual(off.json);
  });

  it('PUT /api/settings/risk-limits stores exactly the limits given, audited; the rest keep their defaults', async () => {
    const body = { maxLeverage: 3, maxOpenPositions: 2, maxDrawdownPct: '2.5' };
    const r = await t.call('PUT', '/api/settings/risk-limits', { token: t.token, body });
    expect(r.status).toBe(200);
    expect(r.json).toEqual(body);
    expect(await lastAudit()).toMatchObject({
      action: 'risk_limits.set',
      entityId: 'risk.limits',
      data: body,
    });
    const state = await t.call('GET', '/api/risk', { token: t.token });
    expect(riskStateSchema.parse(state.json)).toEqual(state.json);
    expect(state.json.limits).toEqual(body);
    expect(state.json.effective).toEqual({ ...JSON.parse(JSON.stringify(DEFAULT_RISK_LIMITS)), ...body });
    expect(state.json.limitsError).toBeNull();
  });

  it('POST /api/risk/breakers/{name}/reset sets a tripped breaker active, audited with what it was', async () => {
    await t.h.db.insert(circuitBreakers).values({
      scope: 'daily_loss',
      state: 'halted',
      reason: 'daily loss 3.1% > 3%',
      trippedAt: new Date(t.h.clock.now - 60_000),
      resumeAt: new Date(t.h.clock.now + 3_600_000),
      updatedBy: 'engine',
    });
    const r = await t.call('POST', '/api/risk/breakers/daily_loss/reset', {
      token: t.token,
      body: { reason: 'reviewed the losses' },
    });
    expect(r.status).toBe(200);
    expect(breakerSchema.parse(r.json)).toEqual(r.json);
    expect(r.json).toEqual({
      name: 'daily_loss',
      state: 'active',
      reason: null,
      trippedAt: null,
      resumeAt: null,
      updatedBy: expect.any(String),
      equityPeak: null,
    });
    expect(await lastAudit()).toMatchObject({
      action: 'breaker.reset',
      entityId: 'daily_loss',
      data: { reason: 'reviewed the losses', was: 'halted', wasReason: 'daily loss 3.1% > 3%' },
    });
    const state = await t.call('GET', '/api/risk', { token: t.token });
    const listed = state.json.breakers as { name: string }[];
    expect(listed.map((b) => b.name)).toEqual([...BREAKER_NAMES]);
    expect(listed.find((b) => b.name === 'daily_loss')).toEqual(r.json);
  });

  it('GET /api/risk shows the equity peak the drawdown breaker measures from (the dashboard draws its limit from it)', async () => {
    await t.h.db.insert(circuitBreakers).values([
      { scope: 'drawdown', state: 'active', data: { equityPeak: '100250.5' }, updatedBy: 'engine' },
      // a stored value that is not a decimal is not passed on
      { scope: 'stale_data', state: 'active', data: { equityPeak: '1e9' }, updatedBy: 'engine' },
    ]);
    const state = await t.call('GET', '/api/risk', { token: t.token });
    expect(riskStateSchema.parse(state.json)).toEqual(state.json);
    const byName = Object.fromEntries(
      (state.json.breakers as { name: string; equityPeak: string | null }[]).map((b) => [
        b.name,
        b.equityPeak,
      ]),
    );
    expect(byName).toMatchObject({ drawdown: '100250.5', stale_data: null });
  });

  it('PUT then GET /api/settings/strategies/{source}: the stored strategy, exactly, audited', async () => {
    const body = { ...DEFAULT_STRATEGY, leverage: 3, symbols: { XBTUSDTM: { leverage: 2 } } };
    const put = await t.call('PUT', '/api/settings/strategies/tv-fast', { token: t.token, body });
    expect(put.status).toBe(200);
    expect(put.json).toEqual(strategyConfigSchema.parse(body));
    expect(await lastAudit()).toMatchObject({ action: 'strategy.set', entityId: 'strategy:tv-fast' });
    const { token } = await loginAs(t.h, 'viewer');
    const get = await t.call('GET', '/api/settings/strategies/tv-fast', { token });
    expect(get.status).toBe(200);
    expect(get.json).toEqual(put.json);
  });
});
