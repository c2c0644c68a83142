/**
 * The crash tests' side of `crash-child.ts`: fork an engine child process, follow its stdout lines, and
 * stop it (SIGTERM, then SIGKILL after 5 s). Used by the engine's and the router's crash tests.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CrashChildConfig } from './crash-child.ts';

/** Short lease and reclaim so a restarted engine takes over in about a second and a half. */
export const CRASH_TUNING = {
  leaseTtlMs: 1_500,
  reclaimIdleMs: 1_000,
  orderPollMs: 40,
  protectEveryMs: 250,
  reconcileEveryMs: 3_000,
  // A crash-left intent may land until its send window (4 s here, 10 s by default) + the client's
  // request timeout + the grace after its send began (1 s here, 5 s by default): a restart sends it again,
  // or gives it up, only after that, so the crash cases settle in seconds by the same rule.
  orderSendWindowMs: 4_000,
  unknownOrderGraceMs: 1_000,
};

/** The crash children's KuCoin client: it gives up on a request after 3 s (10 s by default), looks it up twice. */
export const CRASH_HTTP = { timeoutMs: 3_000, resolveAttempts: 2 };

export interface Child {
  proc: ChildProcess;
  lines: string[];
  exited: Promise<NodeJS.Signals | number | null>;
  dead: boolean;
  trading: Promise<void>;
  loaded: Promise<void>;
}

export function startChild(config: CrashChildConfig): Child {
  const proc = fork(fileURLToPath(new URL('./crash-child.ts', import.meta.url)), [JSON.stringify(config)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', process.env.CRASH_TRACE ? 'inherit' : 'pipe', 'ipc'],
  });
  const child: Child = { proc, lines: [], dead: false } as unknown as Child;
  let buf = '';
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  let loaded: () => void = () => {};
  child.loaded = new Promise((resolve) => {
    loaded = resolve;
  });
  child.trading = new Promise((resolve, reject) => {
    proc.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      for (const line of parts) {
        child.lines.push(line);
        if (line === 'loaded') loaded();
        if (line === 'trading') resolve();
      }
    });
    proc.once('exit', (code, signal) =>
      reject(new Error(`engine child exited (${signal ?? code}) before trading: ${stderr}`)),
    );
  });
  child.trading.catch(() => {});
  child.exited = new Promise((resolve) =>
    proc.once('exit', (code, signal) => {
      child.dead = true;
      resolve(signal ?? code);
    }),
  );
  return child;
}

export async function stopChild(child: Child | undefined): Promise<void> {
  if (!child || child.dead) return;
  child.proc.kill('SIGTERM');
  const t = setTimeout(() => child.proc.kill('SIGKILL'), 5_000);
  await child.exited;
  clearTimeout(t);
}
