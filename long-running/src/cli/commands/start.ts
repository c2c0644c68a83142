import { loadEnv } from '../../env.ts';
import { createLogger } from '../../runtime/logger.ts';
import { createProgress } from '../../runtime/progress.ts';
import { startSystem } from '../../runtime/system.ts';
import type { CliCommand } from '../command.ts';
import { untilStopSignal } from '../stop-signal.ts';

export const startCommand: CliCommand = {
  name: 'start',
  summary:
    'run the whole system in one process (embedded PGlite + in-process bus unless DATABASE_URL / REDIS_URL)',
  usage: [
    'usage: enigma start [--port 8787] [--host 127.0.0.1]',
    '',
    'Data lives under ENIGMA_DATA_DIR (default .data/); a second start resumes from it. Ctrl-C stops cleanly.',
  ].join('\n'),
  options: { port: { type: 'string', short: 'p' }, host: { type: 'string' } },
  async run({ values }) {
    const env = loadEnv({
      ...process.env,
      ...(typeof values.port === 'string' ? { PORT: values.port } : {}),
      ...(typeof values.host === 'string' ? { HOST: values.host } : {}),
    });
    const logger = createLogger({ level: env.LOG_LEVEL });
    const system = await startSystem({ env, logger, progress: createProgress(10) });
    console.log(system.banner.join('\n'));
    console.log('press Ctrl-C to stop');
    const signal = await untilStopSignal();
    console.error(`\n${signal}: stopping…`);
    await system.close().catch(() => {});
    console.error('stopped cleanly');
    return 0;
  },
};
