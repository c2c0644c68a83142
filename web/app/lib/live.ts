import { exponentialBackoff } from '@enigma/core/backoff';
import { useEffect, useRef, useState } from 'react';
import { accessToken } from './api.ts';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'offline';

/** One message from the gateway (see docs/dashboard.md). */
export type LiveMessage =
  | { type: 'hello'; bootId: string; lastEventId: string | null; heartbeatMs: number; role: string }
  | { type: 'event'; id: string | null; channel: string; data: Record<string, unknown>; at: number }
  | { type: 'reset'; reason: string }
  | { type: 'heartbeat'; at: number }
  | { type: 'pong'; t: unknown }
  | { type: 'error'; message: string };

export type LiveListener = (message: Extract<LiveMessage, { type: 'event' }>) => void;

/** Fan-out of gateway events to the panels that care (the chart subscribes without re-rendering). */
export class LiveFeed {
  private readonly listeners = new Set<LiveListener>();
  on(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(message: Extract<LiveMessage, { type: 'event' }>): void {
    for (const l of this.listeners) l(message);
  }
}

/**
 * Keep a WebSocket to the gateway open: a fresh token for each connection, resume from the last
 * event id, reconnect with backoff, and treat a link silent for two heartbeats as dead.
 * `onReset` runs when events were missed and the page must reload its state. `channels` (globs) asks
 * the gateway for only what the page shows, so the order book and market health it does not show
 * cost neither side anything (default: every `events:*` channel).
 */
export function useLiveConnection(
  feed: LiveFeed,
  onReset: () => void,
  options: { gatewayUrl?: string | undefined; channels?: readonly string[] | undefined } = {},
): { state: LiveState } {
  const { gatewayUrl } = options;
  const channels = options.channels?.join('\n');
  const [state, setState] = useState<LiveState>('connecting');
  const resetRef = useRef(onReset);
  resetRef.current = onReset;

  useEffect(() => {
    let ws: WebSocket | null = null;
    let stopped = false;
    let attempt = 0;
    let lastEventId: string | null = null;
    let heartbeatMs = 15_000;
    let lastSeen = Date.now();
    let retry: ReturnType<typeof setTimeout> | undefined;

    const watchdog = setInterval(() => {
      if (ws && ws.readyState === WebSocket.OPEN && Date.now() - lastSeen > 2 * heartbeatMs + 5_000)
        ws.close();
    }, 2_000);

    async function open() {
      if (stopped) return;
      setState(attempt === 0 ? 'connecting' : 'reconnecting');
      let token: string;
      try {
        token = await accessToken(attempt > 0);
      } catch {
        return schedule();
      }
      const base = gatewayUrl || `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
      const url = new URL(base);
      url.searchParams.set('token', token);
      if (lastEventId) url.searchParams.set('lastEventId', lastEventId);
      const socket = new WebSocket(url);
      ws = socket;
      if (channels)
        socket.onopen = () =>
          socket.send(JSON.stringify({ type: 'subscribe', channels: channels.split('\n') }));
      socket.onmessage = (ev) => {
        lastSeen = Date.now();
        let msg: LiveMessage;
        try {
          msg = JSON.parse(String(ev.data)) as LiveMessage;
        } catch {
          return;
        }
        if (msg.type === 'hello') {
          attempt = 0;
          heartbeatMs = msg.heartbeatMs;
          if (!lastEventId) lastEventId = msg.lastEventId;
          setState('live');
        } else if (msg.type === 'event') {
          if (msg.id) lastEventId = msg.id;
          feed.emit(msg);
        } else if (msg.type === 'reset') {
          lastEventId = null;
          resetRef.current();
        }
      };
      socket.onclose = () => {
        if (ws === socket) ws = null;
        schedule();
      };
    }

    function schedule() {
      if (stopped) return;
      attempt++;
      setState(attempt > 5 ? 'offline' : 'reconnecting');
      const delay = exponentialBackoff(attempt - 1, { base: 500, max: 10_000, jitter: [0.75, 1.25] });
      retry = setTimeout(open, delay);
    }

    void open();
    return () => {
      stopped = true;
      clearInterval(watchdog);
      if (retry) clearTimeout(retry);
      ws?.close();
    };
  }, [feed, gatewayUrl, channels]);

  return { state };
}
