import type { ChildProcess } from 'node:child_process';

/** A child process's stdout and stderr as one text, and how it ended (a test's view of a CLI run). */
export function watchChild(child: ChildProcess): {
  out: () => string;
  exit: Promise<{ code: number | null; signal: string | null }>;
} {
  let out = '';
  const add = (d: Buffer) => {
    out += d.toString();
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { out: () => out, exit };
}
