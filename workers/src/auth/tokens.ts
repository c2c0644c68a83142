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
 * Issue a short-lived access token and a longer refresh token (HS256). The `typ` claim keeps one
 * from being used as the other.
 */
export async function issueTokens(config: AppConfig, subject: string, role: Role): Promise<TokenPair> {
  const now = Math.floor(config.now() / 1000);
  const accessToken = await sign(
    { sub: subject, role, typ: 'access', iat: now, exp: now + config.accessTokenTtlSeconds },
    config.jwtSecret,
    'HS256',
  );
  const refreshToken = await sign(
    {
      sub: subject,
      typ: 'refresh',
      iat: now,
      exp: now + config.refreshTokenTtlSeconds,
      jti: crypto.randomUUID(),
    },
    config.jwtSecret,
    'HS256',
  );
  return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: config.accessTokenTtlSeconds, role };
}

/** Verify a token of the given type; any failure is `invalid_token` (401) without detail on why. */
export async function verifyToken(
  config: AppConfig,
  token: string,
  typ: 'access' | 'refresh',
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
