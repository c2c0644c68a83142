import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../../bin/enigma.js', import.meta.url));

/** A port nothing listens on right now (the kernel's pick, released). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `enigma start` as a child process; resolves once it printed its banner. */
async function start(args: string[], dataDir: string): Promise<Started> {
  const child = spawn(process.execPath, [bin, 'start', ...args], {
    env: {
      ...process.env,
      ENIGMA_DATA_DIR: dataDir,
      SIM_PORT: '0',
      SIM_SOURCE: 'synthetic',
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      REDIS_URL: '',
      PORT: '',
      HOST: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`enigma start did not come up:\n${out}\n${err}`)),
      90_000,
    );
    const check = () => {
      if (out.includes('press Ctrl-C to stop')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    exit.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`enigma start exited with ${code} before it was ready:\n${out}\n${err}`));
    });
  });
  await ready;
  return { child, stdout: () => out, stderr: () => err, exit };
}

describe('enigma start (the command, as a child process)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'enigma-cli-start-'));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('listens on --port/--host, stops with exit 0 on SIGINT and SIGTERM, and a second start resumes from the data', async () => {
    // --host 127.0.0.2 (a loopback address that is not the default) proves the flag is honoured
    const host = '127.0.0.2';
    const port1 = await freePort(host);
    const first = await start(['--port', String(port1), '--host', host], dataDir);
    children.push(first.child);
    const url1 = `http://${host}:${port1}`;
    expect(first.stdout()).toContain(`enigma is running at ${url1}`);
    const health = await fetch(`${url1}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, bus: 'in-process', database: { kind: 'pglite' } });
    // not on the default interface
    await expect(fetch(`http://127.0.0.1:${port1}/healthz`)).rejects.toThrow();

    const login = /login: +(\S+) \/ (\S+)/.exec(first.stdout());
    expect(login, first.stdout()).not.toBeNull();
    const [, email, password] = login!;
    const printed = first
      .stdout()
      .split('\n')
      .find((l) => l.startsWith('curl '));
    expect(printed).toBeDefined();
    // the alert's time fixed (not `date` at each run), so that posting it again is the same alert
    const dateExpr = `'"$(date -u +%Y-%m-%dT%H:%M:%SZ)"'`;
    expect(printed).toContain(dateExpr);
    const curl = printed!.replace(dateExpr, new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
    const secretOf = (line: string) => /"secret":"([^"]+)"/.exec(line.replaceAll('\\', ''))?.[1];
    expect(secretOf(curl)).toBeTruthy();
    const posted = JSON.parse((await promisify(execFile)('bash', ['-c', curl], { encoding: 'utf8' })).stdout);
    expect(posted).toEqual({ status: 'received', signalId: expect.any(String) });

    // a Ctrl-C under `pnpm enigma start` arrives twice: the terminal's, then pnpm's copy of it; the
    // second must not kill the clean stop the first began
    first.child.kill('SIGINT');
    setTimeout(() => first.child.kill('SIGINT'), 30);
    expect(await first.exit).toEqual({ code: 0, signal: null });
    expect(first.stderr()).toContain('SIGINT: stopping');
    expect(first.stderr()).toContain('stopped cleanly');

    // second start on the same ENIGMA_DATA_DIR, default host, another port
    const port2 = await freePort('127.0.0.1');
    const second = await start(['--port', String(port2)], dataDir);
    children.push(second.child);
    const url2 = `http://127.0.0.1:${port2}`;
    expect(second.stdout()).toContain(`enigma is running at ${url2}`);
    // the admin and the webhook source exist already: no new login, and the secret is printed by the
    // start that created it only; a later start says where an admin can show or rotate it
    expect(second.stdout()).toContain('login:    the admin created on first start');
    expect(second.stdout()).not.toContain(password);
    expect(second.stdout()).not.toContain(secretOf(curl)!);
    expect(second.stdout()).toMatch(/show it: .*\/api\/settings\/webhook-sources\/tradingview\/secret/);
    // the first start's admin password still logs in, and the first start's signal is still stored
    const tokens = await fetch(`${url2}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    expect(tokens.status).toBe(200);
    const { accessToken } = (await tokens.json()) as { accessToken: string };
    const list = await fetch(`${url2}/api/signals`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(list.status).toBe(200);
    const body = JSON.stringify(await list.json());
    expect(body).toContain(posted.signalId);
    // the same alert through the same source (same secret) is recognised as the stored one
    const again = JSON.parse(
      (await promisify(execFile)('bash', ['-c', curl.replace(url1, url2)], { encoding: 'utf8' })).stdout,
    );
    expect(again).toMatchObject({ status: 'duplicate', signalId: posted.signalId });

    second.child.kill('SIGTERM');
    expect(await second.exit).toEqual({ code: 0, signal: null });
    expect(second.stderr()).toContain('SIGTERM: stopping');
    expect(second.stderr()).toContain('stopped cleanly');
  }, 240_000);
});
