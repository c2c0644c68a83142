import { describe, expect, it } from 'vitest';
import { randomToken, secretMatchesDigests, sha256Hex, timingSafeEqualText } from './compare.ts';
import { SIGNATURE_HEADER, signPayload, verifySignature } from './hmac.ts';
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

// Fixed vectors made outside the code:
//   printf '%s' abc | sha256sum            → ba7816bf…15ad (FIPS 180-2's example)
//   printf '%s' 'é€' | sha256sum           → f0165711…c0c4 (UTF-8, not UTF-16)
//   python3 -c "import hmac,hashlib; print(hmac.new(b's', b'NaN.x', hashlib.sha256).hexdigest())"
//     → 71cd3995…0b6b, the signature an attacker holding one old signed request cannot make, but which
//       a parser that read a non-numeric `t` as NaN would check (NaN slips through the tolerance test)
describe('digests and the signature header, field by field', () => {
  const now = Date.UTC(2024, 4, 1, 12, 0, 0);
  const t = now / 1000;

  it('hashes UTF-8 text to lower-case hex', async () => {
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await sha256Hex('é€')).toBe('f0165711145fd4315008feb1f589eb75f63fb382417be0782a1c1cab418bc0c4');
    expect(await timingSafeEqualText('abc', 'abd')).toBe(false);
    expect(await timingSafeEqualText('', '')).toBe(true);
  });

  it('names the header and each refusal', async () => {
    expect(SIGNATURE_HEADER).toBe('enigma-signature');
    expect(await verifySignature(undefined, 'x', ['s'], now)).toEqual({
      ok: false,
      reason: 'missing enigma-signature header',
    });
    expect(await verifySignature('', 'x', ['s'], now)).toEqual({
      ok: false,
      reason: 'missing enigma-signature header',
    });
    const wrong = await signPayload('other', t, 'x');
    expect(await verifySignature(`t=${t},v1=${wrong}`, 'x', ['s'], now)).toEqual({
      ok: false,
      reason: 'signature does not match',
    });
    expect(await verifySignature(`t=${t},v1=${wrong}`, 'x', [], now)).toEqual({
      ok: false,
      reason: 'signature does not match',
    });
  });

  it('needs both a timestamp and a non-empty v1', async () => {
    const malformed = { ok: false, reason: 'malformed signature header' };
    const sig = await signPayload('s', t, 'x');
    expect(await verifySignature(`t=${t}`, 'x', ['s'], now)).toEqual(malformed);
    expect(await verifySignature(`t=${t},v1=`, 'x', ['s'], now)).toEqual(malformed);
    // only v1 carries a signature: the right HMAC under another name is not one
    expect(await verifySignature(`t=${t},v0=${sig}`, 'x', ['s'], now)).toEqual(malformed);
    expect(await verifySignature(`t=${t},V1=${sig}`, 'x', ['s'], now)).toEqual(malformed);
    expect(await verifySignature(`t=,v1=${sig}`, 'x', ['s'], now)).toEqual(malformed);
    expect(await verifySignature(`v1=${sig}`, 'x', ['s'], now)).toEqual(malformed);
  });

  it('reads t only as 1 to 12 digits: a non-numeric or millisecond t is malformed, never NaN', async () => {
    const malformed = { ok: false, reason: 'malformed signature header' };
    const nanSig = '71cd399512b211c8d813eb1cd5bdb13f5c8960683d88a35ace4b5a2aad5b0b6b';
    expect(await signPayload('s', Number.NaN, 'x')).toBe(nanSig);
    for (const bad of ['a1', '1a', `${t}abc`, `-${t}`, `${t}.5`, ' 1'])
      expect(await verifySignature(`t=${bad},v1=${nanSig}`, 'x', ['s'], now), bad).toEqual(malformed);
    const ms = await signPayload('s', now, 'x');
    expect(await verifySignature(`t=${now},v1=${ms}`, 'x', ['s'], now)).toEqual(malformed);
  });

  it('ignores other fields and white space around parts, tries every v1, any case', async () => {
    const sig = await signPayload('s', t, 'x');
    const ok = { ok: true };
    expect(await verifySignature(` t=${t} , v1=${sig} `, 'x', ['s'], now)).toEqual(ok);
    // an unknown field with a small number is not a timestamp; a bare word is skipped
    expect(await verifySignature(`x=1,t=${t},v0=2,v1=${sig},junk`, 'x', ['s'], now)).toEqual(ok);
    expect(
      await verifySignature(`t=${t},v1=${'0'.repeat(64)},v1=${sig.toUpperCase()}`, 'x', ['s'], now),
    ).toEqual(ok);
  });
});

describe('randomToken', () => {
  it('is URL-safe base64 without padding: 43 characters for 32 bytes, 2 for 1, 4 for 3', () => {
    const tokens = Array.from({ length: 200 }, () => randomToken());
    for (const tok of tokens) expect(tok).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(tokens).size).toBe(200);
    // 200 × 43 characters: both URL-safe replacements show up (each has p ≈ 1 − (63/64)^8600 ≈ 1)
    expect(tokens.join('')).toMatch(/-/);
    expect(tokens.join('')).toMatch(/_/);
    for (let i = 0; i < 20; i++) {
      expect(randomToken(1)).toMatch(/^[A-Za-z0-9_-]{2}$/);
      expect(randomToken(3)).toMatch(/^[A-Za-z0-9_-]{4}$/);
    }
  });
});
