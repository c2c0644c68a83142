/** Fault-injection switches, settable programmatically or via POST /sim/faults. */
export interface FaultState {
  /** Delay every REST response by this many ms. */
  delayMs: number;
  /** Drop the next N REST requests: not processed, connection destroyed without an answer. */
  dropRequests: number;
  /** Process the next N mutating requests (POST/DELETE), then destroy the connection: the order exists but the client never hears of it. */
  loseResponses: number;
  /** Answer the next N REST requests with `errorStatus` (5xx or 429) without processing them. */
  errorResponses: number;
  errorStatus: number;
  /** Only apply the request faults above to paths starting with this prefix (e.g. /api/v1/orders). */
  pathPrefix: string;
  /** WebSocket sessions stop sending anything (no data, no pong, no close frame). */
  wsSilent: boolean;
}

const DEFAULTS: FaultState = {
  delayMs: 0,
  dropRequests: 0,
  loseResponses: 0,
  errorResponses: 0,
  errorStatus: 503,
  pathPrefix: '',
  wsSilent: false,
};

/** The decision for one request. */
export type RequestFault =
  | { kind: 'drop' }
  | { kind: 'error'; status: number }
  | { kind: 'lose' }
  | undefined;

/**
 * Fault switches shared by the HTTP app and the WebSocket server.
 *
 * @example sim.faults.set({ errorResponses: 2, errorStatus: 429 })
 */
export class Faults {
  private state: FaultState = { ...DEFAULTS };
  /** Hooks the WebSocket server installs for token expiry. */
  onExpireTokens: () => void = () => {};

  get(): FaultState {
    return { ...this.state };
  }

  /** Merge switches; unknown keys or bad values are rejected. */
  set(patch: Partial<FaultState>): FaultState {
    for (const [k, v] of Object.entries(patch)) {
      if (!(k in DEFAULTS)) throw new RangeError(`unknown fault switch: ${k}`);
      const expected = typeof DEFAULTS[k as keyof FaultState];
      if (typeof v !== expected || (typeof v === 'number' && (!Number.isFinite(v) || v < 0)))
        throw new RangeError(
          `fault switch ${k} must be a ${expected === 'number' ? 'non-negative number' : expected}`,
        );
    }
    if (
      patch.errorStatus !== undefined &&
      !(patch.errorStatus === 429 || (patch.errorStatus >= 500 && patch.errorStatus < 600))
    )
      throw new RangeError('errorStatus must be 429 or 5xx');
    this.state = { ...this.state, ...patch };
    return this.get();
  }

  reset(): void {
    this.state = { ...DEFAULTS };
  }

  /** Invalidate every issued WebSocket token and drop the sessions using them. */
  expireTokens(): void {
    this.onExpireTokens();
  }

  /** Consume the fault (if any) that applies to this request. */
  take(method: string, path: string): RequestFault {
    if (this.state.pathPrefix && !path.startsWith(this.state.pathPrefix)) return undefined;
    if (this.state.dropRequests > 0) {
      this.state.dropRequests -= 1;
      return { kind: 'drop' };
    }
    if (this.state.errorResponses > 0) {
      this.state.errorResponses -= 1;
      return { kind: 'error', status: this.state.errorStatus };
    }
    if (this.state.loseResponses > 0 && (method === 'POST' || method === 'DELETE')) {
      this.state.loseResponses -= 1;
      return { kind: 'lose' };
    }
    return undefined;
  }
}
