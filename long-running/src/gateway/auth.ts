import type { AppConfig } from '@enigma/workers';
import { verifyToken } from '@enigma/workers/auth/tokens';
import type { GatewayIdentity } from './gateway.ts';

/** Expiry (ms) of an already verified JWT. */
function expiryOf(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as {
      exp?: unknown;
    };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The gateway accepts the REST API's own access tokens: same secret, same checks (signature, `typ`,
 * expiry against the app clock), so a session that can read the API can watch it live.
 */
export function accessTokenAuthenticator(config: AppConfig): (token: string) => Promise<GatewayIdentity> {
  return async function authenticate(token) {
    const claims = await verifyToken(config, token, 'access');
    return { subject: claims.sub, role: claims.role ?? 'viewer', expiresAt: expiryOf(token) };
  };
}
