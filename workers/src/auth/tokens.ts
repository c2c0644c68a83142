import type { EnigmaDb } from '@enigma/db/db-type';
import { issueRefreshToken } from '@enigma/db/repositories/refresh-tokens';
import { sign, verify } from 'hono/jwt';
import type { AppConfig, AuthContext } from '../deps.ts';
import { ApiError } from '../errors.ts';

type Role = AuthContext['role'];

/** The pair `POST /api/auth/login` and `/refresh` return. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  /** seconds until the access token expires */
  expiresIn: number;
  role: Role;
}

/**
 * Issue a short-lived access token (HS256 JWT) and an opaque refresh token stored hashed in the
 * database (`refresh_tokens`), in `familyId` when refreshing (a new family for a login). The
 * access token's `typ` claim keeps a refresh token from ever being taken for it.
 */
export async function issueTokens(
  config: AppConfig,
  db: EnigmaDb,
  user: { id: string; role: Role },
  familyId?: string,
): Promise<TokenPair> {
  const now = Math.floor(config.now() / 1000);
  const accessToken = await sign(
    { sub: user.id, role: user.role, typ: 'access', iat: now, exp: now + config.accessTokenTtlSeconds },
    config.jwtSecret,
    'HS256',
  );
  const { token: refreshToken } = await issueRefreshToken(db, {
    userId: user.id,
    expiresAt: new Date(config.now() + config.refreshTokenTtlSeconds * 1000),
    ...(familyId ? { familyId } : {}),
  });
  return {
    accessToken,
    refreshToken,
    tokenType: 'Bearer',
    expiresIn: config.accessTokenTtlSeconds,
    role: user.role,
  };
}

/** Verify a token of the given type; any failure is `invalid_token` (401) without detail on why. */
export async function verifyToken(
  config: AppConfig,
  token: string,
  typ: 'access',
): Promise<{ sub: string; role?: Role }> {
  let payload: Record<string, unknown>;
  try {
    // Time claims are checked below against the app clock, which is authoritative (tests, simulations).
    payload = (await verify(token, config.jwtSecret, {
      alg: 'HS256',
      exp: false,
      nbf: false,
      iat: false,
    })) as Record<string, unknown>;
  } catch {
    throw new ApiError('invalid_token', 'invalid or expired token');
  }
  const exp = payload['exp'];
  if (payload['typ'] !== typ || typeof payload['sub'] !== 'string' || typeof exp !== 'number') {
    throw new ApiError('invalid_token', 'invalid or expired token');
  }
  if (exp * 1000 <= config.now()) throw new ApiError('invalid_token', 'invalid or expired token');
  const role = payload['role'];
  return role === 'viewer' || role === 'trader' || role === 'admin'
    ? { sub: payload['sub'], role }
    : { sub: payload['sub'] };
}
