import { createWebhookSource, getWebhookSourceByName } from '@enigma/db/repositories/webhook-sources';
import { users } from '@enigma/db/schema/index';
import { createUserWithPassword as createUser } from './auth/users.ts';
import type { AppDeps } from './deps.ts';
import { randomToken } from './security/compare.ts';
import { masterKeyOf } from './webhooks/master-key.ts';

/** What `enigma start` prints after bootstrapping. */
export interface BootstrapResult {
  /** the first admin login, only on the start that created it (the password is not stored in clear) */
  admin: { email: string; password: string } | null;
  /** the default TradingView source and its secret (read back with the master key on later starts) */
  source: { name: string; secret: string; created: boolean } | null;
  /** a ready-to-paste curl posting a TradingView-style alert, in the original design's format */
  curl: string | null;
}

export interface BootstrapOptions {
  /** where the app listens, e.g. http://127.0.0.1:8787 */
  baseUrl: string;
  adminEmail?: string;
  sourceName?: string;
}

/**
 * First-start setup of the embedded default: an admin user with a random password and a default
 * `tradingview` webhook source with a random secret, each created only when absent. Safe to call on
 * every start.
 *
 * @example
 * const boot = await bootstrapEmbedded(deps, { baseUrl: 'http://127.0.0.1:8787' });
 * if (boot.admin) console.log(`login ${boot.admin.email} / ${boot.admin.password}`);
 * if (boot.curl) console.log(boot.curl);
 */
export async function bootstrapEmbedded(deps: AppDeps, options: BootstrapOptions): Promise<BootstrapResult> {
  const { db, config } = deps;
  const email = options.adminEmail ?? 'admin@enigma.local';
  const sourceName = options.sourceName ?? 'tradingview';

  let admin: BootstrapResult['admin'] = null;
  const anyUser = await db.select({ id: users.id }).from(users).limit(1);
  if (anyUser.length === 0) {
    const password = randomToken(12);
    await createUser(db, { email, password, role: 'admin', displayName: 'Administrator' });
    admin = { email, password };
  }

  const mk = await masterKeyOf(config.masterKey);
  let source: BootstrapResult['source'] = null;
  const existing = await getWebhookSourceByName(db, mk, sourceName);
  if (!existing) {
    const created = await createWebhookSource(db, mk, {
      name: sourceName,
      kind: 'tradingview',
      staleAfterSeconds: config.staleAfterSeconds,
    });
    source = { name: sourceName, secret: created.secret, created: true };
  } else {
    const plaintext = existing.secrets.find((s) => s.plaintext !== null && s.expiresAt === null)?.plaintext;
    if (plaintext) source = { name: sourceName, secret: plaintext, created: false };
  }
  return { admin, source, curl: source ? alertCurl(options.baseUrl, source.name, source.secret) : null };
}

/**
 * A curl that posts a TradingView alert as the original design's alert message would expand; the
 * timestamp is taken by the shell when the command runs, so the alert is fresh, not stale.
 */
export function alertCurl(baseUrl: string, sourceName: string, secret: string): string {
  const url = `${baseUrl.replace(/\/$/, '')}/webhooks/tradingview${sourceName === 'tradingview' ? '' : `?source=${encodeURIComponent(sourceName)}`}`;
  const before = `{"secret":${JSON.stringify(secret)},"timestamp":"`;
  const after =
    '","exchange":"KUCOIN","symbol":"XBTUSDTM","interval":"15","action":"buy",' +
    '"indicators":{"rsi":"28.4","macd":"-12.5","macd_signal":"-10.1","macd_hist":"-2.4","bb_upper":"65500","bb_middle":"64800","bb_lower":"64100","atr":"310.2","volume":"1234.5","close":"64150.5","open":"64300","high":"64400","low":"64050"},' +
    '"conditions":{"rsi_oversold":true}}';
  return `curl -sS -X POST '${url}' -H 'content-type: application/json' -d '${before}'"$(date -u +%Y-%m-%dT%H:%M:%SZ)"'${after}'`;
}
