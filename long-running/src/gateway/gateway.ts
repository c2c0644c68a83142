import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type Bus, globToRegExp, STREAMS } from '@enigma/core/bus/index';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../runtime/logger.ts';
import { EventHistory } from './history.ts';
import {
  ClientMessage,
  formatEventId,
  parseEventId,
  QUOTE_CHANNELS,
  type ServerMessage,
  SIGNAL_RECEIVED_CHANNEL,
  STATE_CHANNELS,
} from './protocol.ts';

/** Who a token belongs to; `expiresAt` (ms) closes the socket with 4001 when reached. */
export interface GatewayIdentity {
  subject: string;
  role: string;
  expiresAt?: number | undefined;
}

export interface GatewayOptions {
  bus: Bus;
  /** Verify an access token; throw (or reject) when it is not accepted. */
  authenticate(token: string): Promise<GatewayIdentity>;
  logger: Logger;
  /** server heartbeat and ping interval (default 15 s); a client silent for two intervals is dropped */
  heartbeatMs?: number;
  /** replayable events kept for reconnecting clients (default 5,000) */
  historySize?: number;
  /** above this many buffered bytes quotes are coalesced per channel and symbol (default 256 KiB) */
  softBufferBytes?: number;
  /** above this many buffered bytes the client is closed with 1013 and resumes on reconnect (default 4 MiB) */
  hardBufferBytes?: number;
  /** also forward entries of the `signals:incoming` stream, read with this consumer group (default `gateway`; null: off) */
  signalsGroup?: string | null;
  now?: () => number;
}

export interface Gateway {
  /** Hand an HTTP upgrade request for the gateway's path to it. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  readonly bootId: string;
  /** connected clients */
  readonly clients: number;
  close(): Promise<void>;
}

interface Client {
  ws: WebSocket;
  identity: GatewayIdentity;
  patterns: RegExp[];
  /** coalesced quotes waiting for the socket to drain, by channel and symbol */
  pendingQuotes: Map<string, string>;
  alive: boolean;
  expiry: NodeJS.Timeout | undefined;
}

const ALL = [globToRegExp('events:*')];

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}

/**
 * The live gateway: every bus event on `events:*` (and entries of `signals:incoming`) pushed to
 * authenticated WebSocket clients, resumable by event id, with heartbeats both ways and bounded
 * buffers for slow clients. Mount it on any Node HTTP server's `upgrade` event.
 *
 * @example
 * const gateway = await startGateway({ bus, logger, authenticate: (t) => verify(t) });
 * server.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
 */
export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const soft = opts.softBufferBytes ?? 256 * 1024;
  const hard = opts.hardBufferBytes ?? 4 * 1024 * 1024;
  const now = opts.now ?? Date.now;
  const log = opts.logger.child({ component: 'gateway' });
  const bootId = randomBytes(6).toString('hex');
  const history = new EventHistory(opts.historySize ?? 5_000);
  const clients = new Set<Client>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  let closed = false;

  const send = (client: Client, message: ServerMessage) => client.ws.send(JSON.stringify(message));

  function deliver(client: Client, text: string, quoteKey: string | null): void {
    const buffered = client.ws.bufferedAmount;
    if (buffered > hard) {
      client.ws.close(1013, 'slow consumer: reconnect with lastEventId');
      return;
    }
    if (quoteKey && (buffered > soft || client.pendingQuotes.size > 0)) {
      client.pendingQuotes.set(quoteKey, text);
      return;
    }
    client.ws.send(text);
  }

  /** the newest event of each state channel, sent to clients that start without it */
  const state = new Map<string, { data: Record<string, unknown>; at: number }>();
  function sendState(client: Client): void {
    for (const [channel, e] of state) {
      if (!client.patterns.some((p) => p.test(channel))) continue;
      send(client, { type: 'event', id: null, channel, data: e.data, at: e.at });
    }
  }

  function emit(channel: string, data: Record<string, unknown>): void {
    const at = now();
    const quote = QUOTE_CHANNELS.has(channel);
    const id = quote ? null : formatEventId(bootId, history.push(channel, data, at).seq);
    if (STATE_CHANNELS.has(channel)) state.set(channel, { data, at });
    const text = JSON.stringify({ type: 'event', id, channel, data, at } satisfies ServerMessage);
    const quoteKey = quote ? `${channel}|${String(data['symbol'] ?? '')}` : null;
    for (const client of clients) {
      if (client.ws.readyState !== client.ws.OPEN) continue;
      if (!client.patterns.some((p) => p.test(channel))) continue;
      deliver(client, text, quoteKey);
    }
  }

  const unsubscribe = await opts.bus.subscribe('events:*', (event, channel) => emit(channel, event));

  // Intake appends accepted alerts to a stream and publishes no event: tail it with our own group.
  const signalsGroup = opts.signalsGroup === undefined ? 'gateway' : opts.signalsGroup;
  const tail = signalsGroup ? tailSignals(signalsGroup) : Promise.resolve();
  async function tailSignals(group: string): Promise<void> {
    try {
      await opts.bus.ensureGroup(STREAMS.signalsIncoming, group, { start: 'end' });
      while (!closed) {
        const entries = await opts.bus.readGroup(STREAMS.signalsIncoming, group, `gateway-${bootId}`, {
          count: 100,
          blockMs: 500,
        });
        for (const e of entries) emit(SIGNAL_RECEIVED_CHANNEL, { type: 'signal.received', ...e.payload });
        if (entries.length)
          await opts.bus.ack(
            STREAMS.signalsIncoming,
            group,
            entries.map((e) => e.id),
          );
      }
    } catch (error) {
      if (!closed) log.warn({ err: error }, 'signals stream tail stopped');
    }
  }

  const timers = [
    setInterval(() => {
      for (const client of clients) {
        if (!client.alive) {
          client.ws.terminate();
          continue;
        }
        client.alive = false;
        client.ws.ping();
        send(client, { type: 'heartbeat', at: now() });
      }
    }, heartbeatMs),
    setInterval(() => {
      for (const client of clients) {
        if (client.pendingQuotes.size === 0 || client.ws.bufferedAmount > soft) continue;
        for (const text of client.pendingQuotes.values()) client.ws.send(text);
        client.pendingQuotes.clear();
      }
    }, 100),
  ];
  for (const t of timers) t.unref();

  function onConnection(ws: WebSocket, identity: GatewayIdentity, lastEventId: string | null): void {
    const client: Client = {
      ws,
      identity,
      patterns: ALL,
      pendingQuotes: new Map(),
      alive: true,
      expiry: undefined,
    };
    clients.add(client);
    if (identity.expiresAt !== undefined) {
      client.expiry = setTimeout(
        () => ws.close(4001, 'token expired'),
        Math.max(0, identity.expiresAt - now()),
      );
      client.expiry.unref();
    }
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('message', (raw) => {
      client.alive = true;
      let parsed: ClientMessage;
      try {
        parsed = ClientMessage.parse(JSON.parse(String(raw)));
      } catch {
        send(client, {
          type: 'error',
          message: 'unknown message: send {"type":"ping"} or {"type":"subscribe","channels":[…]}',
        });
        return;
      }
      if (parsed.type === 'ping') send(client, { type: 'pong', t: parsed.t ?? null });
      else client.patterns = parsed.channels.map(globToRegExp);
    });
    ws.on('close', () => {
      clients.delete(client);
      if (client.expiry) clearTimeout(client.expiry);
    });
    ws.on('error', (error) => log.debug({ err: error }, 'client socket error'));

    const last = history.lastSeq ? formatEventId(bootId, history.lastSeq) : null;
    send(client, { type: 'hello', bootId, lastEventId: last, heartbeatMs, role: identity.role });
    if (lastEventId) {
      const parsed = parseEventId(lastEventId);
      const missed = parsed && parsed.bootId === bootId ? history.since(parsed.seq) : null;
      if (!missed) {
        send(client, {
          type: 'reset',
          reason: parsed?.bootId === bootId ? 'too many events missed' : 'the gateway restarted',
        });
        sendState(client);
        return;
      }
      for (const e of missed) {
        if (!client.patterns.some((p) => p.test(e.channel))) continue;
        send(client, {
          type: 'event',
          id: formatEventId(bootId, e.seq),
          channel: e.channel,
          data: e.data,
          at: e.at,
        });
      }
    } else sendState(client);
  }

  return {
    bootId,
    get clients() {
      return clients.size;
    },
    handleUpgrade(req, socket, head) {
      if (closed) return refuse(socket, 503, 'Service Unavailable');
      const url = new URL(req.url ?? '/', 'http://gateway');
      const token = url.searchParams.get('token');
      const lastEventId = url.searchParams.get('lastEventId');
      if (!token) return refuse(socket, 401, 'Unauthorized');
      opts.authenticate(token).then(
        (identity) => wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, identity, lastEventId)),
        () => refuse(socket, 401, 'Unauthorized'),
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearInterval(t);
      await unsubscribe();
      for (const client of clients) client.ws.close(1001, 'gateway stopping');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await tail;
    },
  };
}
