/**
 * A one-line progress bar on a stream (stderr, so stdout stays clean). On a terminal it redraws in place;
 * otherwise (CI logs, pipes) it prints a line at each 10 % step.
 *
 * @example const bar = progressBar(process.stderr, 'XBTUSDTM 1m'); bar.update(250, 1000); bar.done();
 */
export function progressBar(out: NodeJS.WritableStream & { isTTY?: boolean }, label: string, width = 30) {
  let lastDecile = -1;
  let lastLine = '';
  const render = (done: number, total: number, unit: string) => {
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(ratio * width);
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${done}/${total} ${unit}`;
  };
  return {
    update(done: number, total: number, unit = 'bars'): void {
      lastLine = render(done, total, unit);
      if (out.isTTY) {
        out.write(`\r${lastLine}`);
        return;
      }
      const decile = total > 0 ? Math.floor((Math.min(done, total) / total) * 10) : 10;
      if (decile !== lastDecile) {
        lastDecile = decile;
        out.write(`${lastLine}\n`);
      }
    },
    done(message?: string): void {
      if (out.isTTY && lastLine) out.write('\n');
      if (message) out.write(`${message}\n`);
    },
  };
}
