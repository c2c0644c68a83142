import { EventEmitter } from 'node:events';
import { exponentialBackoff } from '@enigma/core/backoff';
import pino, { type Logger } from 'pino';
import WebSocket from 'ws';
import type { z } from 'zod';
import { type KucoinMetrics, kucoinMetrics } from './metrics.ts';
import type { bullet } from './schemas.ts';
import { type WsFrame, wsFrame } from './ws-schemas.ts';

export type Bullet = z.infer<typeof bullet>;

/** A data push as handlers see it. */
export interface WsMessage {
  topic: string;
  subject: string;
  data: unknown;
}
export type WsHandler = (message: WsMessage) => void;

export interface Timers {
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  setInterval: (fn: () => void, ms: number) => unknown;
  clearInterval: (handle: unknown) => void;
}

export interface KucoinWsOptions {
  /** POST /api/v1/bullet-public or -private; called again on every reconnect (tokens expire). */
  getToken: () => Promise<Bullet>;
  /** Private token and `privateChannel: true` on subscriptions. */
  privateChannel?: boolean;
  clock?: () => number;
  timers?: Timers;
  random?: () => number;
  /** Reconnect backoff: base × 2^attempt, capped, with ±50% jitter. */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** How long to wait for `welcome` and for a subscribe `ack`. */
  handshakeTimeoutMs?: number;
  logger?: Logger;
  /** Defaults to the metrics on prom-client's global registry. */
  metrics?: KucoinMetrics;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

/** KuCoin answered a subscribe/unsubscribe with an `error` frame (e.g. 404 topic does not exist). */
export class WsSubscribeError extends Error {
  override readonly name = 'WsSubscribeError';
  constructor(
    readonly topic: string,
    readonly code: string | number | undefined,
    readonly reason: string,
  ) {
    super(`KuCoin refused ${topic}: ${code} ${reason}`);
  }
}

/** Expand `/prefix:A,B` into the per-symbol topics KuCoin pushes on. */
export function expandTopic(topic: string): string[] {
  const i = topic.indexOf(':');
  if (i < 0) return [topic];
  const prefix = topic.slice(0, i + 1);
  return topic
    .slice(i + 1)
    .split(',')
    .map((s) => prefix + s);
}

/**
 * One KuCoin Futures WebSocket connection: bullet token, `welcome` handshake, acked subscriptions,
 * ping at the server's pingInterval, a watchdog that declares a silent socket dead within
 * 2 × pingInterval, and reconnects with exponential backoff + jitter, a fresh token and every
 * subscription restored. Emits `connected`, `disconnected` (reason), `reconnected`, `handlerError`.
 *
 * @example
 * const ws = new KucoinWs({ getToken: () => http.market.publicToken() });
 * await ws.start();
 * await ws.subscribe('/contractMarket/tickerV2:XBTUSDTM', (m) => console.log(m.data));
 */
export class KucoinWs extends EventEmitter {
  private socket: WebSocket | undefined;
  private readonly handlers = new Map<string, Set<WsHandler>>();
  /** Subscription topics as sent (possibly multi-symbol), to restore after a reconnect. */
  private readonly subscriptions = new Set<string>();
  private readonly pendingAcks = new Map<
    string,
    { topic: string; resolve: () => void; reject: (e: Error) => void; timer: unknown }
  >();
  private nextId = 1;
  private lastFrameAt = 0;
  private pingTimer: unknown;
  private watchdogTimer: unknown;
  private reconnectTimer: unknown;
  private attempt = 0;
  private closed = false;
  private connected = false;
  /** Completed connections (1 after start, +1 per reconnect). */
  connections = 0;
  private readonly o: Required<Omit<KucoinWsOptions, 'getToken' | 'metrics'>> &
    Pick<KucoinWsOptions, 'getToken'> & { metrics: KucoinMetrics };

  constructor(options: KucoinWsOptions) {
    super();
    this.o = {
      privateChannel: false,
      clock: Date.now,
      timers: realTimers,
      random: Math.random,
      reconnectBaseMs: 500,
      reconnectMaxMs: 30_000,
      handshakeTimeoutMs: 10_000,
      logger: pino({ level: 'silent' }),
      ...options,
      metrics: options.metrics ?? kucoinMetrics(),
    };
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Connect once (rejects if that fails); later drops reconnect by themselves until close(). */
  async start(): Promise<void> {
    this.closed = false;
    await this.connect();
  }

  /** Close for good: no reconnect. */
  async close(): Promise<void> {
    this.closed = true;
    this.o.timers.clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    this.teardown('closed by client');
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        // a peer that never answers the close frame must not hold us up
        const timer = this.o.timers.setTimeout(() => socket.terminate(), 1000);
        socket.once('close', () => {
          this.o.timers.clearTimeout(timer);
          resolve();
        });
        socket.on('error', () => {});
        socket.close();
      });
    }
  }

  /** Subscribe (acked by the server when connected) and route pushes of `topic` to `handler`. */
  async subscribe(topic: string, handler: WsHandler): Promise<void> {
    for (const t of expandTopic(topic)) {
      const set = this.handlers.get(t) ?? new Set<WsHandler>();
      set.add(handler);
      this.handlers.set(t, set);
    }
    const isNew = !this.subscriptions.has(topic);
    this.subscriptions.add(topic);
    if (!isNew || !this.connected) return;
    try {
      await this.request('subscribe', topic);
    } catch (error) {
      // a refused topic must not be restored on every reconnect
      if (error instanceof WsSubscribeError) this.forget(topic);
      throw error;
    }
  }

  private forget(topic: string): void {
    this.subscriptions.delete(topic);
    for (const t of expandTopic(topic)) this.handlers.delete(t);
  }

  /** Unsubscribe and drop every handler of `topic`. */
  async unsubscribe(topic: string): Promise<void> {
    for (const t of expandTopic(topic)) this.handlers.delete(t);
    if (this.subscriptions.delete(topic) && this.connected) await this.request('unsubscribe', topic);
  }

  private async connect(): Promise<void> {
    const token = await this.o.getToken();
    const server = token.instanceServers[0]!;
    const connectId = `${this.o.clock()}-${Math.floor(this.o.random() * 1e9)}`;
    const url = `${server.endpoint}?token=${encodeURIComponent(token.token)}&connectId=${connectId}`;
    const socket = new WebSocket(url);
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      const timer = this.o.timers.setTimeout(() => {
        socket.terminate();
        reject(new Error('no welcome from KuCoin WebSocket'));
      }, this.o.handshakeTimeoutMs);
      const fail = (error: Error) => {
        this.o.timers.clearTimeout(timer);
        reject(error);
      };
      socket.once('error', fail);
      socket.once('close', () => fail(new Error('closed before welcome')));
      socket.once('message', (raw) => {
        this.o.timers.clearTimeout(timer);
        socket.removeListener('error', fail);
        socket.removeAllListeners('close');
        const frame = this.decode(raw);
        if (frame?.type !== 'welcome') {
          socket.terminate();
          reject(new Error(`expected welcome, got ${frame?.type ?? 'garbage'}`));
          return;
        }
        resolve();
      });
    });
    if (this.closed) {
      // close() was called while this (re)connection was in flight
      socket.close();
      return;
    }
    socket.on('message', (raw) => this.onFrame(raw));
    socket.on('close', (code) => this.onDrop(socket, `closed (${code})`));
    socket.on('error', (error) => this.onDrop(socket, `error: ${error.message}`));
    this.lastFrameAt = this.o.clock();
    this.startKeepAlive(server.pingInterval);
    // Topics added while this loop runs are visited too (Set iteration includes later additions).
    for (const topic of this.subscriptions) {
      try {
        await this.request('subscribe', topic);
      } catch (error) {
        if (!(error instanceof WsSubscribeError)) throw error;
        this.forget(topic);
        this.emit('subscribeError', error);
      }
    }
    this.connected = true;
    this.connections++;
    this.attempt = 0;
    this.emit('connected');
    if (this.connections > 1) {
      this.o.metrics.wsReconnects.inc({ channel: this.o.privateChannel ? 'private' : 'public' });
      this.emit('reconnected');
    }
  }

  private startKeepAlive(pingInterval: number): void {
    this.pingTimer = this.o.timers.setInterval(() => {
      this.send({ id: String(this.nextId++), type: 'ping' });
    }, pingInterval);
    // A healthy link answers every ping, so some frame arrives at least every pingInterval (+ RTT).
    // Checking every pingInterval/4 for 1.5 × pingInterval of silence detects death within 1.75×.
    const deadAfter = pingInterval * 1.5;
    this.watchdogTimer = this.o.timers.setInterval(() => {
      if (this.o.clock() - this.lastFrameAt >= deadAfter)
        this.onDrop(this.socket, 'silent: no frame within 1.5 × pingInterval');
    }, pingInterval / 4);
  }

  private decode(raw: WebSocket.RawData): WsFrame | undefined {
    try {
      const parsed = wsFrame.safeParse(JSON.parse(raw.toString()));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  private onFrame(raw: WebSocket.RawData): void {
    this.lastFrameAt = this.o.clock();
    const frame = this.decode(raw);
    if (!frame) {
      this.o.logger.warn('unparseable KuCoin WS frame');
      return;
    }
    if (frame.type === 'ack' || frame.type === 'error') {
      const ack = frame.id === undefined ? undefined : this.pendingAcks.get(String(frame.id));
      if (ack) {
        this.pendingAcks.delete(String(frame.id));
        this.o.timers.clearTimeout(ack.timer);
        if (frame.type === 'ack') ack.resolve();
        else ack.reject(new WsSubscribeError(ack.topic, frame.code, String(frame.data)));
      } else if (frame.type === 'error')
        this.o.logger.warn({ code: frame.code, data: frame.data }, 'KuCoin WS error');
      return;
    }
    if (frame.type !== 'message' || !frame.topic) return;
    // A push on an all-symbols topic may name its symbol (KuCoin's example of the private order topic
    // arrives as `/contractMarket/tradeOrders:XBTUSDTM`): the handlers of the topic without it get it too.
    const colon = frame.topic.indexOf(':');
    const set =
      this.handlers.get(frame.topic) ??
      (colon > 0 && frame.topic.startsWith('/contractMarket/tradeOrders:')
        ? this.handlers.get(frame.topic.slice(0, colon))
        : undefined);
    if (!set) return;
    const message: WsMessage = { topic: frame.topic, subject: frame.subject ?? '', data: frame.data };
    for (const handler of set) {
      try {
        handler(message);
      } catch (error) {
        this.emit('handlerError', error, message);
      }
    }
  }

  private request(type: 'subscribe' | 'unsubscribe', topic: string): Promise<void> {
    const id = String(this.nextId++);
    return new Promise<void>((resolve, reject) => {
      const timer = this.o.timers.setTimeout(() => {
        this.pendingAcks.delete(id);
        reject(new Error(`no ack for ${type} ${topic}`));
      }, this.o.handshakeTimeoutMs);
      this.pendingAcks.set(id, { topic, resolve, reject, timer });
      this.send({ id, type, topic, privateChannel: this.o.privateChannel, response: true });
    });
  }

  private send(frame: Record<string, unknown>): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  private teardown(reason: string): void {
    this.o.timers.clearInterval(this.pingTimer);
    this.o.timers.clearInterval(this.watchdogTimer);
    for (const [id, ack] of this.pendingAcks) {
      this.o.timers.clearTimeout(ack.timer);
      ack.reject(new Error(`connection lost before ack (${reason})`));
      this.pendingAcks.delete(id);
    }
    const wasConnected = this.connected;
    this.connected = false;
    if (wasConnected) this.emit('disconnected', reason);
  }

  private onDrop(socket: WebSocket | undefined, reason: string): void {
    if (socket !== this.socket || this.closed) return;
    this.o.logger.warn({ reason }, 'KuCoin WS connection lost');
    this.socket = undefined;
    this.teardown(reason);
    socket?.removeAllListeners();
    socket?.on('error', () => {});
    socket?.terminate();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    // one pending reconnect at a time (a drop during resubscription reports twice)
    if (this.closed || this.reconnectTimer !== undefined) return;
    const delay = Math.round(
      exponentialBackoff(this.attempt, {
        base: this.o.reconnectBaseMs,
        max: this.o.reconnectMaxMs,
        jitter: [0.5, 1.5],
        random: this.o.random,
      }),
    );
    this.attempt++;
    this.reconnectTimer = this.o.timers.setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().catch((error: Error) => {
        this.o.logger.warn({ err: error.message, attempt: this.attempt }, 'KuCoin WS reconnect failed');
        if (this.socket) {
          const s = this.socket;
          this.socket = undefined;
          s.removeAllListeners();
          s.on('error', () => {});
          s.terminate();
        }
        this.teardown('reconnect failed');
        this.scheduleReconnect();
      });
    }, delay);
  }
}
