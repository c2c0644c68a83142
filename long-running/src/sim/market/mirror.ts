import { exponentialBackoff } from '@enigma/core/backoff';
import { contractSpec } from '@enigma/core/contract/specs';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { MarketSample, MarketSource } from './source.ts';

interface MirrorState {
  price: number | undefined;
  baseVolume: number;
  fundingRate: number | undefined;
}

/**
 * Mirror a KuCoin-protocol feed (live KuCoin, or another simulator): public bullet token, then the
 * tickerV2 (mid), execution (volume) and instrument (funding rate) topics. Reconnects with back-off.
 *
 * @example mirrorSource({ baseUrl: 'https://api-futures.kucoin.com', symbols: ['XBTUSDTM'], logger })
 */
export function mirrorSource(opts: { baseUrl: string; symbols: string[]; logger: Logger }): MarketSource {
  const state = new Map<string, MirrorState>(
    opts.symbols.map((s) => [s, { price: undefined, baseVolume: 0, fundingRate: undefined }]),
  );
  let ws: WebSocket | undefined;
  let ping: NodeJS.Timeout | undefined;
  let reconnect: NodeJS.Timeout | undefined;
  let closed = false;
  let attempts = 0;

  async function seedPrices(): Promise<void> {
    for (const symbol of opts.symbols) {
      const res = await fetch(`${opts.baseUrl}/api/v1/ticker?symbol=${symbol}`);
      const body = (await res.json()) as {
        code: string;
        data?: { bestBidPrice?: string; bestAskPrice?: string; price?: string };
      };
      if (body.code !== '200000' || !body.data)
        throw new Error(`mirror: ticker ${symbol} failed: ${body.code}`);
      const bid = Number(body.data.bestBidPrice);
      const ask = Number(body.data.bestAskPrice);
      const mid = bid > 0 && ask > 0 ? (bid + ask) / 2 : Number(body.data.price);
      if (Number.isFinite(mid) && mid > 0) state.get(symbol)!.price = mid;
    }
  }

  async function connect(): Promise<void> {
    const res = await fetch(`${opts.baseUrl}/api/v1/bullet-public`, { method: 'POST' });
    const body = (await res.json()) as {
      code: string;
      data?: { token: string; instanceServers: { endpoint: string; pingInterval: number }[] };
    };
    const server = body.data?.instanceServers[0];
    if (body.code !== '200000' || !body.data || !server)
      throw new Error(`mirror: bullet failed: ${body.code}`);
    const socket = new WebSocket(
      `${server.endpoint}?token=${encodeURIComponent(body.data.token)}&connectId=mirror-${Date.now()}`,
    );
    ws = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.on('message', (raw) => {
        const msg = JSON.parse(raw.toString()) as {
          type: string;
          topic?: string;
          subject?: string;
          data?: Record<string, unknown>;
        };
        if (msg.type === 'welcome') {
          attempts = 0;
          const syms = opts.symbols.join(',');
          let id = 1;
          for (const topic of [
            '/contractMarket/tickerV2',
            '/contractMarket/execution',
            '/contract/instrument',
          ])
            socket.send(
              JSON.stringify({
                id: String(id++),
                type: 'subscribe',
                topic: `${topic}:${syms}`,
                response: true,
              }),
            );
          resolve();
          return;
        }
        if (msg.type !== 'message' || !msg.topic || !msg.data) return;
        const symbol = msg.topic.split(':')[1] ?? '';
        const st = state.get(symbol);
        if (!st) return;
        const d = msg.data;
        if (msg.subject === 'tickerV2') {
          const bid = Number(d['bestBidPrice']);
          const ask = Number(d['bestAskPrice']);
          if (bid > 0 && ask > 0) st.price = (bid + ask) / 2;
        } else if (msg.subject === 'match') {
          const lots = Number(d['size']);
          if (lots > 0) st.baseVolume += lots * contractSpec(symbol).multiplier.toNumber();
        } else if (msg.subject === 'funding.rate') {
          const r = Number(d['fundingRate']);
          if (Number.isFinite(r)) st.fundingRate = r;
        }
      });
    });
    ping = setInterval(
      () =>
        socket.readyState === socket.OPEN &&
        socket.send(JSON.stringify({ id: String(Date.now()), type: 'ping' })),
      Math.max(1000, server.pingInterval),
    );
    socket.on('close', () => {
      if (ping) clearInterval(ping);
      if (closed) return;
      attempts += 1;
      const delay = exponentialBackoff(attempts, { base: 500, max: 30_000 });
      opts.logger.warn({ delay }, 'mirror feed closed; reconnecting');
      reconnect = setTimeout(
        () => connect().catch((err) => opts.logger.error({ err }, 'mirror reconnect failed')),
        delay,
      );
    });
  }

  return {
    kind: 'mirror',
    async start() {
      await seedPrices();
      await connect();
    },
    sample(symbol): MarketSample | undefined {
      const st = state.get(symbol);
      if (!st || st.price === undefined) return undefined;
      const volume = st.baseVolume;
      st.baseVolume = 0;
      return { price: st.price, volume };
    },
    fundingRate(symbol) {
      return state.get(symbol)?.fundingRate;
    },
    close() {
      closed = true;
      if (ping) clearInterval(ping);
      if (reconnect) clearTimeout(reconnect);
      ws?.terminate();
    },
  };
}
