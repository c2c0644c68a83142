import { describe, expect, it } from 'vitest';
import { secretMatchesDigests, sha256Hex, timingSafeEqualText } from './compare.ts';
import { signPayload, verifySignature } from './hmac.ts';
import { ipAllowed, TRADINGVIEW_IPS } from './ip.ts';

describe('secret comparison', () => {
  it('matches any of several valid secrets (rotation) and nothing else', async () => {
    const digests = [await sha256Hex('old-secret'), await sha256Hex('new-secret')];
    expect(await secretMatchesDigests('old-secret', digests)).toBe(true);
    expect(await secretMatchesDigests('new-secret', digests)).toBe(true);
    expect(await secretMatchesDigests('new-secre', digests)).toBe(false);
    expect(await secretMatchesDigests('', digests)).toBe(false);
    expect(await secretMatchesDigests('new-secret', [])).toBe(false);
  });
  it('compares text in constant time by digest', async () => {
    expect(await timingSafeEqualText('a', 'a')).toBe(true);
    expect(await timingSafeEqualText('a', 'ab')).toBe(false);
  });
});

describe('HMAC signatures (Stripe scheme)', () => {
  const now = Date.UTC(2024, 4, 1, 12, 0, 0);
  const t = now / 1000;
  it('accepts a fresh signature by any valid secret and refuses tampering', async () => {
    const sig = await signPayload('s2', t, '{"a":1}');
    expect(await verifySignature(`t=${t},v1=${sig}`, '{"a":1}', ['s1', 's2'], now)).toEqual({ ok: true });
    expect((await verifySignature(`t=${t},v1=${sig}`, '{"a":2}', ['s1', 's2'], now)).ok).toBe(false);
    expect((await verifySignature(`t=${t + 1},v1=${sig}`, '{"a":1}', ['s2'], now)).ok).toBe(false);
  });
  it('refuses signatures outside the 300 s tolerance, malformed and missing headers', async () => {
    const old = await signPayload('s', t - 301, 'x');
    expect(await verifySignature(`t=${t - 301},v1=${old}`, 'x', ['s'], now)).toMatchObject({ ok: false });
    const edge = await signPayload('s', t - 300, 'x');
    expect((await verifySignature(`t=${t - 300},v1=${edge}`, 'x', ['s'], now)).ok).toBe(true);
    expect(await verifySignature('v1=abc', 'x', ['s'], now)).toMatchObject({
      ok: false,
      reason: 'malformed signature header',
    });
    expect(await verifySignature(undefined, 'x', ['s'], now)).toMatchObject({ ok: false });
  });
});

describe('IP allowlist', () => {
  it('allows TradingView addresses and CIDRs, refuses others', () => {
    expect(ipAllowed('52.89.214.238', TRADINGVIEW_IPS)).toBe(true);
    expect(ipAllowed('::ffff:34.212.75.30', TRADINGVIEW_IPS)).toBe(true);
    expect(ipAllowed('52.89.214.239', TRADINGVIEW_IPS)).toBe(false);
    expect(ipAllowed('10.1.2.3', ['10.0.0.0/8'])).toBe(true);
    expect(ipAllowed('11.1.2.3', ['10.0.0.0/8'])).toBe(false);
    expect(ipAllowed(undefined, TRADINGVIEW_IPS)).toBe(false);
    expect(ipAllowed(undefined, [])).toBe(true);
  });
});
