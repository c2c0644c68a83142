import { exponentialBackoff } from '@enigma/core/backoff';
import type { EnigmaDb } from '@enigma/db/db-type';
import { createApiKey, listApiKeys, revokeApiKey } from '@enigma/db/repositories/api-keys';
import {
  refreshFamilyOf,
  refreshFamilyOwner,
  revokeRefreshFamily,
  useRefreshToken,
} from '@enigma/db/repositories/refresh-tokens';
import { getUserByEmail, updateUser, userStanding } from '@enigma/db/repositories/users';
import { USER_ROLES } from '@enigma/db/schema/index';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { recordAudit } from '../audit.ts';
import { hashPassword, verifyPassword } from '../auth/password.ts';
import { issueTokens } from '../auth/tokens.ts';
import type { AppDeps, AppEnv } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { requireRole } from '../middleware/auth/index.ts';
import { clientKeyOf } from '../security/ip.ts';
import { cfConnectingIp } from '../webhooks/intake.ts';
import { bearerSecurity, errorResponses } from './openapi.ts';

const TokenPair = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number(),
    role: z.enum(USER_ROLES),
  })
  .openapi('TokenPair');

const login = createRoute({
  method: 'post',
  path: '/auth/login',
  tags: ['auth'],
  summary: 'Log in with email and password: a short-lived access token and a refresh token',
  request: {
    body: {
      content: {
        'application/json': {
          schema: z
            .object({ email: z.string().min(3).max(320), password: z.string().min(1).max(1024) })
            .strict(),
        },
      },
    },
  },
  responses: {
    200: { description: 'Tokens', content: { 'application/json': { schema: TokenPair } } },
    ...errorResponses,
  },
});

const refresh = createRoute({
  method: 'post',
  path: '/auth/refresh',
  tags: ['auth'],
  summary:
    'Exchange a refresh token for a new pair (the token is used up; presenting it again revokes its whole session)',
  request: {
    body: {
      content: {
        'application/json': { schema: z.object({ refreshToken: z.string().min(1).max(2048) }).strict() },
      },
    },
  },
  responses: {
    200: { description: 'Tokens', content: { 'application/json': { schema: TokenPair } } },
    ...errorResponses,
  },
});

const logout = createRoute({
  method: 'post',
  path: '/auth/logout',
  tags: ['auth'],
  summary: 'End a session: every refresh token of its family is revoked',
  request: {
    body: {
      content: {
        'application/json': { schema: z.object({ refreshToken: z.string().min(1).max(2048) }).strict() },
      },
    },
  },
  responses: { 204: { description: 'Logged out' }, ...errorResponses },
});

const ApiKeyItem = z
  .object({
    id: z.string().openapi({ example: '0b7c1f0e-2a57-4a89-9a7b-0c1d2e3f4a5b' }),
    name: z.string().openapi({ example: 'grafana' }),
    prefix: z
      .string()
      .openapi({ description: 'first characters of the key, to tell keys apart', example: 'enk_AbCdEfGh' }),
    role: z.enum(USER_ROLES),
    userId: z.string().nullable(),
    createdAt: z.string().openapi({ example: '2026-12-06T06:00:00.000Z' }),
    lastUsedAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiKey');

const createKey = createRoute({
  method: 'post',
  path: '/api-keys',
  tags: ['auth'],
  summary: 'Create an API key for scripts (admin); the key is shown once',
  security: bearerSecurity,
  middleware: [requireRole('admin')],
  request: {
    body: {
      content: {
        'application/json': {
          schema: z
            .object({
              name: z.string().min(1).max(100),
              role: z.enum(USER_ROLES).default('viewer'),
              expiresAt: z.iso.datetime().optional(),
            })
            .strict(),
        },
      },
    },
  },
  responses: {
    201: {
      description: 'The new key',
      content: {
        'application/json': { schema: z.object({ id: z.string(), key: z.string(), prefix: z.string() }) },
      },
    },
    ...errorResponses,
  },
});

const listKeys = createRoute({
  method: 'get',
  path: '/api-keys',
  tags: ['auth'],
  summary: 'List API keys (admin), without the keys themselves',
  security: bearerSecurity,
  middleware: [requireRole('admin')],
  responses: {
    200: {
      description: 'Keys',
      content: { 'application/json': { schema: z.object({ items: z.array(ApiKeyItem) }) } },
    },
    ...errorResponses,
  },
});

const revokeKey = createRoute({
  method: 'delete',
  path: '/api-keys/{id}',
  tags: ['auth'],
  summary: 'Revoke an API key (admin)',
  security: bearerSecurity,
  middleware: [requireRole('admin')],
  request: { params: z.object({ id: z.uuid() }) },
  responses: { 204: { description: 'Revoked' }, ...errorResponses },
});

/** Login attempts a minute per client address (IPv6: per /64), checked before anything else. */
const LOGIN_ATTEMPTS_PER_ADDRESS = 30;
/** Failed logins of one account before it backs off. */
const FREE_FAILURES = 5;
/** Longest back-off between attempts on one account, and how long failures are remembered. */
const MAX_BACKOFF_SECONDS = 300;
const FAILURE_MEMORY_SECONDS = 15 * 60;

/** A hash of nothing, verified against when the email is unknown, so both cases cost the same. */
let dummyHash: Promise<string> | undefined;

function tooMany(seconds: number, message: string): ApiError {
  return new ApiError(
    'rate_limited',
    message,
    { retryAfterSeconds: seconds },
    { 'Retry-After': String(seconds) },
  );
}

async function limitAddress(deps: AppDeps, ip: string | undefined): Promise<void> {
  const { count, resetSeconds } = await deps.kv.hit(`rl:login:ip:${clientKeyOf(ip)}`, 60);
  if (count > LOGIN_ATTEMPTS_PER_ADDRESS)
    throw tooMany(resetSeconds, 'too many login attempts, try again later');
}

/**
 * Per account and client address: after FREE_FAILURES failures the next attempt from that address must
 * wait 1, 2, 4, … s (at most MAX_BACKOFF_SECONDS) after the last failure. A back-off, not a lock-out:
 * failures elsewhere never delay the owner's address, and one success clears it. Guessing from many
 * addresses meets each address's own limit (LOGIN_ATTEMPTS_PER_ADDRESS a minute) and this back-off.
 */
interface Failures {
  n: number;
  lastMs: number;
}

async function failuresOf(deps: AppDeps, key: string): Promise<Failures> {
  const raw = await deps.kv.get(key);
  if (!raw) return { n: 0, lastMs: 0 };
  const [n, lastMs] = raw.split(':').map(Number);
  return { n: n ?? 0, lastMs: lastMs ?? 0 };
}

export function backoffSeconds(failures: number): number {
  return failures < FREE_FAILURES
    ? 0
    : exponentialBackoff(failures - FREE_FAILURES, { base: 1, max: MAX_BACKOFF_SECONDS });
}

/** Login, refresh, logout and API key management. */
export function registerAuth(api: OpenAPIHono<AppEnv>): void {
  api.openapi(login, async (c) => {
    const deps = c.get('deps');
    const { db, config } = deps;
    const { email, password } = c.req.valid('json');
    const ip = (deps.clientIp ?? cfConnectingIp)(c.req.raw, c.env);
    await limitAddress(deps, ip);
    // Per account AND address: failures from elsewhere (anyone who knows the email) must not hold the
    // owner back — keyed on the account alone, an attacker's 12 wrong passwords kept the owner out.
    const account = `login:failures:${email.trim().toLowerCase()}:${clientKeyOf(ip)}`;
    const failures = await failuresOf(deps, account);
    const wait = Math.ceil((failures.lastMs + backoffSeconds(failures.n) * 1000 - config.now()) / 1000);
    if (wait > 0) throw tooMany(wait, 'too many failed logins for this account, wait before trying again');
    const user = await getUserByEmail(db, email).catch(() => null);
    dummyHash ??= hashPassword('no such user');
    // Same work for unknown users as for known ones, and the same answer, so emails cannot be probed.
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash));
    if (!user || !ok || user.disabled) {
      await deps.kv.del(account);
      await deps.kv.setNx(account, `${failures.n + 1}:${config.now()}`, FAILURE_MEMORY_SECONDS);
      throw new ApiError('invalid_credentials', 'wrong email or password');
    }
    if (failures.n > 0) await deps.kv.del(account);
    const at = new Date(config.now());
    const tokens = await db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as EnigmaDb;
      await updateUser(tx, user.id, { lastLoginAt: at });
      const pair = await issueTokens(config, tx, user);
      await recordAudit(tx, config, {
        actor: `user:${user.id}`,
        action: 'auth.login',
        entity: 'user',
        entityId: user.id,
        data: { role: user.role },
        at,
      });
      return pair;
    });
    return c.json(tokens, 200);
  });

  api.openapi(refresh, async (c) => {
    const { db, config, logger } = c.get('deps');
    const used = await useRefreshToken(db, c.req.valid('json').refreshToken, new Date(config.now()));
    if (!used.ok) {
      if (used.reason === 'reused')
        logger.warn({ requestId: c.get('requestId') }, 'refresh token reused: session revoked');
      throw new ApiError('invalid_token', 'invalid or expired token');
    }
    const user = await userStanding(db, used.userId);
    if (!user || user.disabled) {
      await revokeRefreshFamily(db, used.familyId, new Date(config.now()));
      throw new ApiError('invalid_token', 'invalid or expired token');
    }
    return c.json(await issueTokens(config, db, user, used.familyId), 200);
  });

  api.openapi(logout, async (c) => {
    const { db, config } = c.get('deps');
    const family = await refreshFamilyOf(db, c.req.valid('json').refreshToken);
    if (family) {
      const at = new Date(config.now());
      await db.transaction(async (txRaw) => {
        const tx = txRaw as unknown as EnigmaDb;
        if ((await revokeRefreshFamily(tx, family, at)) === 0) return;
        const owner = await refreshFamilyOwner(tx, family);
        await recordAudit(tx, config, {
          actor: owner ? `user:${owner}` : 'session',
          action: 'auth.logout',
          entity: 'refresh_family',
          entityId: family,
          at,
        });
      });
    }
    return c.body(null, 204);
  });

  api.openapi(createKey, async (c) => {
    const { db, config } = c.get('deps');
    const body = c.req.valid('json');
    const auth = c.get('auth')!;
    const userId = auth.subject.startsWith('user:') ? auth.subject.slice(5) : null;
    const created = await db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as EnigmaDb;
      const { apiKey, key } = await createApiKey(tx, {
        userId,
        name: body.name,
        role: body.role,
        expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
      });
      await recordAudit(tx, config, {
        actor: auth.subject,
        action: 'api_key.create',
        entity: 'api_key',
        entityId: apiKey.id,
        data: { name: body.name, role: body.role, prefix: apiKey.prefix },
        at: new Date(config.now()),
      });
      return { id: apiKey.id, key, prefix: apiKey.prefix };
    });
    return c.json(created, 201);
  });

  api.openapi(listKeys, async (c) => {
    const items = await listApiKeys(c.get('deps').db);
    const iso = (d: Date | null) => (d ? d.toISOString() : null);
    return c.json(
      {
        items: items.map((k) => ({
          id: k.id,
          name: k.name,
          prefix: k.prefix,
          role: k.role,
          userId: k.userId,
          createdAt: k.createdAt.toISOString(),
          lastUsedAt: iso(k.lastUsedAt),
          expiresAt: iso(k.expiresAt),
          revokedAt: iso(k.revokedAt),
        })),
      },
      200,
    );
  });

  api.openapi(revokeKey, async (c) => {
    const { db, config } = c.get('deps');
    const { id } = c.req.valid('param');
    await db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as EnigmaDb;
      if (!(await revokeApiKey(tx, id, new Date(config.now()))))
        throw new ApiError('not_found', 'no such API key');
      await recordAudit(tx, config, {
        actor: c.get('auth')!.subject,
        action: 'api_key.revoke',
        entity: 'api_key',
        entityId: id,
        at: new Date(config.now()),
      });
    });
    return c.body(null, 204);
  });
}
