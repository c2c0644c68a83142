import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The dashboard's API as the web package's Node entry exports it (web/server/node.ts). */
export interface DashboardModule {
  WEB_DIR: string;
  buildNeeded(): string | null;
  buildDashboard(onLine?: (line: string) => void): Promise<void>;
  createDashboardHandler(): Promise<
    (request: Request, context: { api(request: Request): Promise<Response> }) => Promise<Response>
  >;
}

export type DashboardHandler = Awaited<ReturnType<DashboardModule['createDashboardHandler']>>;

// Loaded by path at run time: web/ is a sibling package that depends on core, not a dependency of ours.
const WEB_ENTRY = new URL('../../../web/server/node.ts', import.meta.url).href;

/** Build lines worth showing while `enigma start` waits (vite prints one per asset otherwise). */
const SHOWN = /building|built in|error|✓ \d+ modules/i;

/**
 * The dashboard's request handler, building web/ first when its build is missing or older than its
 * sources. Concurrent starts (parallel tests) wait on one lock directory instead of building twice.
 */
export async function prepareDashboard(note: (message: string) => void): Promise<DashboardHandler> {
  const web = (await import(WEB_ENTRY)) as DashboardModule;
  const lock = join(web.WEB_DIR, '.build.lock');
  const reason = web.buildNeeded();
  if (reason) {
    await withLock(lock, async () => {
      const still = web.buildNeeded();
      if (!still) return;
      note(`building the dashboard (${still}; about 10 s, once) …`);
      await web.buildDashboard((line) => {
        if (SHOWN.test(line)) note(line);
      });
    });
  } else note('web/build is up to date');
  return web.createDashboardHandler();
}

async function withLock(dir: string, work: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      mkdirSync(dir);
      break;
    } catch {
      // a lock older than five minutes belongs to a build that died
      try {
        if (Date.now() - statSync(dir).mtimeMs > 5 * 60_000) rmdirSync(dir);
      } catch {}
      if (Date.now() > deadline) throw new Error(`timed out waiting for the dashboard build lock ${dir}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    await work();
  } finally {
    rmdirSync(dir);
  }
}
