import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequestHandler, type ServerBuild } from '@remix-run/node';
import type { DashboardContext } from './context.ts';

/** The web package's folder and where `remix vite:build` writes. */
export const WEB_DIR = fileURLToPath(new URL('..', import.meta.url));
export const BUILD_DIR = join(WEB_DIR, 'build');
const SERVER_ENTRY = join(BUILD_DIR, 'server', 'index.js');
const CLIENT_DIR = join(BUILD_DIR, 'client');
/** Sources whose change makes a build stale. */
const SOURCES = ['app', 'vite.config.ts', 'package.json'];

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** Why the dashboard needs building, or null when `build/` is there and newer than every source. */
export function buildNeeded(): string | null {
  if (!existsSync(SERVER_ENTRY)) return 'no build yet';
  const built = statSync(SERVER_ENTRY).mtimeMs;
  const sources = Math.max(
    ...SOURCES.map((s) => join(WEB_DIR, s))
      .filter(existsSync)
      .map(newestMtime),
  );
  return sources > built ? 'sources changed since the last build' : null;
}

/**
 * Run `remix vite:build` in web/ (client and server bundles into web/build), passing each line of its
 * output to `onLine`. Rejects with the tail of the output when the build fails.
 */
export function buildDashboard(onLine: (line: string) => void = () => {}): Promise<void> {
  const cli = join(WEB_DIR, 'node_modules', '@remix-run', 'dev', 'dist', 'cli.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'vite:build'], {
      cwd: WEB_DIR,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split(/\r?\n/)) {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: strip terminal colours
        const clean = line.replace(/\x1b\[[0-9;]*m/g, '').trim();
        if (!clean) continue;
        tail.push(clean);
        if (tail.length > 30) tail.shift();
        onLine(clean);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`dashboard build failed (exit ${code}):\n${tail.join('\n')}`)),
    );
  });
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** A file under build/client, or null. Hashed assets are cached for a year; anything else revalidates. */
async function staticFile(pathname: string): Promise<Response | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  const file = normalize(join(CLIENT_DIR, decoded));
  if (!file.startsWith(CLIENT_DIR + sep) || !existsSync(file) || !statSync(file).isFile()) return null;
  const body = await readFile(file);
  const immutable = decoded.startsWith('/assets/');
  return new Response(body, {
    headers: {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
    },
  });
}

/**
 * The dashboard as one fetch handler for Node: static files from build/client, everything else
 * server-rendered by Remix with `context` (how loaders reach the API), given per request so the API
 * sees the same client as the page.
 *
 * @example
 * const dashboard = await createDashboardHandler();
 * top.all('*', (c) => dashboard(c.req.raw, { api: (req) => app.fetch(req, c.env) }));
 */
export async function createDashboardHandler(
  mode: 'production' | 'development' = 'production',
): Promise<(request: Request, context: DashboardContext) => Promise<Response>> {
  const build = (await import(pathToFileURL(SERVER_ENTRY).href)) as ServerBuild;
  const remix = createRequestHandler(build, mode);
  return async function dashboard(request, context) {
    const url = new URL(request.url);
    if (request.method === 'GET' || request.method === 'HEAD') {
      const file = await staticFile(url.pathname);
      if (file) return file;
    }
    return remix(request, context as never);
  };
}
