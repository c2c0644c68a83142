import { exponentialBackoff } from '@enigma/core/backoff';
import pino, { type Logger } from 'pino';
import WebSocket from 'ws';
import { type BinanceBookTicker, type BinanceMarkPrice, binanceStreams, parseBinanceFrame } from './parse.ts';

/** Binance USDⓈ-M futures public market streams. */
export const BINANCE_FUTURES_WS = 'wss://fstream.binance.com';

export interface BinanceFeedOptions {
  /** Base WebSocket URL (default Binance USDⓈ-M production; tests pass a local server). */
  baseUrl?: string;
  /** Binance symbols, e.g. ['BTCUSDT']. */
  symbols: readonly string[];
  onBookTicker(t: BinanceBookTicker): void;
  onMarkPrice?(m: BinanceMarkPrice): void;
  onError?(error: unknown): void;
  /** A link that delivers nothing for this long is dropped and reopened (default 10 s). */
  silenceMs?: number;
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  logger?: Logger;
}

/**
 * The secondary reference feed: one combined-stream connection to Binance USDⓈ-M futures carrying
 * `<symbol>@markPrice@1s` and `<symbol>@bookTicker` per symbol. It reconnects with exponential backoff
 * and treats a silent link as dead (Binance pushes mark prices every second, so silence means trouble).
 *
 * @example
 * const feed = startBinanceFeed({ symbols: ['BTCUSDT'], onBookTicker: (t) => console.log(t.bestBid) });
 * await feed.close();
 */
export function startBinanceFeed(options: BinanceFeedOptions): {
  close(): Promise<void>;
  readonly connections: number;
} {
  const log = options.logger ?? pino({ level: 'silent' });
  const base = (options.baseUrl ?? BINANCE_FUTURES_WS).replace(/\/+$/, '');
  const url = `${base}/stream?streams=${options.symbols.flatMap(binanceStreams).join('/')}`;
  const silenceMs = options.silenceMs ?? 10_000;
  let socket: WebSocket | undefined;
  let closed = false;
  let attempt = 0;
  let connections = 0;
  let lastFrame = 0;
  let retry: NodeJS.Timeout | undefined;
  const watchdog = setInterval(
    () => {
      if (socket && socket.readyState === WebSocket.OPEN && Date.now() - lastFrame > silenceMs) {
        log.warn('Binance reference feed silent; reconnecting');
        socket.terminate();
      }
    },
    Math.max(50, silenceMs / 4),
  );
  watchdog.unref();

  const connect = () => {
    if (closed) return;
    const ws = new WebSocket(url);
    socket = ws;
    ws.on('open', () => {
      attempt = 0;
      connections++;
      lastFrame = Date.now();
    });
    ws.on('message', (raw) => {
      lastFrame = Date.now();
      try {
        const msg = parseBinanceFrame(raw.toString());
        if (msg?.kind === 'bookTicker') options.onBookTicker(msg);
        else if (msg?.kind === 'markPrice') options.onMarkPrice?.(msg);
      } catch (error) {
        options.onError?.(error);
      }
    });
    ws.on('error', (error) => log.warn({ err: error.message }, 'Binance reference feed error'));
    ws.on('close', () => {
      if (closed) return;
      const delay = exponentialBackoff(attempt++, {
        base: options.reconnectBaseMs ?? 500,
        max: options.reconnectMaxMs ?? 30_000,
        jitter: [0.5, 1.5],
      });
      retry = setTimeout(connect, delay);
    });
  };
  connect();

  return {
    get connections() {
      return connections;
    },
    async close() {
      closed = true;
      clearInterval(watchdog);
      if (retry) clearTimeout(retry);
      const ws = socket;
      if (ws && ws.readyState !== WebSocket.CLOSED) {
        await new Promise<void>((resolve) => {
          ws.once('close', () => resolve());
          ws.terminate();
        });
      }
    },
  };
}
