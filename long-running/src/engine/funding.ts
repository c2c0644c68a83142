import type { EnigmaDb } from '@enigma/db';
import { insertFundingPayment } from '@enigma/db/repositories/trading';
import type { KucoinHttpClient } from '../exchange/kucoin/http.ts';

type FundingAccount = Pick<KucoinHttpClient['account'], 'fundingHistory'>;
/** One settlement of KuCoin's private funding history. */
export type FundingItem = Awaited<ReturnType<FundingAccount['fundingHistory']>>['items'][number];

/**
 * A contract's funding settlements from `fromMs` to `toMs` (both included), each once (by the exchange's
 * id). GET /api/v1/funding-history is a HasMore list of at most 100 a page: read page by page with the
 * window narrowed past each page (newest first, as KuCoin's `reverse` defaults; oldest first is followed
 * too), at most `maxPages` pages, ending at a page with nothing new.
 */
export async function fundingSettlements(
  account: FundingAccount,
  symbol: string,
  fromMs: number,
  toMs: number,
  maxPages: number,
): Promise<FundingItem[]> {
  const seen = new Set<string>();
  const found: FundingItem[] = [];
  let startAt = fromMs;
  let endAt = toMs + 1;
  for (let page = 0; page < maxPages && endAt >= startAt; page++) {
    const res = await account.fundingHistory({ symbol, startAt, endAt, maxCount: 100 });
    const fresh = res.items.filter((p) => p.time >= fromMs && p.time <= toMs && !seen.has(p.id));
    for (const p of fresh) seen.add(p.id);
    found.push(...fresh);
    if (!res.hasMore || fresh.length === 0) break;
    const times = res.items.map((p) => p.time);
    if (times[0]! >= times.at(-1)!) endAt = Math.min(...times) - 1;
    else startAt = Math.max(...times) + 1;
  }
  return found;
}

/** Record settlements in `funding_payments`, once each (unique per account, symbol and time); how many were new. */
export async function recordFundingPayments(
  db: EnigmaDb,
  accountId: string,
  symbol: string,
  items: readonly FundingItem[],
): Promise<number> {
  let inserted = 0;
  for (const p of items) {
    const added = await insertFundingPayment(db, {
      accountId,
      symbol,
      fundingRate: p.rate.toFixed(),
      amount: p.funding.toFixed(),
      currency: p.currency,
      positionQty: p.positionQty,
      markPrice: p.markPrice.toFixed(),
      fundingTime: new Date(p.time),
      exchangeId: p.id,
    });
    if (added) inserted++;
  }
  return inserted;
}
