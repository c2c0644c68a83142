import type Decimal from 'decimal.js';
import { z } from 'zod';
import { toMoney } from '../money.ts';
import table from './contracts.json' with { type: 'json' };

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
  /** Settlements fall this many ms past the UTC grid of the interval (XBTUSDTM: 4 h, i.e. 04:00/12:00/20:00). */
  fundingTimeOffset: number;
  fundingRateCap: Decimal;
  fundingRateFloor: Decimal;
  riskLimits: RiskLimitTier[];
  /** Index symbol, e.g. `.KXBTUSDT`. */
  indexSymbol: string;
  firstOpenDate: number;
}

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal string');
const tierSchema = z.strictObject({
  level: z.number().int().positive(),
  minRiskLimit: z.number().nonnegative(),
  maxRiskLimit: z.number().positive(),
  maxLeverage: z.number().positive(),
  initialMargin: decimal,
  maintainMargin: decimal,
});
const contractSchema = z.strictObject({
  symbol: z.string(),
  baseCurrency: z.string(),
  quoteCurrency: z.string(),
  settleCurrency: z.string(),
  multiplier: decimal,
  lotSize: z.number().int().positive(),
  tickSize: decimal,
  indexPriceTickSize: decimal,
  maxOrderQty: z.number().int().positive(),
  maxPrice: z.number().positive(),
  maxLeverage: z.number().positive(),
  makerFeeRate: decimal,
  takerFeeRate: decimal,
  fundingRateGranularity: z.number().int().positive(),
  fundingTimeOffset: z.number().int().nonnegative(),
  fundingRateCap: decimal,
  fundingRateFloor: decimal,
  indexSymbol: z.string(),
  firstOpenDate: z.number().int(),
  riskLimits: z.array(tierSchema).min(1),
  /** Field → its source (KUCOIN.md section, recorded data file). */
  confirmed: z.record(z.string(), z.string()),
  /** Field → why it is not confirmed. */
  unconfirmed: z.record(z.string(), z.string()),
});
/** The contract table file's shape (`contracts.json`). */
export const contractTableSchema = z.strictObject({
  $comment: z.string(),
  contracts: z.record(z.string(), contractSchema),
});
export type ContractRecord = z.infer<typeof contractSchema>;

/** A validated table entry as the in-memory spec (Decimals for prices and rates). */
export function specFromRecord(r: ContractRecord): ContractSpec {
  const { confirmed: _c, unconfirmed: _u, riskLimits, ...rest } = r;
  return {
    ...rest,
    multiplier: toMoney(r.multiplier),
    tickSize: toMoney(r.tickSize),
    indexPriceTickSize: toMoney(r.indexPriceTickSize),
    makerFeeRate: toMoney(r.makerFeeRate),
    takerFeeRate: toMoney(r.takerFeeRate),
    fundingRateCap: toMoney(r.fundingRateCap),
    fundingRateFloor: toMoney(r.fundingRateFloor),
    riskLimits: riskLimits.map((t) => ({
      ...t,
      initialMargin: toMoney(t.initialMargin),
      maintainMargin: toMoney(t.maintainMargin),
    })),
  };
}

/** The contract table as read from `contracts.json`, provenance marks included. */
export const CONTRACT_TABLE: Readonly<Record<string, ContractRecord>> =
  contractTableSchema.parse(table).contracts;

/**
 * The contracts the simulator lists and risk/engine size against, from the one data file
 * `contracts.json` (each field marked confirmed with its source, or unconfirmed with why).
 *
 * @example CONTRACTS.XBTUSDTM.multiplier.toString() // '0.001'
 */
export const CONTRACTS: Readonly<Record<string, ContractSpec>> = Object.fromEntries(
  Object.entries(CONTRACT_TABLE).map(([symbol, r]) => [symbol, specFromRecord(r)]),
);

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
