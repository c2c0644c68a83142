import { checkSwitches } from './switches.ts';

/** Fault-injection switches, settable programmatically or via POST /sim/faults. */
export interface FaultState {
  /** Delay every REST response by this many ms (before processing). */
  delayMs: number;
  /** Delay the answer by this many ms after the request was processed (the order exists, the client waits). */
  delayAfterMs: number;
  /** Drop the next N REST requests: not processed, connection destroyed without an answer. */
  dropRequests: number;
  /** Process the next N mutating requests (POST/DELETE), then destroy the connection: the order exists but the client never hears of it. */
  loseResponses: number;
  /** Answer the next N REST requests with `errorStatus` (5xx or 429) without processing them. */
  errorResponses: number;
  /** Process the next N mutating requests (POST/DELETE), then answer `errorStatus` (a 5xx): the order exists, the answer is an error. */
  errorAfterProcessing: number;
  errorStatus: number;
  /**
   * Hold the next N mutating requests (POST/DELETE) `queueMs` before processing them, as a gateway queue
   * does: authenticated on arrival, processed (the order placed) late even when the client has given up
   * waiting meanwhile, and then answered if it is still listening.
   */
  queueRequests: number;
  queueMs: number;
  /** Only apply the request faults above to paths starting with this prefix (e.g. /api/v1/orders). */
  pathPrefix: string;
  /** Refuse the next N order placements with the business code `refuseCode` (HTTP 200, nothing placed). */
  refuseOrders: number;
  refuseCode: string;
  /** The next N stop orders that trigger fail to place their order (pushed with `error`, then done). */
  failStopTriggers: number;
  /** The `error` a failed trigger carries. */
  stopTriggerError: string;
  /** Skip one level-2 sequence number before each of the next N deltas (a gap clients must resync on). */
  l2Gap: number;
  /** Send each of the next N level-2 deltas twice with the same sequence. */
  l2Duplicate: number;
  /** WebSocket sessions stop sending anything (no data, no pong, no close frame). */
  wsSilent: boolean;
  /** Auto-deleverage the user's open positions on the next N market steps that find one (whole, at the mark). */
  adl: number;
}

const DEFAULTS: FaultState = {
  delayMs: 0,
  delayAfterMs: 0,
  dropRequests: 0,
  loseResponses: 0,
  errorResponses: 0,
  errorAfterProcessing: 0,
  errorStatus: 503,
  queueRequests: 0,
  queueMs: 0,
  pathPrefix: '',
  refuseOrders: 0,
  refuseCode: '300003',
  failStopTriggers: 0,
  stopTriggerError: 'error.createOrder.accountBalanceInsufficient',
  l2Gap: 0,
  l2Duplicate: 0,
  wsSilent: false,
  adl: 0,
};

/** Messages KuCoin sends with the business codes `refuseOrders` can answer (others get a generic text). */
const REFUSAL_MESSAGES: Record<string, string> = {
  '300001': 'The number of active orders exceeds the limit.',
  '300002': 'Order placement is suspended.',
  '300003': 'Balance insufficient. The order would cost 0.0000000000.',
  '300004': 'The number of stop orders exceeds the limit.',
  '300005': 'Risk limit exceeded.',
  '300014': 'The position is being liquidated, unable to place/cancel the order. Please try again later.',
  '300015': 'The order placing/cancellation is currently not available. Settlement in progress.',
  '330008':
    'Your current margin and leverage have reached the maximum open limit. Please increase your margin or raise your leverage to open larger positions.',
};

/** The decision for one request. */
export type RequestFault =
  | { kind: 'drop' }
  | { kind: 'error'; status: number }
  | { kind: 'lose' }
  | { kind: 'errorAfter'; status: number }
  | { kind: 'queue'; ms: number }
  | undefined;

/**
 * Fault switches shared by the HTTP app, the WebSocket server and the engine (order refusals, stop
 * trigger failures, level-2 sequence faults).
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
    checkSwitches(DEFAULTS, patch, 'fault');
    if (
      patch.errorStatus !== undefined &&
      !(patch.errorStatus === 429 || (patch.errorStatus >= 500 && patch.errorStatus < 600))
    )
      throw new RangeError('errorStatus must be 429 or 5xx');
    if (patch.refuseCode !== undefined && !/^\d{5,6}$/.test(patch.refuseCode))
      throw new RangeError('refuseCode must be a KuCoin business code such as 300003');
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

  /** Whether the path-scoped request faults apply to this path. */
  appliesTo(path: string): boolean {
    return !this.state.pathPrefix || path.startsWith(this.state.pathPrefix);
  }

  /** Consume the fault (if any) that applies to this request. */
  take(method: string, path: string): RequestFault {
    if (!this.appliesTo(path)) return undefined;
    if (this.state.dropRequests > 0) {
      this.state.dropRequests -= 1;
      return { kind: 'drop' };
    }
    if (this.state.errorResponses > 0) {
      this.state.errorResponses -= 1;
      return { kind: 'error', status: this.state.errorStatus };
    }
    const mutating = method === 'POST' || method === 'DELETE';
    if (this.state.loseResponses > 0 && mutating) {
      this.state.loseResponses -= 1;
      return { kind: 'lose' };
    }
    if (this.state.errorAfterProcessing > 0 && mutating) {
      this.state.errorAfterProcessing -= 1;
      const s = this.state.errorStatus;
      return { kind: 'errorAfter', status: Math.max(s, 500) };
    }
    if (this.state.queueRequests > 0 && mutating) {
      this.state.queueRequests -= 1;
      return { kind: 'queue', ms: this.state.queueMs };
    }
    return undefined;
  }

  /** The refusal for the next order placement, if `refuseOrders` is set: [code, message]. */
  takeOrderRefusal(): [string, string] | undefined {
    if (this.state.refuseOrders <= 0) return undefined;
    this.state.refuseOrders -= 1;
    const code = this.state.refuseCode;
    return [code, REFUSAL_MESSAGES[code] ?? `Order refused (${code}).`];
  }

  /** The error of the next stop trigger, if `failStopTriggers` is set. */
  takeStopTriggerFailure(): string | undefined {
    if (this.state.failStopTriggers <= 0) return undefined;
    this.state.failStopTriggers -= 1;
    return this.state.stopTriggerError;
  }

  /** Whether the `adl` fault deleverages a position now (consumes one). */
  takeAdl(): boolean {
    if (this.state.adl <= 0) return false;
    this.state.adl -= 1;
    return true;
  }

  /** The sequence fault for the next level-2 delta. */
  takeL2Fault(): 'gap' | 'duplicate' | undefined {
    if (this.state.l2Gap > 0) {
      this.state.l2Gap -= 1;
      return 'gap';
    }
    if (this.state.l2Duplicate > 0) {
      this.state.l2Duplicate -= 1;
      return 'duplicate';
    }
    return undefined;
  }
}
