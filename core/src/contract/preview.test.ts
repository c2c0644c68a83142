import { describe, expect, it } from 'vitest';
import { toMoney } from '../money.ts';
import { type OrderPreviewInput, type PreviewRiskState, previewOrder } from './preview.ts';
import { CONTRACTS } from './specs.ts';

const XBT = CONTRACTS.XBTUSDTM!;
const base: OrderPreviewInput = {
  spec: XBT,
  side: 'buy',
  lots: 10,
  price: toMoney('60000'),
  leverage: 10,
  marginMode: 'isolated',
  liquidity: 'taker',
  reduceOnly: false,
};
const calm: PreviewRiskState = { killSwitchOn: false, limits: {}, currentLots: 0, openPositions: 0 };

describe('previewOrder', () => {
  it('prices a 10-lot 10× long: notional 600, margin 60, liquidation from the first tier', () => {
    const p = previewOrder({ ...base, stopLoss: toMoney('59000') }, calm);
    expect(p.notional.toString()).toBe('600');
    expect(p.margin.toString()).toBe('60');
    // 600 × 0.0006 at entry + 590 × 0.0006 at the stop
    expect(p.fees.toString()).toBe('0.714');
    // the closer of KuCoin's two formulas (the engine's check judges the same one): with the close fee
    // in the maintenance margin, 60000 × (1 − (0.1 − 0.004 − 1.1 × 0.0006)) = 54279.6, against the
    // current 60000 × 0.9 / 0.9954 = 54249.5 (the classic one without fees: 54240)
    expect(p.liquidationPrice?.toString()).toBe('54279.6');
    expect(p.stopDistance?.toString()).toBe('1000');
    expect(p.worstCaseLoss.toString()).toBe('10.714');
    expect(p.allowed).toBe(true);
  });

  it('blocks on the kill switch, limits, a stop beyond liquidation and an unaligned price', () => {
    const p = previewOrder(
      { ...base, leverage: 50, price: toMoney('60000.05'), stopLoss: toMoney('58000') },
      {
        killSwitchOn: true,
        limits: {
          maxLeverage: 20,
          maxPositionLots: { XBTUSDTM: 5 },
          maxOpenPositions: 0,
          maxOrderLots: 5,
          minLiquidationDistanceMultiple: '2',
        },
        currentLots: 0,
        openPositions: 0,
      },
    );
    const failed = p.checks.filter((c) => !c.ok).map((c) => c.code);
    expect(failed).toEqual(
      expect.arrayContaining([
        'tick',
        'kill_switch',
        'max_leverage',
        'max_position',
        'max_open_positions',
        'stop_before_liquidation',
        'order_size',
      ]),
    );
    expect(p.allowed).toBe(false);
  });

  it('says what a refused size is and what the limit is, in lots and USDT (only the limits set)', () => {
    const message = (limits: PreviewRiskState['limits'], equity?: string) =>
      previewOrder(
        { ...base, stopLoss: toMoney('59000') },
        { ...calm, limits, ...(equity ? { equity: toMoney(equity) } : {}) },
      )
        .checks.filter((c) => !c.ok)
        .map((c) => c.message);
    expect(message({ maxOrderLots: 5, maxOrderNotional: '100' })).toEqual([
      'order of 10 lots (600.00 USDT) against the order limit of 5 lots and 100 USDT',
    ]);
    expect(message({ maxOrderNotional: '100' })).toEqual([
      'order of 10 lots (600.00 USDT) against the order limit of 100 USDT',
    ]);
    expect(message({ maxPositionNotional: '500' })).toEqual([
      'position after the order 600.00 USDT against the 500 USDT limit',
    ]);
    expect(message({ riskPerTradePct: '1' }, '1000')).toEqual([
      'worst-case loss 10.71 USDT against 1% of equity (10.00 USDT)',
    ]);
  });

  it('lets a reduce-only order through the kill switch and warns, without blocking, on a missing stop', () => {
    const closing = previewOrder(
      { ...base, side: 'sell', reduceOnly: true },
      { ...calm, killSwitchOn: true, currentLots: 10, openPositions: 1 },
    );
    expect(closing.allowed).toBe(true);
    const naked = previewOrder(base, calm);
    expect(naked.checks.find((c) => c.code === 'stop_loss')).toMatchObject({ ok: false, blocking: false });
    expect(naked.allowed).toBe(true);
    expect(naked.worstCaseLoss.toString()).toBe('60.72');
  });

  it('quotes the liquidation price a refused stop is compared with at enough places to differ from it', () => {
    // entry 60001.7, liquidation 54281.137922: at the tick it reads 54281.1, the stop's own price
    const p = previewOrder({ ...base, price: toMoney('60001.7'), stopLoss: toMoney('54281.1') }, calm);
    expect(p.checks.find((c) => c.code === 'stop_before_liquidation')).toMatchObject({
      ok: false,
      message: 'the stop must trigger before liquidation at 54281.14',
    });
  });

  it('asks for liquidation at least the configured multiple of the stop distance away', () => {
    const limits = { minLiquidationDistanceMultiple: '2' };
    // entry 60000, liquidation 54240 (5760 away): a stop 3000 away passes, 3000 × 2 > 5760 blocks
    const near = previewOrder({ ...base, stopLoss: toMoney('57000') }, { ...calm, limits });
    expect(near.checks.find((c) => c.code === 'liquidation_distance')).toMatchObject({ ok: false });
    const far = previewOrder({ ...base, stopLoss: toMoney('58000') }, { ...calm, limits });
    expect(far.checks.find((c) => c.code === 'liquidation_distance')).toMatchObject({ ok: true });
  });

  it('checks risk per trade against equity when equity is known', () => {
    const p = previewOrder(
      { ...base, stopLoss: toMoney('59000') },
      { ...calm, limits: { riskPerTradePct: '0.5' }, equity: toMoney('1000') },
    );
    expect(p.checks.find((c) => c.code === 'risk_per_trade')).toMatchObject({ ok: false, blocking: true });
  });

  it("estimates an isolated order at the level selected on the contract, not the one its value falls in, as the engine's check judges it", () => {
    const stopped = { ...base, stopLoss: toMoney('59000') };
    const limits = { minLiquidationDistanceMultiple: '4' };
    // 600 USDT falls in level 1 (0.4 %); the account selected level 7 (5 %, up to 8,000,000 USDT, 10×)
    const level7 = { level: 7, maintainMargin: toMoney('0.05'), maxNotional: toMoney('8000000') };
    const at = new Date('2026-01-01T12:00:00Z');
    const p = previewOrder(stopped, { ...calm, limits, selectedLevel: { ...level7, at } });
    expect(p.riskLevel).toMatchObject({ level: 7, basis: 'selected', maxLeverage: 10, readAt: at });
    expect(p.riskLevel.message).toBe(
      'risk-limit level 7 selected on XBTUSDTM (maintenance 5 %, positions up to 8000000 USDT), as the engine read it at 2026-01-01T12:00:00.000Z',
    );
    // 60000 × (1 − (0.1 − 0.05 − 1.1 × 0.0006)) = 57039.6, against 54279.6 at level 1: 2960.4 from entry,
    // under 4× the 1000 stop distance (the engine blocks it: liquidation_distance)
    expect(p.liquidationPrice?.toString()).toBe('57039.6');
    expect(p.checks.find((c) => c.code === 'liquidation_distance')).toMatchObject({
      ok: false,
      blocking: true,
    });
    expect(p.allowed).toBe(false);
    // the level's leverage cap, not the one of the level the value falls in (125×)
    const levered = previewOrder({ ...stopped, leverage: 20 }, { ...calm, selectedLevel: level7 });
    expect(levered.checks.find((c) => c.code === 'contract_leverage')).toMatchObject({
      ok: false,
      message: 'leverage 20× against 10× allowed at the selected risk-limit level 7',
    });
    // a reported cap below the table's is the one in force (KuCoin refuses past it, 300005)
    const capped = previewOrder(stopped, {
      ...calm,
      selectedLevel: { level: 1, maintainMargin: toMoney('0.004'), maxNotional: toMoney('500') },
    });
    expect(capped.checks.find((c) => c.code === 'risk_limit')).toMatchObject({ ok: false, blocking: true });

    // no level known (none stored, or the contract was read in cross margin): the value's level, said so
    const unknown = { level: null, maintainMargin: null, maxNotional: null };
    for (const selectedLevel of [undefined, unknown]) {
      const fallback = previewOrder(stopped, { ...calm, limits, selectedLevel });
      expect(fallback.liquidationPrice?.toString()).toBe('54279.6');
      expect(fallback.allowed).toBe(true);
      expect(fallback.riskLevel).toMatchObject({ level: 1, basis: 'order_value', readAt: null });
      expect(fallback.riskLevel.message).toMatch(/^no risk-limit level selected on XBTUSDTM is known/);
    }
    // cross margin: KuCoin applies the level the value falls in, whatever was selected
    const cross = previewOrder({ ...stopped, marginMode: 'cross' }, { ...calm, selectedLevel: level7 });
    expect(cross.riskLevel).toMatchObject({ level: 1, basis: 'order_value' });
    expect(cross.riskLevel.message).toMatch(/^cross margin: level 1/);
  });

  it("estimates liquidation at the engine check's maintenance rate: the level's, never below the contract's own", () => {
    // a selected level the table does not list (found neither by number nor by cap), reported at 0.1 %:
    // the engine's check judges it at the contract's 0.4 % (its first level's), so the preview does too
    const unlisted = { level: 99, maintainMargin: toMoney('0.001'), maxNotional: toMoney('123456') };
    const p = previewOrder({ ...base, stopLoss: toMoney('59000') }, { ...calm, selectedLevel: unlisted });
    expect(p.riskLevel).toMatchObject({ level: 99, basis: 'selected' });
    expect(p.riskLevel.maintainMargin.toString()).toBe('0.004');
    // 60000 × (1 − (0.1 − 0.004 − 1.1 × 0.0006)) = 54279.6 (at the reported 0.1 %: 54099.6)
    expect(p.liquidationPrice?.toString()).toBe('54279.6');
  });

  it("caps leverage at a selected level the table does not list as the engine's check does: at the contract's maximum", () => {
    const unlisted = { level: 99, maintainMargin: toMoney('0.001'), maxNotional: toMoney('123456') };
    // 25,000 lots at 60,000 = 1,500,000 USDT, in level 4 (50×): the engine allows 75×, up to the contract's 125×
    const p = previewOrder({ ...base, lots: 25_000, leverage: 75 }, { ...calm, selectedLevel: unlisted });
    expect(p.riskLevel).toMatchObject({ level: 99, basis: 'selected', maxLeverage: 125 });
    expect(p.checks.find((c) => c.code === 'contract_leverage')).toMatchObject({ ok: true });
  });

  it("values the position after the order as the engine's check does, at the higher of the order price and the mark", () => {
    // the selected level allows positions up to 600 USDT; a 10-lot buy limit at 59,000 is 590 USDT, but
    // with the mark at 61,000 the engine values it at 610 and refuses it (risk_limit)
    const selectedLevel = { level: 1, maintainMargin: toMoney('0.004'), maxNotional: toMoney('600') };
    const below = { ...base, price: toMoney('59000'), stopLoss: toMoney('58000') };
    const p = previewOrder(below, { ...calm, selectedLevel, mark: toMoney('61000') });
    expect(p.checks.find((c) => c.code === 'risk_limit')).toMatchObject({
      ok: false,
      blocking: true,
      message:
        'position after the order 610.00 USDT (at the mark 61000.0, above the order price, as the engine values it) against 600 USDT allowed at the selected risk-limit level 1',
    });
    expect(p.allowed).toBe(false);
    // a mark below the price: valued at the price (590, allowed); no mark known: at the price, said so
    const lower = previewOrder(below, { ...calm, selectedLevel, mark: toMoney('58500') });
    expect(lower.checks.find((c) => c.code === 'risk_limit')).toMatchObject({ ok: true });
    const unknown = previewOrder(below, { ...calm, selectedLevel });
    expect(unknown.checks.find((c) => c.code === 'risk_limit')).toMatchObject({
      ok: true,
      message: expect.stringContaining('no recent mark known'),
    });
  });

  it("estimates a cross order (and an isolated one with no selected level known) at the level the position after it falls in, as the engine's check", () => {
    // 2,000 lots held at 60,000 = 120,000 USDT: with the 10-lot buy, 120,600 USDT is in level 2 (0.5 %,
    // 100×), though the order's own 600 USDT is in level 1
    const held = { ...calm, currentLots: 2000, openPositions: 1 };
    const cross = previewOrder({ ...base, marginMode: 'cross' }, held);
    expect(cross.riskLevel).toMatchObject({ level: 2, basis: 'order_value', maxLeverage: 100 });
    expect(cross.riskLevel.maintainMargin.toString()).toBe('0.005');
    expect(cross.riskLevel.message).toBe(
      'cross margin: level 2 (maintenance 0.5 %), the one the position after the order (120600.00 USDT) falls in',
    );
    const isolated = previewOrder({ ...base, stopLoss: toMoney('59000') }, held);
    expect(isolated.riskLevel).toMatchObject({ level: 2, basis: 'order_value' });
    // 60000 × (1 − (0.1 − 0.005 − 1.1 × 0.0006)) = 54339.6 (level 1's: 54279.6)
    expect(isolated.liquidationPrice?.toString()).toBe('54339.6');
    // a sell that shrinks it to 1,990 lots (119,400 USDT) stays in level 2; flat, the order alone, level 1
    expect(previewOrder({ ...base, side: 'sell', marginMode: 'cross' }, held).riskLevel.level).toBe(2);
    expect(previewOrder({ ...base, marginMode: 'cross' }, calm).riskLevel.message).toMatch(
      /\(600\.00 USDT, the order alone\) falls in$/,
    );
  });

  it("values the position after the order at the mark against maxPositionNotional, as the engine's check (position_limit)", () => {
    const limits = { maxPositionNotional: '600' };
    const buy = { ...base, price: toMoney('59000'), stopLoss: toMoney('58000') };
    // 10 lots: 590 USDT at the price, 610 at a 61,000 mark (the engine refuses it)
    expect(
      previewOrder(buy, { ...calm, limits, mark: toMoney('61000') }).checks.find(
        (c) => c.code === 'position_notional',
      ),
    ).toMatchObject({
      ok: false,
      message: 'position after the order 610.00 USDT at the mark 61000.0 against the 600 USDT limit',
    });
    // no mark known: at the price
    expect(
      previewOrder(buy, { ...calm, limits }).checks.find((c) => c.code === 'position_notional'),
    ).toMatchObject({ ok: true, message: 'position after the order 590.00 USDT against the 600 USDT limit' });
  });
});
