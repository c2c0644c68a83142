import { describe, expect, it } from 'vitest';
import { webhookIdempotencyKey } from './idempotency.ts';

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
