import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Clock } from '../clock.ts';
import type { SimEngine, SimEvent } from '../engine.ts';
import type { Faults } from '../faults.ts';
import { USER_ID } from '../views.ts';
import type { TokenStore } from './tokens.ts';

const PUBLIC_PREFIXES = new Set([
  '/contractMarket/tickerV2',
  '/contractMarket/ticker',
  '/contractMarket/level2',
  '/contractMarket/level2Depth5',
  '/contractMarket/level2Depth50',
  '/contractMarket/execution',
  '/contractMarket/limitCandle',
  '/contract/instrument',
  '/contract/announcement',
  '/contractMarket/snapshot',
]);
const PRIVATE_PREFIXES = new Set([
  '/contractMarket/tradeOrders',
  '/contractMarket/advancedOrders',
  '/contractAccount/wallet',
  '/contract/position',
  '/contract/positionAll',
  '/contract/marginMode',
  '/contract/crossLeverage',
]);

interface Session {
  ws: WebSocket;
  private: boolean;
  topics: Set<string>;
  lastSeen: number;
}

/** Expand `prefix:A,B` into the per-symbol topics KuCoin pushes on. */
export function expandTopic(topic: string): { prefix: string; topics: string[] } {
  const i = topic.indexOf(':');
  if (i < 0) return { prefix: topic, topics: [topic] };
  const prefix = topic.slice(0, i);
  const symbols = topic
    .slice(i + 1)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return { prefix, topics: symbols.map((s) => `${prefix}:${s}`) };
}

/**
 * KuCoin's WebSocket protocol on the simulator's HTTP server: token check, `welcome` first, ping/pong,
 * subscribe/unsubscribe acks with the client's id, per-symbol pushes, `token is expired` errors, and the
 * "silent" fault (no data, no pong, no close frame).
 */
export function attachWebSocketServer(args: {
  server: Server;
  engine: SimEngine;
  tokens: TokenStore;
  faults: Faults;
  clock: Clock;
  /** Sessions that send nothing for this long are closed, as KuCoin does without pings. */
  idleTimeoutMs: number;
}): { close(): void; sessions: Set<Session> } {
  const { engine, tokens, faults, clock } = args;
  const wss = new WebSocketServer({ noServer: true });
  const sessions = new Set<Session>();
  const watch = new Map<string, number>();
  engine.isWatched = (topic) => (watch.get(topic) ?? 0) > 0;

  const send = (s: Session, msg: unknown) => {
    if (faults.get().wsSilent || s.ws.readyState !== s.ws.OPEN) return;
    s.ws.send(JSON.stringify(msg));
  };

  const unsubscribeAll = (s: Session) => {
    for (const t of s.topics) watch.set(t, (watch.get(t) ?? 1) - 1);
    s.topics.clear();
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname !== '/endpoint') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connectId = url.searchParams.get('connectId') ?? String(clock.now());
      const grant = tokens.check(url.searchParams.get('token'), clock.now());
      if (grant === 'invalid' || grant === 'expired') {
        ws.send(JSON.stringify({ id: connectId, type: 'error', code: 401, data: `token is ${grant}` }));
        ws.close();
        return;
      }
      const s: Session = { ws, private: grant.private, topics: new Set(), lastSeen: Date.now() };
      sessions.add(s);
      ws.on('close', () => {
        unsubscribeAll(s);
        sessions.delete(s);
      });
      ws.on('message', (raw) => onMessage(s, raw.toString()));
      send(s, { id: connectId, type: 'welcome' });
    });
  };

  const onMessage = (s: Session, raw: string) => {
    if (faults.get().wsSilent) return;
    s.lastSeen = Date.now();
    let msg: { id?: unknown; type?: unknown; topic?: unknown; response?: unknown; privateChannel?: unknown };
    try {
      msg = JSON.parse(raw);
    } catch {
      return send(s, { id: '', type: 'error', code: 415, data: 'command type is invalid' });
    }
    const id = msg.id === undefined ? '' : String(msg.id);
    if (msg.type === 'ping') return send(s, { id, type: 'pong', timestamp: clock.now() * 1000 });
    if (msg.type !== 'subscribe' && msg.type !== 'unsubscribe')
      return send(s, { id, type: 'error', code: 415, data: 'command type is invalid' });
    if (typeof msg.topic !== 'string' || msg.topic === '')
      return send(s, { id, type: 'error', code: 406, data: 'topic is required' });
    const { prefix, topics } = expandTopic(msg.topic);
    const isPrivate = PRIVATE_PREFIXES.has(prefix);
    if (!isPrivate && !PUBLIC_PREFIXES.has(prefix))
      return send(s, { id, type: 'error', code: 404, data: 'topic does not exist' });
    if (isPrivate && !s.private) return send(s, { id, type: 'error', code: 403, data: 'login is required' });
    if (topics.length > 100)
      return send(s, {
        id,
        type: 'error',
        code: 509,
        data: 'exceed max subscription count limitation of 100 per time',
      });
    for (const t of topics) {
      if (msg.type === 'subscribe' && !s.topics.has(t)) {
        s.topics.add(t);
        watch.set(t, (watch.get(t) ?? 0) + 1);
      } else if (msg.type === 'unsubscribe' && s.topics.delete(t)) watch.set(t, (watch.get(t) ?? 1) - 1);
    }
    if (msg.response !== false) send(s, { id, type: 'ack' });
  };

  const off = engine.onEvent((e: SimEvent) => {
    if ((watch.get(e.topic) ?? 0) === 0) return;
    const frame =
      e.channel === 'private'
        ? {
            topic: e.topic,
            type: 'message',
            subject: e.subject,
            userId: USER_ID,
            channelType: 'private',
            data: e.data,
          }
        : {
            topic: e.topic,
            type: 'message',
            subject: e.subject,
            ...(e.sn !== undefined ? { sn: e.sn } : {}),
            data: e.data,
          };
    const text = JSON.stringify(frame);
    if (faults.get().wsSilent) return;
    for (const s of sessions)
      if (s.topics.has(e.topic) && (e.channel === 'public' || s.private) && s.ws.readyState === s.ws.OPEN)
        s.ws.send(text);
  });

  faults.onExpireTokens = () => {
    tokens.expireAll();
    for (const s of sessions) {
      send(s, { id: '', type: 'error', code: 401, data: 'token is expired' });
      s.ws.close();
    }
  };

  const idle = setInterval(() => {
    const now = Date.now();
    for (const s of sessions)
      if (now - s.lastSeen > args.idleTimeoutMs && !faults.get().wsSilent) {
        send(s, { id: '', type: 'error', code: 400, data: 'ping timeout' });
        s.ws.close();
      }
  }, 1000);
  idle.unref();

  args.server.on('upgrade', onUpgrade);
  return {
    sessions,
    close() {
      clearInterval(idle);
      off();
      args.server.off('upgrade', onUpgrade);
      for (const s of sessions) s.ws.terminate();
      wss.close();
    },
  };
}
