import { TRADABLE_CONTRACTS_KEY, tradableContractsSchema } from '@enigma/core/settings/keys';
import { DEFAULT_CONTRACTS } from '@enigma/core/signals/symbols';
import { getSetting } from '@enigma/db/repositories/settings';
import type { AppDeps } from './deps.ts';
import { ApiError } from './errors.ts';

// The contracts the API and intake accept (one home): webhook intake refuses an alert for any other
// as `unknown_symbol`, and the operator command routes refuse a command for one the same way.

/** How long this process (or isolate) trusts the tradable contracts it read from the settings. */
const TRADABLE_TTL_MS = 60_000;
/** Until an engine has published the list, how long "none published" is trusted (as long as a cached source). */
const TRADABLE_ABSENT_TTL_MS = 5_000;
/** Per app (its source cache; the Worker keeps one per isolate): requests of one app share the list. */
const tradableByApp = new WeakMap<object, { at: number; symbols: readonly string[] | null }>();

/**
 * The symbols intake accepts: an explicit `config.knownSymbols`, else the contracts the engine publishes
 * from the exchange's list (`exchange.contracts` in the settings; one source of truth for intake, engine
 * and collector), read at most once a minute per app (the Worker: per isolate). Until an engine has
 * published them, core's contract table decides here, and the engine refuses what the exchange does not list.
 */
export async function knownSymbolsOf(deps: AppDeps): Promise<{ knownSymbols?: readonly string[] }> {
  if (deps.config.knownSymbols) return { knownSymbols: deps.config.knownSymbols };
  const now = deps.config.now();
  const appKey = (deps.sourceCache ?? deps.db) as object;
  let tradable = tradableByApp.get(appKey);
  const ttl = tradable?.symbols ? TRADABLE_TTL_MS : TRADABLE_ABSENT_TTL_MS;
  if (!tradable || now - tradable.at >= ttl) {
    let symbols: readonly string[] | null = null;
    try {
      const parsed = tradableContractsSchema.safeParse(await getSetting(deps.db, TRADABLE_CONTRACTS_KEY));
      symbols = parsed.success ? parsed.data.symbols : null;
    } catch (error) {
      // The database answered the source lookup a moment ago; keep what we had rather than fail the alert.
      deps.logger.warn(
        { err: (error as Error).message },
        'tradable contracts unreadable: kept the last list',
      );
      symbols = tradable?.symbols ?? null;
    }
    tradable = { at: now, symbols };
    // Nothing published yet: asked again within a few seconds, so the list applies soon after an
    // engine publishes it, without a query per alert meanwhile.
    tradableByApp.set(appKey, tradable);
  }
  return tradable.symbols ? { knownSymbols: tradable.symbols } : {};
}

/**
 * Refuse an operator command for a contract intake would refuse (`knownSymbolsOf`; core's table until
 * an engine has published the exchange's list): a 422 `unknown_symbol` naming the field `symbol` with the
 * known list, before anything is stored, instead of a 202 the engine rejects later.
 */
export async function refuseUntradableSymbol(deps: AppDeps, symbol: string): Promise<void> {
  const known = (await knownSymbolsOf(deps)).knownSymbols ?? DEFAULT_CONTRACTS;
  if (known.includes(symbol)) return;
  const message = `${symbol} is not a contract the exchange lists as tradable; known: ${known.join(', ')}`;
  throw new ApiError('unknown_symbol', `symbol: ${message}`, {
    field: 'symbol',
    known: [...known],
    issues: [{ path: 'symbol', message }],
  });
}
