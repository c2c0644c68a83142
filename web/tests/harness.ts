import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnv } from '@enigma/long-running/env';
import { createLogger } from '@enigma/long-running/runtime/logger';
import type { Progress } from '@enigma/long-running/runtime/progress';
import { type RunningSystem, startSystem } from '@enigma/long-running/runtime/system';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (`.ci/apt-packages`), headless, as the e2e test and the dashboard bench drive it. */
export const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/**
 * `enigma start` in this process on free ports with a temporary data dir (the dashboard is built
 * first when its sources changed), and the admin login it printed.
 */
export async function startDashboardSystem(
  progress: Progress = { step: (_label, work) => work(() => {}) },
): Promise<{ system: RunningSystem; admin: { email: string; password: string } }> {
  const env = loadEnv({ ENIGMA_DATA_DIR: mkdtempSync(join(tmpdir(), 'enigma-web-')), LOG_LEVEL: 'silent' });
  const system = await startSystem({
    env,
    logger: createLogger({ level: 'silent', pretty: false }),
    progress,
    port: 0,
    simPort: 0,
  });
  const login = system.banner.join('\n').match(/login: +(\S+) \/ (\S+)/);
  if (!login) throw new Error('enigma start printed no admin login (not a first start?)');
  return { system, admin: { email: login[1]!, password: login[2]! } };
}
