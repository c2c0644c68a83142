import { describe, expect, it } from 'vitest';
import { idempotencyKey, webhookIdempotencyKey } from './idempotency.ts';

// printf '%s' '{"a":1}' | sha256sum
const DIGEST = '015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862';

describe('webhookIdempotencyKey', () => {
  it('keys on the source and the body digest, or on the sender’s explicit key', () => {
    expect(webhookIdempotencyKey({ source: 'tradingview', bodySha256: DIGEST })).toBe(
      `wh:v2:tradingview|b:${DIGEST}`,
    );
    expect(webhookIdempotencyKey({ source: 'tradingview', bodySha256: DIGEST, explicitKey: 'k1' })).toBe(
      'wh:v2:tradingview|k:k1',
    );
  });
  it('keeps sources apart, escaping the separator', () => {
    const a = webhookIdempotencyKey({ source: 'a|k:x', bodySha256: DIGEST });
    const b = webhookIdempotencyKey({ source: 'a', bodySha256: DIGEST, explicitKey: `x|b:${DIGEST}` });
    expect(a).not.toBe(b);
    expect(webhookIdempotencyKey({ source: 'tv2', bodySha256: DIGEST })).not.toBe(
      webhookIdempotencyKey({ source: 'tv', bodySha256: DIGEST }),
    );
  });
});

describe('webhookIdempotencyKey: exact escaping (written by hand from the format)', () => {
  it('escapes % as %25 and | as %7C in the source and the explicit key, not in the digest', () => {
    expect(webhookIdempotencyKey({ source: '50%|a', bodySha256: DIGEST })).toBe(
      `wh:v2:50%25%7Ca|b:${DIGEST}`,
    );
    expect(webhookIdempotencyKey({ source: 's', bodySha256: DIGEST, explicitKey: 'k|%7C' })).toBe(
      'wh:v2:s|k:k%7C%257C',
    );
    expect(webhookIdempotencyKey({ source: 's', bodySha256: DIGEST, explicitKey: '' })).toBe('wh:v2:s|k:');
  });
});

describe('idempotencyKey: the body stands in only when there is neither a time nor an order id', () => {
  const base = { source: 'tv', symbol: 'XBTUSDTM', action: 'buy' as const, rawBody: 'a' };
  it('an order id alone is enough', () => {
    expect(idempotencyKey({ ...base, orderId: 'L1' })).toBe('sig:v1:tv|XBTUSDTM|buy||L1');
    expect(idempotencyKey({ ...base, orderId: 'L1', rawBody: 'b' })).toBe('sig:v1:tv|XBTUSDTM|buy||L1');
  });
  it('a time alone is enough; an empty order id still counts as given', () => {
    expect(idempotencyKey({ ...base, alertTime: 0 })).toBe('sig:v1:tv|XBTUSDTM|buy|0|');
    expect(idempotencyKey({ ...base, orderId: '' })).toBe('sig:v1:tv|XBTUSDTM|buy||');
  });
  it('escapes every part, the order id included', () => {
    expect(idempotencyKey({ ...base, orderId: 'a|b%' })).toBe('sig:v1:tv|XBTUSDTM|buy||a%7Cb%25');
  });
});
