import ipaddr from 'ipaddr.js';

/** The addresses TradingView sends webhooks from (its documentation lists exactly these). */
export const TRADINGVIEW_IPS: readonly string[] = Object.freeze([
  '52.89.214.238',
  '34.212.75.30',
  '54.218.53.128',
  '52.32.178.7',
]);

type Parsed = ipaddr.IPv4 | ipaddr.IPv6;

/** Parse a client address strictly (dotted-quad IPv4 or IPv6); IPv4-mapped IPv6 becomes IPv4. */
export function parseAddress(text: string): Parsed | null {
  const t = text.trim();
  let addr: Parsed;
  if (ipaddr.IPv4.isValidFourPartDecimal(t)) addr = ipaddr.IPv4.parse(t);
  else if (ipaddr.IPv6.isValid(t) && !t.includes('%')) addr = ipaddr.IPv6.parse(t);
  else return null;
  return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()
    ? (addr as ipaddr.IPv6).toIPv4Address()
    : addr;
}

/** Why an allowlist entry is unusable, or null when it is an address or a CIDR block with a prefix. */
export function allowlistEntryProblem(entry: string): string | null {
  const t = entry.trim();
  if (t === '' || t.length > 64) return 'must be an IPv4 or IPv6 address or CIDR block';
  const slash = t.indexOf('/');
  if (slash < 0) return parseAddress(t) ? null : 'not an IPv4 or IPv6 address';
  const base = parseAddress(t.slice(0, slash));
  const bits = t.slice(slash + 1);
  if (!base) return 'not an IPv4 or IPv6 network address before the "/"';
  if (!/^\d{1,3}$/.test(bits)) return 'a CIDR block needs an explicit prefix length after the "/"';
  const max = base.kind() === 'ipv4' ? 32 : 128;
  if (Number(bits) > max) return `prefix length must be 0..${max}`;
  return null;
}

interface Range {
  base: Parsed;
  bits: number;
}

function rangeOf(entry: string): Range | null {
  if (allowlistEntryProblem(entry) !== null) return null;
  const t = entry.trim();
  const slash = t.indexOf('/');
  if (slash < 0) {
    const base = parseAddress(t)!;
    return { base, bits: base.kind() === 'ipv4' ? 32 : 128 };
  }
  return { base: parseAddress(t.slice(0, slash))!, bits: Number(t.slice(slash + 1)) };
}

/**
 * Whether `ip` is allowed by `allowlist` (IPv4/IPv6 addresses or CIDR blocks with a prefix; any
 * spelling of an address matches). An empty list allows everyone; an unknown or unparsable client
 * address is allowed by nothing but an empty list; an invalid entry (refused by the settings API,
 * `allowlistEntryProblem`) matches nothing.
 *
 * @example ipAllowed('52.89.214.238', TRADINGVIEW_IPS) // true
 * @example ipAllowed('::1', ['0:0:0:0:0:0:0:1'])       // true
 */
export function ipAllowed(ip: string | undefined, allowlist: readonly string[]): boolean {
  if (allowlist.length === 0) return true;
  if (!ip) return false;
  const addr = parseAddress(ip);
  if (!addr) return false;
  for (const entry of allowlist) {
    const range = rangeOf(entry);
    if (range && range.base.kind() === addr.kind() && addr.match(range.base, range.bits)) return true;
  }
  return false;
}

/**
 * The unit a client is counted by for rate limits: the IPv4 address, or the /64 of an IPv6 address
 * (one subscriber usually holds a whole /64, so counting single IPv6 addresses counts nothing).
 *
 * @example clientKeyOf('2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 */
export function clientKeyOf(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const addr = parseAddress(ip);
  if (!addr) return 'invalid';
  if (addr.kind() === 'ipv4') return addr.toString();
  const parts = (addr as ipaddr.IPv6).parts.slice(0, 4).concat([0, 0, 0, 0]);
  return `${new ipaddr.IPv6(parts).toString()}/64`;
}
