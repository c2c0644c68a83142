/**
 * The child side of a bench companion (`startChild` in engine.bench.ts): report `ready` over IPC, and
 * run `stop` then exit on `close` or when the parent goes away (once).
 */
export function serveAsChild(ready: object, stop: () => Promise<void>): void {
  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    await stop().catch(() => {});
    process.exit(0);
  };
  process.on('message', (m) => {
    if (m === 'close') void close();
  });
  process.on('disconnect', () => void close());
  process.send?.(ready);
}
