import {
  parseAdjustRiskLimit,
  parseAvailableBalanceChange,
  parseOrderChange,
  parsePositionChange,
  parsePositionSettlement,
  parseStopOrderEvent,
  parseWalletBalance,
} from '../exchange/kucoin/ws-parse.ts';

/** Bus channels for the configured account's private pushes. */
export const ACCOUNT_EVENTS = {
  order: 'events:account.order',
  stopOrder: 'events:account.stop-order',
  position: 'events:account.position',
  wallet: 'events:account.wallet',
} as const;

/** A parsed private push, ready for the bus (Decimals become strings). */
export interface AccountEvent {
  channel: (typeof ACCOUNT_EVENTS)[keyof typeof ACCOUNT_EVENTS];
  payload: Record<string, unknown>;
}

const plain = (subject: string, value: unknown): Record<string, unknown> =>
  JSON.parse(JSON.stringify({ subject, ...(value as object) })) as Record<string, unknown>;

const symbolOf = (topic: string) => topic.slice(topic.indexOf(':') + 1);

/**
 * Parse one private KuCoin push (orders, stop orders, wallet, positions) with the exchange adapter's
 * pure parsers. Returns undefined for subjects the collector does not forward; throws the parser's error
 * for a malformed payload (the caller counts it and drops it).
 */
export function routePrivateMessage(topic: string, subject: string, data: unknown): AccountEvent | undefined {
  const colon = topic.indexOf(':');
  const prefix = colon < 0 ? topic : topic.slice(0, colon);
  switch (prefix) {
    case '/contractMarket/tradeOrders':
      return { channel: ACCOUNT_EVENTS.order, payload: plain(subject, parseOrderChange(data)) };
    case '/contractMarket/advancedOrders':
      return { channel: ACCOUNT_EVENTS.stopOrder, payload: plain(subject, parseStopOrderEvent(data)) };
    case '/contractAccount/wallet':
      if (subject === 'walletBalance.change')
        return { channel: ACCOUNT_EVENTS.wallet, payload: plain(subject, parseWalletBalance(data)) };
      if (subject === 'availableBalance.change')
        return { channel: ACCOUNT_EVENTS.wallet, payload: plain(subject, parseAvailableBalanceChange(data)) };
      return undefined;
    case '/contract/position':
      if (subject === 'position.change')
        return { channel: ACCOUNT_EVENTS.position, payload: plain(subject, parsePositionChange(data)) };
      if (subject === 'position.settlement')
        return {
          channel: ACCOUNT_EVENTS.position,
          payload: plain(subject, parsePositionSettlement(data, symbolOf(topic))),
        };
      if (subject === 'position.adjustRiskLimit')
        return {
          channel: ACCOUNT_EVENTS.position,
          payload: plain(subject, parseAdjustRiskLimit(data, symbolOf(topic))),
        };
      return undefined;
    default:
      return undefined;
  }
}
