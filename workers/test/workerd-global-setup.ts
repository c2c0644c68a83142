/**
 * Node side of the workerd tests: starts test/workerd-services.ts (a fresh migrated PostgreSQL
 * database with webhook sources, the Neon WebSocket proxy, the Upstash REST bridge) in a child
 * process and hands its addresses to the worker as bindings (see vitest.workerd.config.ts).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    workerBindings: Record<string, string>;
  }
}

export default async function setup(project: TestProject) {
  const script = fileURLToPath(new URL('./workerd-services.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
  const bindings = await new Promise<Record<string, string>>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
    });
    child.on('exit', (code) => reject(new Error(`workerd test services exited with ${code}`)));
  });
  project.provide('workerBindings', bindings);
  return async () => {
    const exited = new Promise((r) => child.on('exit', r));
    child.stdin.end();
    await exited;
  };
}
