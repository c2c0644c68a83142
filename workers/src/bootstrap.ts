import { hasAnyUser } from '@enigma/db/repositories/users';
import { createWebhookSource, findWebhookSource } from '@enigma/db/repositories/webhook-sources';
import { createUserWithPassword as createUser } from './auth/users.ts';
import type { AppDeps } from './deps.ts';
import { randomToken } from './security/compare.ts';
import { masterKeyOf } from './webhooks/master-key.ts';

/** What `enigma start` prints after bootstrapping. */
export interface BootstrapResult {
  /** the first admin login, only on the start that created it (the password is not stored in clear) */
  admin: { email: string; password: string } | null;
  /**
   * the default TradingView source; its secret only on the start that created it (later starts never
   * read it back: `secretHelp` says how to show or rotate it)
   */
  source: { name: string; secret: string | null; created: boolean };
  /** a ready-to-paste curl posting a TradingView-style alert with the real secret, on the creating start only */
  curl: string | null;
  /** on later starts: how to show or rotate the source's secret (lines to print) */
  secretHelp: string[];
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
 * every start; the password and the secret are returned only by the call that creates them.
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
  if (!(await hasAnyUser(db))) {
    const password = randomToken(12);
    await createUser(db, { email, password, role: 'admin', displayName: 'Administrator' });
    admin = { email, password };
  }

  if (await findWebhookSource(db, sourceName)) {
    // The secret is not decrypted, let alone printed, again: a terminal log or a shared screen of a
    // later start must not leak it.
    return {
      admin,
      source: { name: sourceName, secret: null, created: false },
      curl: null,
      secretHelp: secretHelp(options.baseUrl, sourceName),
    };
  }
  const created = await createWebhookSource(db, await masterKeyOf(config.masterKey), {
    name: sourceName,
    kind: 'tradingview',
    staleAfterSeconds: config.staleAfterSeconds,
  });
  return {
    admin,
    source: { name: sourceName, secret: created.secret, created: true },
    curl: alertCurl(options.baseUrl, sourceName, created.secret),
    secretHelp: [],
  };
}

/** What a later start prints instead of the secret: where to show it (admin, audited) or rotate it. */
export function secretHelp(baseUrl: string, sourceName: string): string[] {
  const api = `${baseUrl.replace(/\/$/, '')}/api/settings/webhook-sources/${encodeURIComponent(sourceName)}`;
  const auth = '-H "authorization: Bearer $TOKEN"';
  return [
    `webhook source "${sourceName}": its secret was shown on the first start only. With an admin token:`,
    `  show it:   curl -sS ${auth} '${api}/secret'`,
    `  rotate it: curl -sS -X POST ${auth} -H 'content-type: application/json' -d '{"graceSeconds":0}' '${api}/rotate'`,
  ];
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
