import { findUnsafeText, unsafeTextProblem } from '@enigma/core/safe-text';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler, Next } from 'hono';
import type { AppEnv } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { readBodyCapped } from '../webhooks/body.ts';

/** The error envelope, for every operation's 4xx/5xx responses in the document. */
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'validation_failed' }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()),
      requestId: z.string().optional(),
    }),
  })
  .openapi('Error');

/** Standard error responses to spread into a route's `responses`. */
export const errorResponses = {
  400: { description: 'Bad request', content: { 'application/json': { schema: ErrorSchema } } },
  401: { description: 'Not authenticated', content: { 'application/json': { schema: ErrorSchema } } },
  403: { description: 'Role too low', content: { 'application/json': { schema: ErrorSchema } } },
  413: {
    description: 'Body larger than the limit',
    content: { 'application/json': { schema: ErrorSchema } },
  },
  415: { description: 'Body is not JSON', content: { 'application/json': { schema: ErrorSchema } } },
  422: { description: 'Validation failed', content: { 'application/json': { schema: ErrorSchema } } },
  429: { description: 'Rate limited', content: { 'application/json': { schema: ErrorSchema } } },
} as const;

export const bearerSecurity: Record<string, string[]>[] = [{ bearer: [] }, { apiKey: [] }];

/**
 * Refuse a request whose declared body is larger than the limit before anything reads it (every
 * /api route; a body sent without a length is counted as it is read, see `requireJsonBody`).
 */
export const apiBodyLimit: MiddlewareHandler<AppEnv> = async function apiBodyLimit(c, next) {
  const max = c.get('deps').config.maxBodyBytes;
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > max) {
    throw new ApiError('payload_too_large', `body larger than ${max} bytes`, { maxBytes: max });
  }
  await next();
};

/**
 * Every operation that declares a request body requires one: JSON (415 otherwise), not empty (422:
 * an empty PUT must never mean "defaults", e.g. the kill switch off or no risk limits), at most
 * `maxBodyBytes` (413, counted while reading), valid JSON (400) with no NUL character or lone
 * surrogate in any key or value (422 naming the field). The parsed body is handed to the route's
 * zod validator through Hono's body cache, so it is read once.
 */
export async function requireJsonBody(c: Context<AppEnv>, next: Next): Promise<void> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const text = await readBodyCapped(c.req.raw, c.get('deps').config.maxBodyBytes);
  if (text.trim() === '') {
    throw new ApiError('validation_failed', 'a request body is required', {
      target: 'json',
      issues: [{ path: '', message: 'required' }],
    });
  }
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new ApiError('unsupported_media_type', 'the body must be application/json', {
      accepted: ['application/json'],
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiError('malformed_body', 'body is not valid JSON');
  }
  const unsafe = findUnsafeText(parsed);
  if (unsafe) {
    throw new ApiError('validation_failed', `field ${unsafe.path}: ${unsafe.problem}`, {
      target: 'json',
      field: unsafe.path,
      issues: [{ path: unsafe.path, message: unsafe.problem }],
    });
  }
  (c.req as unknown as { bodyCache: Record<string, Promise<unknown>> }).bodyCache['text'] =
    Promise.resolve(text);
  await next();
}

/**
 * A NUL character or a lone surrogate in a path parameter or a query value is a 422 naming it
 * (PostgreSQL cannot store NUL: it would otherwise surface as a 500), after the route's own middleware.
 */
const refuseUnsafeParams: MiddlewareHandler<AppEnv> = async (c, next) => {
  const values: [string, string][] = [
    ...Object.entries(c.req.param() as Record<string, string>),
    ...Object.entries(c.req.queries()).flatMap(([k, vs]) => vs.map((v): [string, string] => [k, v])),
  ];
  for (const [field, value] of values) {
    const problem = unsafeTextProblem(value);
    if (problem) {
      throw new ApiError('validation_failed', `${field}: ${problem}`, {
        field,
        issues: [{ path: field, message: problem }],
      });
    }
  }
  await next();
};

/**
 * A sub-app whose validation failures become the standard `validation_failed` envelope, whose every
 * request body is required and checked by `requireJsonBody` (after the route's own middleware, so
 * authentication answers first), and whose bodies are capped by `apiBodyLimit`.
 */
export function createApiRouter(): OpenAPIHono<AppEnv> {
  const api = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issues = result.error.issues.slice(0, 20).flatMap((i) => {
          const path = i.path.map(String).join('.');
          // Each unknown field by its own name; a missing one said as such, not as a type mismatch.
          if (i.code === 'unrecognized_keys')
            return i.keys.map((k) => ({
              path: path ? `${path}.${k}` : k,
              message: 'unknown field (misspelt?)',
            }));
          if (i.code === 'invalid_type' && /received undefined$/.test(i.message))
            return [{ path, message: 'required' }];
          return [{ path, message: i.message }];
        });
        // A missing or malformed header (Idempotency-Key) is a protocol error, not a payload one.
        throw new ApiError(
          result.target === 'header' ? 'bad_request' : 'validation_failed',
          `invalid ${result.target}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
          { target: result.target, issues },
        );
      }
    },
  });
  api.use('*', apiBodyLimit);
  const register = api.openapi.bind(api);
  api.openapi = ((route, handler, hook) => {
    const body = route.request?.body;
    const own =
      route.middleware === undefined
        ? []
        : Array.isArray(route.middleware)
          ? route.middleware
          : [route.middleware];
    if (!body) return register({ ...route, middleware: [...own, refuseUnsafeParams] }, handler, hook);
    return register(
      {
        ...route,
        request: { ...route.request, body: { ...body, required: true } },
        middleware: [...own, refuseUnsafeParams, requireJsonBody],
      },
      handler,
      hook,
    );
  }) as typeof api.openapi;
  return api;
}

/** Free-form JSON written by a sender or the engine (metadata, features, results): the only loose schema. */
export const RowSchema = z.record(z.string(), z.unknown());
