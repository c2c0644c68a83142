import { authenticateApiKey } from '@enigma/db/repositories/api-keys';
import { userStanding } from '@enigma/db/repositories/users';
import type { MiddlewareHandler } from 'hono';
import { verifyToken } from '../../auth/tokens.ts';
import type { AppEnv, AuthContext } from '../../deps.ts';
import { ApiError } from '../../errors.ts';

const RANK: Record<AuthContext['role'], number> = { viewer: 0, trader: 1, admin: 2 };

/**
 * Require a caller with at least `minRole`: a Bearer access token (dashboard) or an API key
 * (`x-api-key`, or `Authorization: Bearer enk_...`) for scripts; a key acts for its user.
 *
 * @example app.get('/api/signals', requireRole('viewer'), handler)
 */
export function requireRole(minRole: AuthContext['role']): MiddlewareHandler<AppEnv> {
  return async function requireRoleMiddleware(c, next) {
    const auth = c.get('auth') ?? (await authenticate(c.req.raw, c.get('deps')));
    c.set('auth', auth);
    if (RANK[auth.role] < RANK[minRole]) {
      throw new ApiError('forbidden', `this operation needs the ${minRole} role`, { role: auth.role });
    }
    await next();
  };
}

/** The lesser of two roles. */
function lesser(a: AuthContext['role'], b: AuthContext['role']): AuthContext['role'] {
  return RANK[a] <= RANK[b] ? a : b;
}

async function authenticate(req: Request, deps: AppEnv['Variables']['deps']): Promise<AuthContext> {
  const header = req.headers.get('authorization') ?? '';
  const bearer = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
  const apiKey = req.headers.get('x-api-key') ?? (bearer?.startsWith('enk_') ? bearer : undefined);
  if (apiKey) {
    // Records lastUsedAt; revoked and expired keys are not found.
    const key = await authenticateApiKey(deps.db, apiKey, new Date(deps.config.now()));
    if (!key) throw new ApiError('invalid_credentials', 'invalid API key');
    if (!key.userId) return { subject: `api-key:${key.id}`, role: key.role, via: 'api_key' };
    // A key acts for its user: it stops with a disabled user and never outranks the user's current role.
    const user = await userStanding(deps.db, key.userId);
    if (!user || user.disabled) throw new ApiError('invalid_credentials', 'invalid API key');
    return { subject: `api-key:${key.id}`, role: lesser(key.role, user.role), via: 'api_key' };
  }
  if (!bearer) throw new ApiError('unauthorized', 'missing Authorization: Bearer token or x-api-key');
  const claims = await verifyToken(deps.config, bearer, 'access');
  // The role is re-read so a demoted or disabled user loses access before the token expires.
  const user = await userStanding(deps.db, claims.sub);
  if (!user || user.disabled) throw new ApiError('invalid_token', 'invalid or expired token');
  return { subject: `user:${user.id}`, role: user.role, via: 'jwt' };
}
