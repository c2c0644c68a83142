import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Plan, planSignal, type SignalFacts } from './decide.ts';
import { DEFAULT_STRATEGY, type EffectiveStrategy, effectiveStrategy } from './strategy.ts';

const base = effectiveStrategy(DEFAULT_STRATEGY, 'XBTUSDTM');
const signalMode = (over: Partial<EffectiveStrategy> = {}): EffectiveStrategy => ({
  ...base,
  mode: 'signal',
  ...over,
});
const targetMode = (over: Partial<EffectiveStrategy> = {}): EffectiveStrategy => ({
  ...base,
  mode: 'target',
  allowScaleIn: true,
  ...over,
});
const ALL_ALLOWED = { allowOpen: true, allowClose: true, allowReverse: true, allowScaleIn: true };

const alert = (
  action: SignalFacts['action'],
  marketPosition: string | null = null,
  positionSize: string | null = null,
  size: string | null = null,
): SignalFacts => ({ action, marketPosition, positionSize, size });

/** The position after executing a plan (close leg first, then the opening leg; `sized` lots when the rule sizes it). */
function apply(qty: number, plan: Plan, sized = 4): number {
  if (plan.kind !== 'trade') return qty;
  expect(plan.closeLots).toBeGreaterThanOrEqual(0);
  expect(plan.closeLots).toBeLessThanOrEqual(Math.abs(qty)); // a close leg never goes through zero
  let q = qty - Math.sign(qty) * plan.closeLots;
  if (plan.open) {
    const lots = plan.open.lots ?? sized;
    expect(Number.isSafeInteger(lots) && lots > 0).toBe(true);
    q += plan.open.side === 'long' ? lots : -lots;
  }
  return q;
}

type Expect =
  | { none: string }
  | { blocked: string }
  | {
      close: number;
      open: ['long' | 'short', number | null, boolean] | null;
      label: string;
      target?: number | null;
    };

function check(plan: Plan, want: Expect) {
  if ('none' in want) return expect(plan).toMatchObject({ kind: 'none', code: want.none });
  if ('blocked' in want) return expect(plan).toMatchObject({ kind: 'blocked', code: want.blocked });
  expect(plan.kind).toBe('trade');
  if (plan.kind !== 'trade') return;
  expect(plan.closeLots).toBe(want.close);
  expect(plan.label).toBe(want.label);
  expect(plan.open ? [plan.open.side, plan.open.lots, plan.open.scaleIn] : null).toEqual(want.open);
  if (want.target !== undefined) expect(plan.targetQty).toBe(want.target);
}

describe('planSignal — signal mode, every action × position (default flags: scale-in off)', () => {
  const cases: [SignalFacts['action'], number, Expect][] = [
    ['buy', -3, { close: 3, open: ['long', null, false], label: 'reverse', target: null }],
    ['buy', 0, { close: 0, open: ['long', null, false], label: 'open', target: null }],
    ['buy', 3, { none: 'already_long' }],
    ['sell', 3, { close: 3, open: ['short', null, false], label: 'reverse', target: null }],
    ['sell', 0, { close: 0, open: ['short', null, false], label: 'open', target: null }],
    ['sell', -3, { none: 'already_short' }],
    ['close', 3, { close: 3, open: null, label: 'close', target: 0 }],
    ['close', -3, { close: 3, open: null, label: 'close', target: 0 }],
    ['close', 0, { none: 'already_flat' }],
    ['reverse', 3, { close: 3, open: ['short', null, false], label: 'reverse' }],
    ['reverse', -3, { close: 3, open: ['long', null, false], label: 'reverse' }],
    ['reverse', 0, { none: 'nothing_to_reverse' }],
  ];
  it.each(cases)('%s with position %i', (action, qty, want) => {
    check(planSignal(alert(action), signalMode(), qty), want);
  });

  it('scale-in when allowed adds a sized leg on the same side', () => {
    check(planSignal(alert('buy'), signalMode({ allowScaleIn: true }), 3), {
      close: 0,
      open: ['long', null, true],
      label: 'scale_in',
    });
    check(planSignal(alert('sell'), signalMode({ allowScaleIn: true }), -3), {
      close: 0,
      open: ['short', null, true],
      label: 'scale_in',
    });
  });
});

describe('planSignal — allow* flags and enabled', () => {
  const cases: [string, SignalFacts, EffectiveStrategy, number, Expect][] = [
    ['disabled', alert('buy'), signalMode({ enabled: false }), 0, { blocked: 'strategy_disabled' }],
    [
      'disabled (target)',
      alert('buy', 'long', '1'),
      targetMode({ enabled: false }),
      0,
      { blocked: 'strategy_disabled' },
    ],
    ['signal: open off', alert('buy'), signalMode({ allowOpen: false }), 0, { blocked: 'open_not_allowed' }],
    [
      'signal: close off',
      alert('close'),
      signalMode({ allowClose: false }),
      3,
      { blocked: 'close_not_allowed' },
    ],
    [
      'signal: reverse off falls back to a close',
      alert('buy'),
      signalMode({ allowReverse: false }),
      -3,
      { close: 3, open: null, label: 'close', target: 0 },
    ],
    [
      'signal: reverse and close off',
      alert('sell'),
      signalMode({ allowReverse: false, allowClose: false }),
      3,
      { blocked: 'reverse_not_allowed' },
    ],
    [
      'signal: reverse action with reverse off',
      alert('reverse'),
      signalMode({ allowReverse: false }),
      3,
      { close: 3, open: null, label: 'close', target: 0 },
    ],
    [
      'signal: partial exit with close off',
      alert('sell', 'long', '3', '1'),
      signalMode({ allowClose: false }),
      10,
      { blocked: 'close_not_allowed' },
    ],
    [
      'target: open off',
      alert('buy', 'long', '2'),
      targetMode({ allowOpen: false }),
      0,
      { blocked: 'open_not_allowed' },
    ],
    [
      'target: close off',
      alert('sell', 'flat', '0'),
      targetMode({ allowClose: false }),
      2,
      { blocked: 'close_not_allowed' },
    ],
    [
      'target: reduce off',
      alert('sell', 'long', '1'),
      targetMode({ allowClose: false }),
      2,
      { blocked: 'close_not_allowed' },
    ],
    [
      'target: reverse off',
      alert('sell', 'short', '2'),
      targetMode({ allowReverse: false }),
      2,
      { blocked: 'reverse_not_allowed' },
    ],
    [
      'target: scale-in off',
      alert('buy', 'long', '3'),
      targetMode({ allowScaleIn: false }),
      1,
      { blocked: 'scale_in_not_allowed' },
    ],
  ];
  it.each(cases)('%s', (_name, signal, config, qty, want) => {
    check(planSignal(signal, config, qty), want);
  });

  it('refuses a position that is not whole lots', () => {
    expect(() => planSignal(alert('buy'), signalMode(), 1.5)).toThrow(RangeError);
    expect(() => planSignal(alert('buy'), signalMode(), Number.NaN)).toThrow(RangeError);
  });
});

describe('planSignal — target mode (market_position × position_size × multiplier)', () => {
  const cases: [string | null, string | null, string, number, Expect][] = [
    ['long', '2', '1', -3, { close: 3, open: ['long', 2, false], label: 'reverse', target: 2 }],
    ['long', '2', '1', 0, { close: 0, open: ['long', 2, false], label: 'open', target: 2 }],
    ['long', '2', '1', 2, { none: 'at_target' }],
    ['long', '2', '1', 5, { close: 3, open: null, label: 'reduce', target: 2 }],
    ['long', '2', '1', 1, { close: 0, open: ['long', 1, true], label: 'scale_in', target: 2 }],
    ['flat', null, '1', 3, { close: 3, open: null, label: 'close', target: 0 }],
    ['flat', '0', '1', -3, { close: 3, open: null, label: 'close', target: 0 }],
    ['flat', null, '1', 0, { none: 'at_target' }],
    ['short', '2', '1', 3, { close: 3, open: ['short', 2, false], label: 'reverse', target: -2 }],
    ['short', '2', '1', 0, { close: 0, open: ['short', 2, false], label: 'open', target: -2 }],
    ['short', '2', '1', -2, { none: 'at_target' }],
    ['short', '2', '1', -5, { close: 3, open: null, label: 'reduce', target: -2 }],
    // lots = ⌊position_size × multiplier⌋, never rounded up
    ['long', '3', '0.5', 0, { close: 0, open: ['long', 1, false], label: 'open', target: 1 }],
    ['short', '0.25', '10', 0, { close: 0, open: ['short', 2, false], label: 'open', target: -2 }],
    ['long', '0.004', '1000', 0, { close: 0, open: ['long', 4, false], label: 'open', target: 4 }],
    [' Long ', '1', '1', 0, { close: 0, open: ['long', 1, false], label: 'open', target: 1 }],
    ['SHORT', '1', '1', -1, { none: 'at_target' }],
    // missing or unknown fields block instead of guessing
    [null, '2', '1', 0, { blocked: 'target_fields_missing' }],
    ['sideways', '2', '1', 3, { blocked: 'target_fields_missing' }],
    ['long', null, '1', 0, { blocked: 'target_fields_missing' }],
  ];
  it.each(cases)('market_position %s, size %s × %s from %i', (mp, ps, multiplier, qty, want) => {
    check(planSignal(alert('buy', mp, ps), targetMode({ multiplier }), qty), want);
  });

  it('a malformed position_size blocks, never trades (no NaN/Infinity lots, no close of the position)', () => {
    for (const ps of ['NaN', 'Infinity', '-Infinity', 'abc', '', '1'.repeat(30)]) {
      for (const qty of [-3, 0, 3]) {
        const plan = planSignal(alert('buy', 'long', ps), targetMode(), qty);
        expect(plan.kind, `position_size ${JSON.stringify(ps)} from ${qty}`).toBe('blocked');
      }
    }
  });

  it('a malformed partial exit trades nothing (no NaN close leg)', () => {
    for (const [ps, size] of [
      ['NaN', '1'],
      ['3', 'NaN'],
      ['Infinity', '1'],
      ['3', 'abc'],
    ]) {
      const plan = planSignal(alert('sell', 'long', ps ?? null, size ?? null), signalMode(), 10);
      expect(plan, `${ps} / ${size}`).toMatchObject({ kind: 'none', code: 'partial_exit_unsized' });
    }
  });
});

describe('TradingView strategy sequences', () => {
  const longFlatShort: SignalFacts[] = [
    alert('buy', 'long', '2', '2'),
    alert('sell', 'flat', '0', '2'),
    alert('sell', 'short', '2', '2'),
  ];

  it('target mode: long → flat → short gives exactly +2, 0, −2 (multiplier 1) and +20, 0, −20 (multiplier 10)', () => {
    for (const [multiplier, want] of [
      ['1', [2, 0, -2]],
      ['10', [20, 0, -20]],
    ] as const) {
      let qty = 0;
      const seen: number[] = [];
      for (const a of longFlatShort) {
        qty = apply(qty, planSignal(a, targetMode({ multiplier }), qty));
        seen.push(qty);
      }
      expect(seen).toEqual(want);
    }
  });

  it('signal mode with strategy fields: long → flat → short gives exactly +4, 0, −4 (4 lots by the sizing rule)', () => {
    let qty = 0;
    const seen: number[] = [];
    for (const a of longFlatShort) {
      qty = apply(qty, planSignal(a, signalMode(), qty), 4);
      seen.push(qty);
    }
    expect(seen).toEqual([4, 0, -4]);
  });

  it('a direct flip long → short reverses in both modes', () => {
    const flip = alert('sell', 'short', '2', '4');
    expect(apply(2, planSignal(flip, targetMode(), 2))).toBe(-2);
    expect(apply(4, planSignal(flip, signalMode(), 4), 4)).toBe(-4);
  });

  it('a buy that closes a short (market_position flat) closes, it does not open a long', () => {
    check(planSignal(alert('buy', 'flat', '0', '3'), signalMode(), -3), {
      close: 3,
      open: null,
      label: 'close',
      target: 0,
    });
  });

  it('a resent alert trades nothing: the same entry twice in signal mode (scale-in off)', () => {
    const a = alert('buy', 'long', '2', '2');
    const q1 = apply(0, planSignal(a, signalMode(), 0), 4);
    expect(q1).toBe(4);
    check(planSignal(a, signalMode(), q1), { none: 'already_long' });
  });

  it('partial exits close the share of the position the strategy took off (half up, never more than held)', () => {
    // contracts / (position_size + contracts) × |qty|
    const cases: [SignalFacts, number, Expect][] = [
      [alert('sell', 'long', '3', '1'), 10, { close: 3, open: null, label: 'reduce' }], // 1/4 × 10 = 2.5 → 3
      [alert('sell', 'long', '2', '2'), 10, { close: 5, open: null, label: 'reduce' }], // 2/4 × 10 = 5
      [alert('sell', 'long', '9', '1'), 3, { none: 'partial_exit_below_one_lot' }], // 1/10 × 3 = 0.3 → 0
      [alert('buy', 'short', '1', '1'), -8, { close: 4, open: null, label: 'reduce' }], // 1/2 × 8 = 4
      [alert('buy', 'short', '0.5', '1.5'), -7, { close: 5, open: null, label: 'reduce' }], // 1.5/2 × 7 = 5.25 → 5
      [alert('sell', 'long', '3', null), 10, { none: 'partial_exit_unsized' }],
      [alert('sell', 'long', null, '1'), 10, { none: 'partial_exit_unsized' }],
    ];
    for (const [a, qty, want] of cases) check(planSignal(a, signalMode(), qty), want);
  });
});

/** A target-mode alert with its expected target computed in integers, independently of Decimal. */
const MULTIPLIERS: [string, number, number][] = [
  ['1', 1, 1],
  ['0.5', 1, 2],
  ['2', 2, 1],
  ['10', 10, 1],
  ['0.001', 1, 1000],
  ['3.25', 13, 4],
];
const arbTarget = fc.record({
  mp: fc.constantFrom('long', 'short', 'flat'),
  hundredths: fc.integer({ min: 0, max: 100_000 }),
  mult: fc.constantFrom(...MULTIPLIERS),
  qty: fc.integer({ min: -2000, max: 2000 }),
  action: fc.constantFrom<SignalFacts['action']>('buy', 'sell'),
});
const psString = (h: number) => `${Math.floor(h / 100)}.${String(h % 100).padStart(2, '0')}`;
function expectedTarget(mp: string, h: number, [, num, den]: [string, number, number]): number {
  if (mp === 'flat') return 0;
  const lots = Math.floor((h * num) / (100 * den));
  return mp === 'long' || lots === 0 ? lots : -lots;
}

describe('target mode properties', () => {
  it('applying the plan reaches exactly the target, and re-planning the same alert gives none', () => {
    fc.assert(
      fc.property(arbTarget, ({ mp, hundredths, mult, qty, action }) => {
        const config = targetMode({ ...ALL_ALLOWED, multiplier: mult[0] });
        const a = alert(action, mp, psString(hundredths), '1');
        const target = expectedTarget(mp, hundredths, mult);
        const plan = planSignal(a, config, qty);
        if (qty === target) expect(plan).toMatchObject({ kind: 'none', code: 'at_target' });
        else expect(plan).toMatchObject({ kind: 'trade', targetQty: target });
        const after = apply(qty, plan);
        expect(after).toBe(target);
        expect(planSignal(a, config, after)).toMatchObject({ kind: 'none', code: 'at_target' });
      }),
      { numRuns: 2000 },
    );
  });

  it('whatever the flags, a plan never overshoots the target and never trades when blocked', () => {
    fc.assert(
      fc.property(
        arbTarget,
        fc.record({
          allowOpen: fc.boolean(),
          allowClose: fc.boolean(),
          allowReverse: fc.boolean(),
          allowScaleIn: fc.boolean(),
        }),
        ({ mp, hundredths, mult, qty, action }, flags) => {
          const config = targetMode({ ...flags, multiplier: mult[0] });
          const plan = planSignal(alert(action, mp, psString(hundredths), '1'), config, qty);
          const target = expectedTarget(mp, hundredths, mult);
          if (plan.kind === 'trade') expect(apply(qty, plan)).toBe(target);
          else if (plan.kind === 'none') expect(qty).toBe(target);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a missed alert cannot drift the position: any subsequence of alerts ends at the last alert’s target', () => {
    fc.assert(
      fc.property(
        fc.array(arbTarget, { minLength: 1, maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        (alerts, delivered) => {
          const config = (m: string) => targetMode({ ...ALL_ALLOWED, multiplier: m });
          let qty = 0;
          alerts.forEach((x, i) => {
            if (!delivered[i] && i < alerts.length - 1) return; // missed
            qty = apply(
              qty,
              planSignal(alert(x.action, x.mp, psString(x.hundredths)), config(x.mult[0]), qty),
            );
          });
          const last = alerts.at(-1);
          if (!last) return;
          expect(qty).toBe(expectedTarget(last.mp, last.hundredths, last.mult));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('signal mode properties', () => {
  it('a close leg never exceeds the position and the plan is pure (same input → same plan)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<SignalFacts['action']>('buy', 'sell', 'close', 'reverse'),
        fc.constantFrom(null, 'long', 'short', 'flat'),
        fc.integer({ min: -500, max: 500 }),
        fc.record({
          allowOpen: fc.boolean(),
          allowClose: fc.boolean(),
          allowReverse: fc.boolean(),
          allowScaleIn: fc.boolean(),
        }),
        (action, mp, qty, flags) => {
          const a = alert(action, mp, mp && mp !== 'flat' ? '2' : '0', '1');
          const plan = planSignal(a, signalMode(flags), qty);
          expect(planSignal(a, signalMode(flags), qty)).toEqual(plan);
          if (plan.kind === 'trade') {
            expect(plan.closeLots).toBeLessThanOrEqual(Math.abs(qty));
            if (plan.open) expect(plan.closeLots === 0 || plan.closeLots === Math.abs(qty)).toBe(true);
            if (plan.open && plan.closeLots > 0) expect(flags.allowReverse).toBe(true);
            if (plan.open && !plan.open.scaleIn && plan.closeLots === 0) expect(flags.allowOpen).toBe(true);
            if (plan.open?.scaleIn) expect(flags.allowScaleIn).toBe(true);
            if (!plan.open) expect(flags.allowClose).toBe(true);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
