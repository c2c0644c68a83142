import { describe, expect, it } from 'vitest';
import { binanceSymbolFor } from './symbols.ts';

describe('binanceSymbolFor', () => {
  it('maps KuCoin USDT perpetuals to Binance names, XBT becoming BTC', () => {
    expect(binanceSymbolFor('XBTUSDTM')).toBe('BTCUSDT');
    expect(binanceSymbolFor('ETHUSDTM')).toBe('ETHUSDT');
    expect(binanceSymbolFor('SOLUSDTM')).toBe('SOLUSDT');
  });

  it('has no counterpart for inverse or USDC contracts', () => {
    expect(binanceSymbolFor('XBTUSDM')).toBeUndefined();
    expect(binanceSymbolFor('XBTUSDCM')).toBeUndefined();
  });
});
