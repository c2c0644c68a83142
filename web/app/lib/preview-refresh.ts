import type { RiskState } from './types.ts';

/**
 * Keeps the order ticket's risk preview current. The preview (POST /api/orders/preview) depends on
 * more than the ticket's fields: the kill switch, the breakers, the mark, the balance and the
 * positions. Reading it only when a field changed left it stale (the kill switch turned on with the
 * ticket untouched still read "every risk check passes" and Buy stayed enabled). So:
 *
 * - a change of the ticket's body is read after a short pause (typing does not send a request per key);
 * - the same body is read again `intervalMs` after each answer, for as long as the ticket is shown;
 * - `refresh()` reads it at once (the dashboard calls it when the kill switch or a breaker changed);
 * - at most one request is in flight: a new one aborts the one before, whose answer is dropped;
 * - the answer shown stays until the next one replaces it (no flicker through "computing…").
 */
export class PreviewRefresher<Body, Answer> {
  private body: Body | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: AbortController | null = null;

  constructor(
    private readonly read: (body: Body, signal: AbortSignal) => Promise<Answer>,
    private readonly onAnswer: (answer: Answer) => void,
    private readonly opts: { debounceMs: number; intervalMs: number } = {
      debounceMs: 250,
      intervalMs: PREVIEW_REFRESH_MS,
    },
  ) {}

  /** The ticket's body changed (null: the ticket is not a valid order; nothing is read). */
  set(body: Body | null): void {
    this.stop();
    this.body = body;
    if (body !== null) this.schedule(this.opts.debounceMs);
  }

  /** Read the current body now (the risk state changed). */
  refresh(): void {
    if (this.body === null) return;
    this.clearTimer();
    void this.run();
  }

  /** The ticket is gone: no timer, no request. */
  dispose(): void {
    this.stop();
    this.body = null;
  }

  private async run(): Promise<void> {
    const body = this.body;
    if (body === null) return;
    this.inFlight?.abort();
    const controller = new AbortController();
    this.inFlight = controller;
    let answer: Answer;
    try {
      answer = await this.read(body, controller.signal);
    } catch {
      if (controller.signal.aborted) return;
      // a failed read is tried again at the next interval; the answer shown stays
      this.inFlight = null;
      this.schedule(this.opts.intervalMs);
      return;
    }
    if (controller.signal.aborted) return;
    this.inFlight = null;
    this.onAnswer(answer);
    this.schedule(this.opts.intervalMs);
  }

  private schedule(ms: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private stop(): void {
    this.clearTimer();
    this.inFlight?.abort();
    this.inFlight = null;
  }
}

/** How often the ticket's preview is read again while it is shown. */
export const PREVIEW_REFRESH_MS = 3_000;

/**
 * The part of the risk state the preview's checks read that the dashboard learns of through its live
 * events (events:risk reloads it): the kill switch and each breaker's state. A change reads the
 * ticket's preview again at once.
 */
export function previewRiskKey(risk: Pick<RiskState, 'killSwitch' | 'breakers'> | null): string {
  if (!risk) return '';
  return JSON.stringify([
    risk.killSwitch.on,
    risk.killSwitch.updatedAt,
    risk.breakers.map((b) => [b.name ?? b.scope, b.state, b.trippedAt]),
  ]);
}
