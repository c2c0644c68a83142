/** The addresses TradingView sends webhooks from (its documentation lists exactly these). */
export const TRADINGVIEW_IPS: readonly string[] = Object.freeze([
  '52.89.214.238',
  '34.212.75.30',
  '54.218.53.128',
  '52.32.178.7',
]);

/**
 * Whether `ip` is allowed by `allowlist` (single addresses or IPv4 CIDRs). An empty list allows
 * everyone; an unknown client address is allowed by nothing but an empty list.
 *
 * @example ipAllowed('52.89.214.238', TRADINGVIEW_IPS) // true
 */
export function ipAllowed(ip: string | undefined, allowlist: readonly string[]): boolean {
  if (allowlist.length === 0) return true;
  if (!ip) return false;
  const normalized = ip
    .trim()
    .toLowerCase()
    .replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  for (const entry of allowlist) {
    const e = entry.trim().toLowerCase();
    if (e === normalized) return true;
    const slash = e.indexOf('/');
    if (slash > 0 && inCidr4(normalized, e.slice(0, slash), Number(e.slice(slash + 1)))) return true;
  }
  return false;
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

function inCidr4(ip: string, base: string, bits: number): boolean {
  const a = ipv4ToInt(ip);
  const b = ipv4ToInt(base);
  if (a === undefined || b === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(b / size);
}
