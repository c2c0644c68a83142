/**
 * The price the order ticket converts a USDT amount into lots at: the ticket's own limit (or stop) price
 * when it has one, else the chart's last close, but only while the chart shows the ticket's contract. Another
 * contract's price would size the order wrongly by their price ratio (50 USDT of XBT priced as ETH is 27 lots).
 */
export function ticketReferencePrice(t: {
  symbol: string;
  chartSymbol: string;
  chartLastClose: number | null;
  /** the ticket's limit price (limit, stop limit) or stop price (stop market), when it needs one */
  ownPrice: number | null;
}): number | null {
  if (t.ownPrice !== null) return t.ownPrice;
  return t.symbol === t.chartSymbol ? t.chartLastClose : null;
}
