import { CONTRACTS } from '@enigma/core/contract/specs';
import { loadEnv } from '../../env.ts';
import { createLogger } from '../../runtime/logger.ts';
import { type SimulatorOptions, startSimulator } from '../../sim/server.ts';
import type { CliCommand } from '../command.ts';
import { untilStopSignal } from '../stop-signal.ts';

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

const str = (v: Values[string]) => (typeof v === 'string' ? v : undefined);

function num(values: Values, name: string, check: (n: number) => boolean, what: string): number | undefined {
  const raw = str(values[name]);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || !check(n)) throw new Error(`--${name} must be ${what}`);
  return n;
}

/** USDT funded into a new paper account when `--balance` is not given. */
export const DEFAULT_BALANCE = 10_000;

/** Validate `enigma sim` options into simulator options; throws naming the bad option. */
export function parseSimArgs(
  values: Values,
  env: Record<string, string | undefined> = process.env,
): SimulatorOptions {
  const e = loadEnv(env);
  const source = str(values.source) ?? (str(values.mirror) ? 'mirror' : 'synthetic');
  if (source !== 'synthetic' && source !== 'replay' && source !== 'mirror')
    throw new Error('--source must be synthetic, replay or mirror');
  const symbols = (str(values.symbols) ?? 'XBTUSDTM,ETHUSDTM,SOLUSDTM')
    .split(',')
    .map((s) => s.trim().toUpperCase());
  for (const s of symbols) if (!CONTRACTS[s]) throw new Error(`--symbols: unknown contract ${s}`);
  const files: Record<string, string> = {};
  const replay = values.replay;
  for (const item of Array.isArray(replay) ? replay : replay ? [replay] : []) {
    const [symbol, file] = String(item).split('=', 2);
    if (!symbol || !file || !CONTRACTS[symbol])
      throw new Error('--replay takes SYMBOL=path.csv with a listed symbol');
    files[symbol] = file;
  }
  const mirrorUrl = str(values.mirror);
  if (source === 'mirror' && !mirrorUrl) throw new Error('--source mirror needs --mirror <base URL>');
  if (mirrorUrl && !/^https?:\/\//.test(mirrorUrl)) throw new Error('--mirror must be an http(s) URL');
  return {
    port: num(values, 'port', (n) => Number.isInteger(n) && n >= 0 && n < 65_536, 'a TCP port') ?? 9100,
    host: str(values.host) ?? '127.0.0.1',
    key: str(values.key) ?? e.SIM_API_KEY,
    secret: str(values.secret) ?? e.SIM_API_SECRET,
    passphrase: str(values.passphrase) ?? e.SIM_API_PASSPHRASE,
    seed: num(values, 'seed', Number.isInteger, 'an integer') ?? 1,
    source,
    mirrorUrl,
    symbols,
    replay: {
      dir: str(values.data),
      files,
      timeframe: str(values.timeframe) ?? '1m',
      speed: num(values, 'speed', (n) => n > 0, 'a positive number') ?? 1,
      fundingDir: str(values['funding-dir']),
    },
    // A paper account is funded unless asked otherwise; `--balance 0` keeps it empty.
    initialBalance: num(values, 'balance', (n) => n >= 0, 'a non-negative amount') ?? DEFAULT_BALANCE,
    statePath: str(values.state),
    fundingRate: num(values, 'funding-rate', (n) => Math.abs(n) <= 0.003, 'a rate within ±0.003'),
    tickMs: num(values, 'tick-ms', (n) => n >= 10, 'at least 10'),
    enforceRateLimits: values['rate-limit'] === true,
  };
}

/** `enigma sim`: run the KuCoin Futures-compatible exchange simulator until interrupted. */
export const simCommand: CliCommand = {
  name: 'sim',
  summary: 'run the KuCoin Futures-compatible exchange simulator (REST + WebSocket)',
  usage: [
    'usage: enigma sim [--port 9100] [--host 127.0.0.1] [--key K --secret S --passphrase P] [--seed 1]',
    '                  [--source synthetic|replay|mirror] [--balance 10000] [--funding-rate 0.0001] [--state FILE]',
    '                  [--data DIR] [--replay XBTUSDTM=file.csv ...] [--timeframe 1m] [--speed 60] [--funding-dir DIR]',
    '                  [--mirror https://api-futures.kucoin.com] [--symbols XBTUSDTM,ETHUSDTM,SOLUSDTM] [--tick-ms 250]',
    "                  [--rate-limit]   (enforce KuCoin's 2000-weight / 30 s pools: 429000 when spent)",
    '--balance defaults to 10000 USDT (0 keeps the account empty); --state FILE keeps the account, positions,',
    'orders, fills, funding and credentials in FILE across restarts (a corrupt file stops the start).',
    'Credentials default to SIM_API_KEY / SIM_API_SECRET / SIM_API_PASSPHRASE, else random.',
    'Prints "simulator: <url> key=… secret=… passphrase=…" once listening. Docs: docs/simulator.md',
  ].join('\n'),
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    key: { type: 'string' },
    secret: { type: 'string' },
    passphrase: { type: 'string' },
    seed: { type: 'string' },
    source: { type: 'string' },
    data: { type: 'string' },
    replay: { type: 'string', multiple: true },
    timeframe: { type: 'string' },
    speed: { type: 'string' },
    'funding-dir': { type: 'string' },
    mirror: { type: 'string' },
    symbols: { type: 'string' },
    balance: { type: 'string' },
    'funding-rate': { type: 'string' },
    'tick-ms': { type: 'string' },
    'rate-limit': { type: 'boolean' },
    state: { type: 'string' },
  },
  async run({ values }) {
    let opts: SimulatorOptions;
    try {
      opts = parseSimArgs(values);
    } catch (err) {
      console.error(`enigma sim: ${(err as Error).message}`);
      return 2;
    }
    const logger = createLogger({ name: 'sim', level: loadEnv().LOG_LEVEL });
    let sim: Awaited<ReturnType<typeof startSimulator>>;
    try {
      sim = await startSimulator({ ...opts, logger });
    } catch (err) {
      console.error(`enigma sim: cannot start: ${(err as Error).message}`);
      return 1;
    }
    const c = sim.credentials;
    console.log(`simulator: ${sim.url} key=${c.key} secret=${c.secret} passphrase=${c.passphrase}`);
    await untilStopSignal();
    await sim.close();
    console.error('stopped cleanly');
    return 0;
  },
};
