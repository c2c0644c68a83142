import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { TimeZoneProvider } from '../lib/time.tsx';
import type { DailyPnlRow, RiskEventRow, RiskState } from '../lib/types.ts';
import { killSwitchConfirmLabel, RiskPanel } from './RiskPanel.tsx';

// The risk panel as the server renders it: the breakers' history, the drawdown and daily-loss charts'
// containers with their labels (the charts themselves are drawn in the browser).

const risk: RiskState = {
  limits: {},
  effective: { maxDailyLoss: '500', maxDrawdownPct: '20' },
  killSwitch: { on: false, reason: null, updatedBy: null, updatedAt: null },
  breakers: [{ name: 'daily_loss', state: 'halted', reason: 'net -512.00 USDT today', trippedAt: null }],
};
const trip: RiskEventRow = {
  id: '00000000-0000-4000-8000-000000000001',
  code: 'breaker_daily_loss',
  severity: 'critical',
  message: 'daily_loss → halted: net -512.00 USDT today (limit −500)',
  signalId: null,
  data: {},
  at: '2024-05-07T10:00:00.000Z',
};
const day = (d: string, net: string, cum: string): DailyPnlRow => ({
  day: d,
  trades: 1,
  wins: 0,
  grossPnl: net,
  fees: '0',
  funding: '0',
  netPnl: net,
  cumulativeNetPnl: cum,
});

// React separates adjacent text nodes with <!-- --> in server HTML
const render = (days: DailyPnlRow[], breakerEvents: RiskEventRow[], state: RiskState = risk) =>
  renderToString(
    createElement(
      TimeZoneProvider,
      null,
      createElement(RiskPanel, {
        risk: state,
        positions: [],
        notionals: {},
        todayPnl: -512,
        days,
        breakerEvents,
        role: 'viewer',
        onChanged: () => {},
      }),
    ),
  ).replaceAll('<!-- -->', '');

describe('the risk panel', () => {
  it("lists the breakers' trips and labels the drawdown and daily-loss charts with their limits", () => {
    const html = render([day('2024-05-06', '12.5', '112.5'), day('2024-05-07', '-512', '-399.5')], [trip]);
    expect(html).toContain('data-testid="breaker-history"');
    expect(html).toContain('2024-05-07 10:00:00');
    expect(html).toContain('daily_loss → halted: net -512.00 USDT today (limit −500)');
    expect(html).toContain('data-testid="drawdown-chart"');
    expect(html).toContain('now -512.00 USDT');
    expect(html).toContain('halts at 20 % below the equity peak');
    expect(html).toMatch(/data-testid="daily-loss-chart"[^>]*aria-label="[^"]*against the limit 500.00"/);
  });

  it("states the drawdown limit in USDT from the drawdown breaker's equity peak", () => {
    const withPeak: RiskState = {
      ...risk,
      breakers: [
        ...risk.breakers,
        { name: 'drawdown', state: 'active', reason: null, trippedAt: null, equityPeak: '100250.5' },
      ],
    };
    const html = render([day('2024-05-07', '-512', '-399.5')], [], withPeak);
    expect(html).toContain(
      'halts at 20 % below the equity peak (100250.50 USDT): -20050.10 USDT, the dashed line',
    );
  });

  it('says so when nothing tripped and no trade closed in the range', () => {
    const html = render([], []);
    expect(html).toContain('No breaker has tripped.');
    expect(html).toContain('No closed trade in the last 30 days.');
    expect(html).not.toContain('drawdown-chart');
  });
});

describe("the kill switch's confirmation", () => {
  it('says the positions will be closed when "also close every position" is ticked', () => {
    expect(killSwitchConfirmLabel(false, true)).toBe('Confirm: halt all trading and close every position');
    expect(killSwitchConfirmLabel(false, false)).toBe('Confirm: halt all trading');
    expect(killSwitchConfirmLabel(true, false)).toBe('Confirm: resume trading');
  });
});
