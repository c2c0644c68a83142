import type { SignalDetail } from '@enigma/db';
import { describe, expect, it } from 'vitest';
import { signalTimeline } from './trace.ts';

const at = (s: number) => new Date(Date.UTC(2026, 11, 7, 12, 0, s));

/** A signal's detail with one order row shaped by `order` (only the fields the timeline reads). */
function detail(order: Record<string, unknown>): SignalDetail {
  return {
    signal: {
      id: '00000000-0000-4000-8000-000000000001',
      source: 'tv',
      action: 'buy',
      symbol: 'XBTUSDTM',
      contracts: null,
      alertTime: null,
      receivedAt: at(0),
      updatedAt: at(30),
      status: 'failed',
      reason: null,
      metadata: {},
    },
    scores: [],
    riskEvents: [],
    intent: null,
    orders: [
      {
        purpose: 'entry',
        side: 'buy',
        type: 'market',
        size: 1,
        stopPrice: null,
        clientOid: 'e1',
        exchangeOrderId: null,
        avgFillPrice: null,
        createdAt: at(1),
        doneAt: null,
        reason: null,
        ...order,
      },
    ],
    fills: [],
    commands: [],
  } as unknown as SignalDetail;
}

describe('enigma trace: an order is shown sent only when it reached the wire', () => {
  it('an answered order is sent at its send time', () => {
    const steps = signalTimeline(
      detail({ status: 'filled', submittedAt: at(2), exchangeOrderId: 'x1', doneAt: at(3) }),
    ).steps;
    expect(steps.find((s) => s.step === 'sent')).toMatchObject({ at: at(2) });
  });

  it('a crash-left intent whose send began, and an order closed as never sent, are not shown as sent', () => {
    for (const order of [
      { status: 'intent', submittedAt: at(9) },
      { status: 'rejected', submittedAt: at(9), doneAt: at(30), reason: 'not_sent: its send window passed' },
    ]) {
      const steps = signalTimeline(detail(order)).steps;
      expect(steps.some((s) => s.step === 'sent')).toBe(false);
      expect(steps.find((s) => s.step === 'send began')).toMatchObject({ at: at(9) });
    }
  });
});
