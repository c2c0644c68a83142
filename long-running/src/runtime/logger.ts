import pino, { type Logger } from 'pino';

/**
 * The process logger: JSON lines in production (and when stdout is not a terminal), pretty in a
 * terminal. Secrets are redacted by path wherever they might appear.
 */
export function createLogger(opts: { level?: string; name?: string; pretty?: boolean } = {}): Logger {
  const pretty = opts.pretty ?? process.stdout.isTTY;
  return pino({
    name: opts.name ?? 'enigma',
    level: opts.level ?? 'info',
    redact: {
      paths: [
        '*.secret',
        '*.apiSecret',
        '*.passphrase',
        '*.password',
        '*.token',
        'secret',
        'password',
        'headers.authorization',
      ],
      censor: '[redacted]',
    },
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' },
          },
        }
      : {}),
  });
}

export type { Logger };
