import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_EVENTS, routePrivateMessage } from './private-router.ts';

/** KuCoin's documented private push examples, kept by the exchange adapter. */
function frame(name: string): { topic: string; subject?: string; data: unknown } {
  const url = new URL(`../exchange/kucoin/test_data/${name}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8'));
}

describe('routePrivateMessage', () => {
  it('forwards an order change as plain JSON with exact decimal strings', () => {
    const f = frame('ws_private_tradeOrders.json');
    const event = routePrivateMessage(f.topic, f.subject ?? '', f.data);
    expect(event?.channel).toBe(ACCOUNT_EVENTS.order);
    expect(event?.payload).toMatchObject({
      subject: 'symbolOrderChange',
      orderId: '247899236673269761',
      type: 'open',
      price: '91670',
      size: 1,
      filledSize: 0,
    });
    expect(JSON.parse(JSON.stringify(event?.payload))).toEqual(event?.payload);
  });

  it('routes the wallet, stop-order and position examples to their channels', () => {
    for (const [name, channel] of [
      ['ws_private_wallet.json', ACCOUNT_EVENTS.wallet],
      ['ws_private_advancedOrders.json', ACCOUNT_EVENTS.stopOrder],
      ['ws_private_position.json', ACCOUNT_EVENTS.position],
    ] as const) {
      const f = frame(name);
      expect(routePrivateMessage(f.topic, f.subject ?? 'position.change', f.data)?.channel, name).toBe(
        channel,
      );
    }
  });

  it('throws on a malformed order (the collector counts and drops it) and ignores unknown subjects', () => {
    const f = frame('ws_private_tradeOrders.json');
    const bad = { ...(f.data as object), size: '-1' };
    expect(() => routePrivateMessage(f.topic, 'symbolOrderChange', bad)).toThrow();
    expect(routePrivateMessage('/contractAccount/wallet', 'withdrawHold.change', {})).toBeUndefined();
    expect(routePrivateMessage('/contract/marginMode', 'user.config', {})).toBeUndefined();
  });
});
