import { z } from 'zod';

/**
 * Every environment variable a long-running process reads, validated once at start. Nothing else in
 * long-running/ reads `process.env`. The README's configuration table mirrors this schema.
 */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: z.coerce.number().int().min(1).max(65_535).default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
  ENIGMA_DATA_DIR: z.string().min(1).default('.data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  /** prefix of every Redis key this process writes (streams, KV): several deployments or test runs on one Redis */
  REDIS_KEY_PREFIX: z.string().default(''),
  ENIGMA_MASTER_KEY: z
    .string()
    .refine(
      (v) => Buffer.from(v, 'base64').length === 32,
      'must be 32 bytes, base64-encoded (openssl rand -base64 32)',
    )
    .optional(),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  KUCOIN_API_KEY: z.string().min(1).optional(),
  KUCOIN_API_SECRET: z.string().min(1).optional(),
  KUCOIN_API_PASSPHRASE: z.string().min(1).optional(),
  KUCOIN_KEY_VERSION: z.enum(['1', '2', '3']).default('3'),
  KUCOIN_FUTURES_URL: z.url().default('https://api-futures.kucoin.com'),
  SIM_PORT: z.coerce.number().int().min(0).max(65_535).default(9100),
  SIM_SOURCE: z.enum(['replay', 'synthetic']).optional(),
  SIM_BALANCE: z.coerce.number().min(0).default(100_000),
  SIM_API_KEY: z.string().min(1).optional(),
  SIM_API_SECRET: z.string().min(1).optional(),
  SIM_API_PASSPHRASE: z.string().min(1).optional(),
});

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(
      `invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}\n(see the Configuration table in README.md)`,
    );
    this.name = 'EnvError';
  }
}

/** Parse and validate the environment; throws EnvError naming each missing or bad variable. */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  // An empty string means "unset" for optional settings (a common shell/.env habit).
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new EnvError(
      parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? '?'), message: i.message })),
    );
  }
  return parsed.data;
}

/** The variables, for documentation and `enigma --help`. */
export const envVariables = Object.keys(envSchema.shape);
