import type Decimal from 'decimal.js';
import { toMoney } from '../money.ts';

/** One isolated-margin risk-limit tier (`GET /api/v1/contracts/risk-limit/{symbol}`). */
export interface RiskLimitTier {
  level: number;
  /** Lower notional bound (USDT), inclusive. */
  minRiskLimit: number;
  /** Upper notional bound (USDT), inclusive. */
  maxRiskLimit: number;
  maxLeverage: number;
  initialMargin: Decimal;
  maintainMargin: Decimal;
}

/** Static description of one linear (USDT-margined) perpetual contract, in KuCoin's units. */
export interface ContractSpec {
  symbol: string;
  baseCurrency: string;
  quoteCurrency: string;
  settleCurrency: string;
  /** Base-currency amount of one lot (XBTUSDTM: 0.001 BTC). */
  multiplier: Decimal;
  /** Minimum and step size in lots. */
  lotSize: number;
  tickSize: Decimal;
  indexPriceTickSize: Decimal;
  maxOrderQty: number;
  maxPrice: number;
  maxLeverage: number;
  makerFeeRate: Decimal;
  takerFeeRate: Decimal;
  /** Funding interval in ms (`fundingRateGranularity`). */
  fundingRateGranularity: number;
  fundingRateCap: Decimal;
  fundingRateFloor: Decimal;
  riskLimits: RiskLimitTier[];
  /** Index symbol, e.g. `.KXBTUSDT`. */
  indexSymbol: string;
  firstOpenDate: number;
}

type TierRow = [level: number, min: number, max: number, lev: number, imr: string, mmr: string];

function tiers(rows: TierRow[]): RiskLimitTier[] {
  return rows.map(([level, minRiskLimit, maxRiskLimit, maxLeverage, imr, mmr]) => ({
    level,
    minRiskLimit,
    maxRiskLimit,
    maxLeverage,
    initialMargin: toMoney(imr),
    maintainMargin: toMoney(mmr),
  }));
}

// The XBTUSDTM ladder is KuCoin's published example (risk-limit spec sample). ETH and SOL follow the
// same shape with their own first-tier leverage; their notional bounds are scaled and UNCONFIRMED.
const XBT_TIERS = tiers([
  [1, 0, 100_000, 125, '0.008', '0.004'],
  [2, 100_000, 500_000, 100, '0.01', '0.005'],
  [3, 500_000, 1_000_000, 75, '0.014', '0.007'],
  [4, 1_000_000, 2_000_000, 50, '0.02', '0.01'],
  [5, 2_000_000, 3_000_000, 30, '0.034', '0.017'],
  [6, 3_000_000, 5_000_000, 20, '0.05', '0.025'],
  [7, 5_000_000, 8_000_000, 10, '0.1', '0.05'],
  [8, 8_000_000, 12_000_000, 5, '0.2', '0.1'],
  [9, 12_000_000, 20_000_000, 4, '0.25', '0.125'],
  [10, 20_000_000, 30_000_000, 3, '0.334', '0.167'],
  [11, 30_000_000, 40_000_000, 2, '0.5', '0.25'],
  [12, 40_000_000, 50_000_000, 1, '1', '0.5'],
]);

const ETH_TIERS = tiers([
  [1, 0, 100_000, 100, '0.01', '0.005'],
  [2, 100_000, 500_000, 75, '0.014', '0.007'],
  [3, 500_000, 1_000_000, 50, '0.02', '0.01'],
  [4, 1_000_000, 2_000_000, 30, '0.034', '0.017'],
  [5, 2_000_000, 3_000_000, 20, '0.05', '0.025'],
  [6, 3_000_000, 5_000_000, 10, '0.1', '0.05'],
  [7, 5_000_000, 8_000_000, 5, '0.2', '0.1'],
  [8, 8_000_000, 12_000_000, 3, '0.334', '0.167'],
  [9, 12_000_000, 20_000_000, 2, '0.5', '0.25'],
  [10, 20_000_000, 30_000_000, 1, '1', '0.5'],
]);

const SOL_TIERS = tiers([
  [1, 0, 50_000, 75, '0.014', '0.007'],
  [2, 50_000, 200_000, 50, '0.02', '0.01'],
  [3, 200_000, 500_000, 30, '0.034', '0.017'],
  [4, 500_000, 1_000_000, 20, '0.05', '0.025'],
  [5, 1_000_000, 2_000_000, 10, '0.1', '0.05'],
  [6, 2_000_000, 3_000_000, 5, '0.2', '0.1'],
  [7, 3_000_000, 5_000_000, 3, '0.334', '0.167'],
  [8, 5_000_000, 8_000_000, 2, '0.5', '0.25'],
  [9, 8_000_000, 10_000_000, 1, '1', '0.5'],
]);

const EIGHT_HOURS = 8 * 3600_000;

function linear(
  symbol: string,
  base: string,
  p: {
    multiplier: string;
    tickSize: string;
    indexTick: string;
    maxLeverage: number;
    tiers: RiskLimitTier[];
    firstOpenDate: number;
  },
): ContractSpec {
  return {
    symbol,
    baseCurrency: base,
    quoteCurrency: 'USDT',
    settleCurrency: 'USDT',
    multiplier: toMoney(p.multiplier),
    lotSize: 1,
    tickSize: toMoney(p.tickSize),
    indexPriceTickSize: toMoney(p.indexTick),
    maxOrderQty: 1_000_000,
    maxPrice: 1_000_000,
    maxLeverage: p.maxLeverage,
    makerFeeRate: toMoney('0.0002'),
    takerFeeRate: toMoney('0.0006'),
    fundingRateGranularity: EIGHT_HOURS,
    fundingRateCap: toMoney('0.003'),
    fundingRateFloor: toMoney('-0.003'),
    riskLimits: p.tiers,
    indexSymbol: `.K${base}USDT`,
    firstOpenDate: p.firstOpenDate,
  };
}

/**
 * The contracts the simulator lists and risk/engine size against. XBTUSDTM values are KuCoin's
 * published contract sample; ETHUSDTM/SOLUSDTM use KuCoin's multipliers (0.01 ETH, 0.1 SOL), tick sizes
 * and maximum leverage.
 *
 * @example CONTRACTS.XBTUSDTM.multiplier.toString() // '0.001'
 */
export const CONTRACTS: Readonly<Record<string, ContractSpec>> = {
  XBTUSDTM: linear('XBTUSDTM', 'XBT', {
    multiplier: '0.001',
    tickSize: '0.1',
    indexTick: '0.01',
    maxLeverage: 125,
    tiers: XBT_TIERS,
    firstOpenDate: 1585555200000,
  }),
  ETHUSDTM: linear('ETHUSDTM', 'ETH', {
    multiplier: '0.01',
    tickSize: '0.01',
    indexTick: '0.01',
    maxLeverage: 100,
    tiers: ETH_TIERS,
    firstOpenDate: 1591086000000,
  }),
  SOLUSDTM: linear('SOLUSDTM', 'SOL', {
    multiplier: '0.1',
    tickSize: '0.001',
    indexTick: '0.001',
    maxLeverage: 75,
    tiers: SOL_TIERS,
    firstOpenDate: 1614153600000,
  }),
};

/** Look a contract up by KuCoin symbol; throws on an unknown symbol. */
export function contractSpec(symbol: string): ContractSpec {
  const spec = CONTRACTS[symbol];
  if (!spec) throw new RangeError(`unknown contract: ${symbol}`);
  return spec;
}

/** The risk tier that a position of this notional value falls in (the last tier caps it). */
export function riskTierFor(spec: ContractSpec, notional: Decimal): RiskLimitTier {
  for (const tier of spec.riskLimits) if (notional.lte(tier.maxRiskLimit)) return tier;
  return spec.riskLimits[spec.riskLimits.length - 1]!;
}
