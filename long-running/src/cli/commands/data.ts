import { isTimeframe, type Timeframe } from '@enigma/core/marketdata/index';
import { parseUtcTime } from '@enigma/core/utc-time';
import { migrate } from '@enigma/db';
import { dbCandleStore } from '../../collector/candle-store.ts';
import { downloadHistory } from '../../collector/download/download.ts';
import { progressBar } from '../../collector/download/progress-bar.ts';
import { csvSink, databaseSink, dbFundingSink } from '../../collector/download/sinks.ts';
import { kucoinMarketDataApi } from '../../collector/kucoin-api.ts';
import { loadEnv } from '../../env.ts';
import { KucoinHttpClient } from '../../exchange/kucoin/http.ts';
import type { CliCommand } from '../command.ts';
import { openConfiguredDatabase } from './migrate.ts';

/** Parsed `enigma data download` arguments. */
export interface DownloadArgs {
  symbol: string;
  timeframe: Timeframe;
  from: number;
  to: number;
  out?: string;
  funding: boolean;
  url?: string;
}

/** A time given as epoch ms or an ISO-8601 date/time (UTC unless it says otherwise). */
export function parseTime(text: string, name: string): number {
  const t = /^\d+$/.test(text) ? Number(text) : parseUtcTime(text);
  if (Number.isNaN(t))
    throw new Error(`--${name}: not a date, date-time or epoch ms: ${JSON.stringify(text)}`);
  return t;
}

/** Validate the options of `data download`; throws with a message naming the bad option. */
export function parseDownloadArgs(values: Record<string, unknown>, now: number): DownloadArgs {
  const symbol = values.symbol;
  if (typeof symbol !== 'string' || !/^[A-Z0-9]+$/.test(symbol))
    throw new Error('--symbol is required, e.g. XBTUSDTM');
  const timeframe = typeof values.timeframe === 'string' ? values.timeframe : '1m';
  if (!isTimeframe(timeframe))
    throw new Error(
      `--timeframe: unknown timeframe "${timeframe}" (1m, 5m, 15m, 30m, 1h, 2h, 4h, 8h, 12h, 1d)`,
    );
  if (typeof values.from !== 'string') throw new Error('--from is required (e.g. 2025-05-01 or epoch ms)');
  const from = parseTime(values.from, 'from');
  const to = typeof values.to === 'string' ? parseTime(values.to, 'to') : now;
  if (!(to > from)) throw new Error('--to must be after --from');
  const out = typeof values.out === 'string' ? values.out : undefined;
  const url = typeof values.url === 'string' ? values.url : undefined;
  if (url && !/^https?:\/\//.test(url)) throw new Error('--url must be an http(s) URL');
  return {
    symbol,
    timeframe,
    from,
    to,
    funding: values.funding === true,
    ...(out ? { out } : {}),
    ...(url ? { url } : {}),
  };
}

export const dataCommand: CliCommand = {
  name: 'data',
  summary: 'market data tools: `data download` fetches historical candles / funding rates from KuCoin',
  usage: [
    'usage: enigma data download --symbol XBTUSDTM [--timeframe 1m] --from <date|ms> [--to <date|ms>]',
    '                            [--out candles.csv] [--funding] [--url https://api-futures.kucoin.com]',
    '',
    'Without --out, candles and --funding rates go to the database (DATABASE_URL, or the embedded PGlite',
    'under ENIGMA_DATA_DIR; funding into funding_rates as settled rates).',
    'With --out, candles go to a CSV (time,open,high,low,close,volume) and --funding rates to <out>-funding.csv.',
    'A re-run resumes after the last stored/written bar and funding rate. Progress is shown on stderr.',
    '--url (default KUCOIN_FUTURES_URL) may point at the simulator.',
  ].join('\n'),
  options: {
    symbol: { type: 'string' },
    timeframe: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    out: { type: 'string' },
    funding: { type: 'boolean' },
    url: { type: 'string' },
  },
  async run({ values, positionals }) {
    if (positionals[0] !== 'download') {
      console.error(`enigma data: unknown sub-command "${positionals[0] ?? ''}"\n\n${dataCommand.usage}`);
      return 2;
    }
    let args: DownloadArgs;
    try {
      args = parseDownloadArgs(values, Date.now());
    } catch (error) {
      console.error(`enigma data download: ${(error as Error).message}\n\n${dataCommand.usage}`);
      return 2;
    }
    const env = loadEnv();
    const http = new KucoinHttpClient({ baseUrl: args.url ?? env.KUCOIN_FUTURES_URL });
    const api = kucoinMarketDataApi(http);
    let close = async () => {};
    let sink: ReturnType<typeof csvSink> | ReturnType<typeof databaseSink>;
    let where: string;
    if (args.out) {
      sink = csvSink(args.out);
      where = args.out;
    } else {
      const { handle, where: dbWhere } = await openConfiguredDatabase();
      await migrate(handle);
      close = () => handle.close();
      sink = databaseSink(dbCandleStore(handle.db), dbFundingSink(handle.db));
      where = dbWhere;
    }
    const bar = progressBar(process.stderr, `${args.symbol} ${args.timeframe}`);
    try {
      const result = await downloadHistory(api, sink, args, (done, total, what) =>
        bar.update(done, total, what),
      );
      bar.done(
        `${result.resumed ? 'resumed; ' : ''}wrote ${result.bars} bars${args.funding ? ` and ${result.fundingPoints} funding rates` : ''} to ${where}`,
      );
      return 0;
    } catch (error) {
      bar.done();
      console.error(`enigma data download: ${(error as Error).message}`);
      return 1;
    } finally {
      await close();
      await http.close();
    }
  },
};
