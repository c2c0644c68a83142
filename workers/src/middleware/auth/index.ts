import type { MiddlewareHandler } from 'hono';
import { verifyToken } from '../../auth/tokens.ts';
import type { AppEnv, AuthContext } from '../../deps.ts';
import { ApiError } from '../../errors.ts';
import { findApiKey, findUserById } from '../../repos/users.ts';

const RANK: Record<AuthContext['role'], number> = { viewer: 0, trader: 1, admin: 2 };

/**
 * Require a caller with at least `minRole`: a Bearer access token (dashboard) or an API key
 * (`x-api-key`, or `Authorization: Bearer ek_...`) for scripts.
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

async function authenticate(req: Request, deps: AppEnv['Variables']['deps']): Promise<AuthContext> {
  const header = req.headers.get('authorization') ?? '';
  const bearer = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
  const apiKey = req.headers.get('x-api-key') ?? (bearer?.startsWith('ek_') ? bearer : undefined);
  if (apiKey) {
    const row = await findApiKey(deps.db, apiKey, new Date(deps.config.now()));
    if (!row) throw new ApiError('invalid_credentials', 'invalid API key');
    return { subject: `api-key:${row.id}`, role: row.role, via: 'api_key' };
  }
  if (!bearer) throw new ApiError('unauthorized', 'missing Authorization: Bearer token or x-api-key');
  const claims = await verifyToken(deps.config, bearer, 'access');
  // The role is re-read so a demoted or disabled user loses access before the token expires.
  const user = await findUserById(deps.db, claims.sub);
  if (!user || user.disabled) throw new ApiError('invalid_token', 'invalid or expired token');
  return { subject: `user:${user.id}`, role: user.role, via: 'jwt' };
}
