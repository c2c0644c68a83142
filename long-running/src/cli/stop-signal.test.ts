import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { watchChild } from '../testing/child-output.ts';

// untilStopSignal in a process of its own: the first signal starts a clean stop (here 600 ms long), a
// copy of it moments later (pnpm passing on a Ctrl-C the process already had) does not end it, and a
// second Ctrl-C after the grace exits at once with 130.
const helper = fileURLToPath(new URL('./stop-signal.ts', import.meta.url));
const script = `
  const { untilStopSignal } = await import(${JSON.stringify(helper)});
  const server = setInterval(() => {}, 1000); // what keeps a real command running
  const signal = await untilStopSignal({ graceMs: 300 });
  console.log('stopping on ' + signal);
  await new Promise((r) => setTimeout(r, 600));
  clearInterval(server);
  console.log('stopped cleanly');
`;

function run() {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { child, ...watchChild(child) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('untilStopSignal', () => {
  it('absorbs a copy of the signal within the grace: the clean stop runs to its end', async () => {
    const p = run();
    await sleep(1_500); // loaded and listening
    p.child.kill('SIGINT');
    await sleep(30);
    p.child.kill('SIGINT');
    expect(await p.exit).toEqual({ code: 0, signal: null });
    expect(p.out()).toContain('stopping on SIGINT');
    expect(p.out()).toContain('stopped cleanly');
  }, 20_000);

  it('exits at once with 130 on a second signal after the grace', async () => {
    const p = run();
    await sleep(1_500);
    p.child.kill('SIGTERM');
    await sleep(400);
    p.child.kill('SIGINT');
    expect(await p.exit).toEqual({ code: 130, signal: null });
    expect(p.out()).toContain('stopping on SIGTERM');
    expect(p.out()).toContain('SIGINT again: exiting without a clean stop');
    expect(p.out()).not.toContain('stopped cleanly');
  }, 20_000);
});
