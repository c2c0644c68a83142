import { SignalParseError } from './errors.ts';

/** KuCoin USDT-margined perpetuals we trade unless configured otherwise. */
export const DEFAULT_CONTRACTS: readonly string[] = Object.freeze([
  'XBTUSDTM',
  'ETHUSDTM',
  'SOLUSDTM',
  'XRPUSDTM',
  'DOGEUSDTM',
  'BNBUSDTM',
  'ADAUSDTM',
  'LINKUSDTM',
  'AVAXUSDTM',
  'LTCUSDTM',
]);

/** TradingView and other venues say BTC where KuCoin Futures says XBT. */
const BASE_ALIASES: Readonly<Record<string, string>> = { BTC: 'XBT' };

/**
 * Map a TradingView ticker to a KuCoin Futures contract: `KUCOIN:XBTUSDTM`, `BTCUSDTM`,
 * `BTCUSDT.P` and `XBTUSDTM.P` all become `XBTUSDTM`. The exchange prefix (`{{exchange}}:`) and the
 * `.P` perpetual suffix are dropped, `USDT` gains the `M` of KuCoin's linear perpetuals and BTC
 * becomes XBT. A result outside `known` throws `unknown_symbol` with the known list.
 *
 * @example normaliseSymbol('BINANCE:BTCUSDT.P', DEFAULT_CONTRACTS) // 'XBTUSDTM'
 */
export function normaliseSymbol(raw: string, known: readonly string[] = DEFAULT_CONTRACTS): string {
  let s = raw.trim().toUpperCase();
  const colon = s.lastIndexOf(':');
  if (colon >= 0) s = s.slice(colon + 1);
  if (s.endsWith('.P')) s = s.slice(0, -2);
  s = s.replace(/[-_/]/g, '');
  if (s.endsWith('USDT')) s = `${s}M`;
  const m = /^([A-Z0-9]+?)(USDTM|USDM)$/.exec(s);
  if (m?.[1] && m[2]) s = (BASE_ALIASES[m[1]] ?? m[1]) + m[2];
  if (!known.includes(s)) {
    throw new SignalParseError(
      'unknown_symbol',
      `unknown symbol ${JSON.stringify(raw.slice(0, 40))}; known: ${known.join(', ')}`,
      { known: [...known] },
    );
  }
  return s;
}
