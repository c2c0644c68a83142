/**
 * Step-by-step progress for long-running commands, on stderr so stdout stays for results:
 * `[2/5] migrating database … done (0.8 s)`.
 */
export interface Progress {
  step<T>(label: string, work: (note: (message: string) => void) => Promise<T>): Promise<T>;
}

export function createProgress(total: number, out: NodeJS.WritableStream = process.stderr): Progress {
  let index = 0;
  return {
    async step(label, work) {
      index++;
      const prefix = `[${index}/${total}] ${label}`;
      out.write(`${prefix} …\n`);
      const started = performance.now();
      try {
        const result = await work((message) => out.write(`      ${message}\n`));
        out.write(`${prefix} done (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
        return result;
      } catch (error) {
        out.write(`${prefix} FAILED: ${(error as Error).message}\n`);
        throw error;
      }
    },
  };
}
