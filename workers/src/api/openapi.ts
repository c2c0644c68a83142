import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../deps.ts';
import { ApiError } from '../errors.ts';

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
  422: { description: 'Validation failed', content: { 'application/json': { schema: ErrorSchema } } },
} as const;

export const bearerSecurity: Record<string, string[]>[] = [{ bearer: [] }, { apiKey: [] }];

/** A sub-app whose validation failures become the standard `validation_failed` envelope. */
export function createApiRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issues = result.error.issues
          .slice(0, 20)
          .map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
        // A missing or malformed header (Idempotency-Key) is a protocol error, not a payload one.
        throw new ApiError(
          result.target === 'header' ? 'bad_request' : 'validation_failed',
          `invalid ${result.target}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
          { target: result.target, issues },
        );
      }
    },
  });
}

/** Dates become ISO strings; everything else passes through (numeric columns are already strings). */
export function jsonRow<T extends Record<string, unknown>>(row: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = v instanceof Date ? v.toISOString() : v;
  return out;
}

export const RowSchema = z.record(z.string(), z.unknown());
