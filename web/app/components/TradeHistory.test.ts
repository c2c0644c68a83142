import { describe, expect, it } from 'vitest';
import { exchangeNote, marginNote, percent } from './TradeHistory.tsx';

// The trade history's "KuCoin P&L" cell explains on hover why our net P&L and KuCoin's differ.
const trade = {
  netPnl: '-0.10142822',
  fees: '0.11472822',
  funding: '0',
  exchangePnl: '-0.10142822',
  exchangeFees: '0.11472822',
  exchangeFunding: '0',
};

describe("the trade history's KuCoin P&L note", () => {
  it('says so when the two agree, and when KuCoin has not reported the position', () => {
    expect(exchangeNote(trade)).toBe("KuCoin's realised P&L (its position history) equals ours");
    expect(exchangeNote({ ...trade, exchangePnl: null, exchangeFees: null, exchangeFunding: null })).toMatch(
      /had not reported/,
    );
  });

  it('names the part that differs: funding, fees, or else the close itself', () => {
    expect(exchangeNote({ ...trade, exchangePnl: '-0.20142822', exchangeFunding: '-0.1' })).toBe(
      "ours − KuCoin's = 0.1 USDT; funding: ours 0, KuCoin's -0.1",
    );
    expect(exchangeNote({ ...trade, exchangePnl: '-0.12', exchangeFees: '0.13330000' })).toMatch(
      /^ours − KuCoin's = 0\.01857178 USDT; fees: ours 0\.11472822, KuCoin's 0\.13330000$/,
    );
    expect(exchangeNote({ ...trade, exchangePnl: '0.5' })).toMatch(/the close itself differs/);
  });
});

describe("the trade history's returns", () => {
  it('shows the API’s decimal fractions in percent, two places, rounded in decimal', () => {
    expect(percent('0.005859375')).toBe('0.59%');
    expect(percent('-0.02')).toBe('-2.00%');
    expect(percent('0.00001')).toBe('0.00%');
    expect(percent(null)).toBe('—');
  });

  it('says on hover which margin ROI on margin is over, or why it is unknown', () => {
    expect(marginNote('5')).toBe(
      "net P&L over the initial margin: entry notional / 5× leverage (KuCoin's ROE)",
    );
    expect(marginNote(null)).toMatch(/leverage is not known .* not guessed/);
  });
});
