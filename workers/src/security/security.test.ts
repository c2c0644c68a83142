import { describe, expect, it } from 'vitest';
import { secretMatchesDigests, sha256Hex, timingSafeEqualText } from './compare.ts';
import { signPayload, verifySignature } from './hmac.ts';
import { allowlistEntryProblem, clientKeyOf, ipAllowed, TRADINGVIEW_IPS } from './ip.ts';

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
  it('refuses a signature stamped beyond the tolerance in the future (a pre-signed replay)', async () => {
    const future = await signPayload('s', t + 301, 'x');
    expect(await verifySignature(`t=${t + 301},v1=${future}`, 'x', ['s'], now)).toEqual({
      ok: false,
      reason: 'signature timestamp outside the 300 s tolerance',
    });
    const farFuture = await signPayload('s', t + 86_400, 'x');
    expect((await verifySignature(`t=${t + 86_400},v1=${farFuture}`, 'x', ['s'], now)).ok).toBe(false);
    const edge = await signPayload('s', t + 300, 'x');
    expect((await verifySignature(`t=${t + 300},v1=${edge}`, 'x', ['s'], now)).ok).toBe(true);
  });
  it('matches a fixed vector computed outside the code', async () => {
    // printf '%s' '1714564800.{"a":1}' | openssl dgst -sha256 -hmac 'whsec_test'
    const vector = '929103466b442d258ec65ed32917b1967f5f18fff7e139d49da93027d2ffcc3f';
    expect(await signPayload('whsec_test', 1714564800, '{"a":1}')).toBe(vector);
    expect(
      await verifySignature(`t=1714564800,v1=${vector}`, '{"a":1}', ['whsec_test'], 1714564800_000),
    ).toEqual({ ok: true });
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
  it('compares IPv6 as addresses, not text, and matches IPv6 CIDRs', () => {
    expect(ipAllowed('::1', ['0:0:0:0:0:0:0:1'])).toBe(true);
    expect(ipAllowed('2001:DB8::1', ['2001:db8:0:0::1'])).toBe(true);
    expect(ipAllowed('2001:db8:1:2::9', ['2001:db8:1::/48'])).toBe(true);
    expect(ipAllowed('2001:db8:2::9', ['2001:db8:1::/48'])).toBe(false);
    expect(ipAllowed('10.0.0.1', ['::ffff:10.0.0.1'])).toBe(true);
    expect(ipAllowed('not-an-ip', ['0.0.0.0/0'])).toBe(false);
  });
  it('an entry without an explicit prefix after "/" is refused and matches nothing (was read as /0)', () => {
    expect(allowlistEntryProblem('203.0.113.7/')).toMatch(/explicit prefix/);
    expect(ipAllowed('8.8.8.8', ['203.0.113.7/'])).toBe(false);
    for (const bad of [
      '203.0.113.7/33',
      '2001:db8::/129',
      '1.2.3',
      '0x7f.1',
      '10.0.0.0/8x',
      '',
      'fe80::1%eth0',
    ]) {
      expect(allowlistEntryProblem(bad), bad).not.toBeNull();
    }
    for (const good of [
      '203.0.113.7',
      '10.0.0.0/8',
      '0.0.0.0/0',
      '::1',
      '2001:db8::/32',
      ...TRADINGVIEW_IPS,
    ]) {
      expect(allowlistEntryProblem(good), good).toBeNull();
    }
  });
  it('counts IPv4 clients by address and IPv6 clients by /64', () => {
    expect(clientKeyOf('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKeyOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKeyOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKeyOf('2001:db8:1:2:bbbb::2')).toBe('2001:db8:1:2::/64');
    expect(clientKeyOf(undefined)).toBe('unknown');
  });
});
