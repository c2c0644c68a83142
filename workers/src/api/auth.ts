import { appendAudit } from '@enigma/db/repositories/audit';
import { USER_ROLES } from '@enigma/db/schema/index';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { verifyPassword } from '../auth/password.ts';
import { issueTokens, verifyToken } from '../auth/tokens.ts';
import type { AppDeps, AppEnv } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { requireRole } from '../middleware/auth/index.ts';
import {
  createApiKey,
  findUserByEmail,
  findUserById,
  listApiKeys,
  revokeApiKey,
  touchLogin,
} from '../repos/users.ts';
import { cfConnectingIp } from '../webhooks/intake.ts';
import { bearerSecurity, errorResponses, jsonRow, RowSchema } from './openapi.ts';

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
          schema: z.object({ email: z.string().min(3).max(320), password: z.string().min(1).max(1024) }),
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
  summary: 'Exchange a refresh token for a new token pair',
  request: {
    body: { content: { 'application/json': { schema: z.object({ refreshToken: z.string().min(1) }) } } },
  },
  responses: {
    200: { description: 'Tokens', content: { 'application/json': { schema: TokenPair } } },
    ...errorResponses,
  },
});

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
          schema: z.object({
            name: z.string().min(1).max(100),
            role: z.enum(USER_ROLES).default('viewer'),
            expiresAt: z.iso.datetime().optional(),
          }),
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
      content: { 'application/json': { schema: z.object({ items: z.array(RowSchema) }) } },
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

/** Password guessing is slowed per account and per client address (attempts a minute). */
const LOGIN_ATTEMPTS_PER_ACCOUNT = 10;
const LOGIN_ATTEMPTS_PER_IP = 30;

async function limitLoginAttempts(deps: AppDeps, ip: string | undefined, email: string): Promise<void> {
  const limits: [string, number][] = [
    [`rl:login:user:${email.trim().toLowerCase()}`, LOGIN_ATTEMPTS_PER_ACCOUNT],
    [`rl:login:ip:${ip ?? 'unknown'}`, LOGIN_ATTEMPTS_PER_IP],
  ];
  for (const [key, limit] of limits) {
    const { count, resetSeconds } = await deps.kv.hit(key, 60);
    if (count > limit) {
      throw new ApiError(
        'rate_limited',
        'too many login attempts, try again later',
        { retryAfterSeconds: resetSeconds },
        { 'Retry-After': String(resetSeconds) },
      );
    }
  }
}

/** Login, refresh and API key management. */
export function registerAuth(api: OpenAPIHono<AppEnv>): void {
  api.openapi(login, async (c) => {
    const { db, config } = c.get('deps');
    const { email, password } = c.req.valid('json');
    await limitLoginAttempts(
      c.get('deps'),
      (c.get('deps').clientIp ?? cfConnectingIp)(c.req.raw, c.env),
      email,
    );
    const user = await findUserByEmail(db, email);
    // Same answer for unknown users and wrong passwords, so emails cannot be probed.
    const ok = user ? await verifyPassword(password, user.passwordHash) : false;
    if (!user || !ok || user.disabled) throw new ApiError('invalid_credentials', 'wrong email or password');
    await touchLogin(db, user.id, new Date(config.now()));
    return c.json(await issueTokens(config, user.id, user.role), 200);
  });

  api.openapi(refresh, async (c) => {
    const { db, config } = c.get('deps');
    const claims = await verifyToken(config, c.req.valid('json').refreshToken, 'refresh');
    const user = await findUserById(db, claims.sub);
    if (!user || user.disabled) throw new ApiError('invalid_token', 'invalid or expired token');
    return c.json(await issueTokens(config, user.id, user.role), 200);
  });

  api.openapi(createKey, async (c) => {
    const { db, config } = c.get('deps');
    const body = c.req.valid('json');
    const auth = c.get('auth')!;
    const userId = auth.subject.startsWith('user:') ? auth.subject.slice(5) : null;
    const created = await createApiKey(db, {
      userId,
      name: body.name,
      role: body.role,
      expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
    });
    await appendAudit(db, {
      actor: auth.subject,
      action: 'api_key.create',
      entity: 'api_key',
      entityId: created.id,
      data: { name: body.name, role: body.role, prefix: created.prefix },
      at: new Date(config.now()),
    });
    return c.json(created, 201);
  });

  api.openapi(listKeys, async (c) => {
    const items = await listApiKeys(c.get('deps').db);
    return c.json({ items: items.map(jsonRow) }, 200);
  });

  api.openapi(revokeKey, async (c) => {
    const { db, config } = c.get('deps');
    const { id } = c.req.valid('param');
    if (!(await revokeApiKey(db, id, new Date(config.now()))))
      throw new ApiError('not_found', 'no such API key');
    await appendAudit(db, {
      actor: c.get('auth')!.subject,
      action: 'api_key.revoke',
      entity: 'api_key',
      entityId: id,
      at: new Date(config.now()),
    });
    return c.body(null, 204);
  });
}
