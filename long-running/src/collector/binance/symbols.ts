/**
 * The Binance USDⓈ-M perpetual that tracks a KuCoin USDT-margined perpetual: `XBTUSDTM` → `BTCUSDT`,
 * `ETHUSDTM` → `ETHUSDT`. Returns undefined for contracts with no obvious counterpart (inverse, USDC).
 */
export function binanceSymbolFor(kucoinSymbol: string): string | undefined {
  const m = /^([A-Z0-9]+)USDTM$/.exec(kucoinSymbol);
  if (!m) return undefined;
  const base = m[1] === 'XBT' ? 'BTC' : m[1];
  return `${base}USDT`;
}
