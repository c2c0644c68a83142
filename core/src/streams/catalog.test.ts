import { describe, expect, it } from 'vitest';
import { checkStreamPayload, commandEnvelopeSchema, signalEntrySchema } from './catalog.ts';

const entry = {
  signalId: '6f1c1d1e-3a8b-4f63-9a3e-0c1f2b3a4d5e',
  source: 'tradingview',
  symbol: 'XBTUSDTM',
  action: 'sell',
  interval: '15',
  alertTime: 1_714_564_805_000,
  receivedAt: 1_714_564_805_120,
  price: '65000.5',
  size: '3',
  positionSize: '0',
  marketPosition: 'flat',
  prevMarketPosition: 'long',
  orderId: 'Close entry(s) order Long',
  comment: null,
  indicators: { rsi: 71.2 },
  conditions: {},
  route: 'tradingview',
  confidence: null,
} as const;

describe('stream catalog', () => {
  it('carries the strategy fields that tell a closing sell from an opening short', () => {
    const parsed = signalEntrySchema.parse(entry);
    expect(parsed.marketPosition).toBe('flat');
    expect(parsed.prevMarketPosition).toBe('long');
    expect(parsed.positionSize).toBe('0');
  });

  it('refuses an entry whose money field is not a decimal string, naming the field', () => {
    const bad = signalEntrySchema.safeParse({ ...entry, price: '1e999999' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['price']);
    expect(() => checkStreamPayload('signals:incoming', { ...entry, action: 'open' as 'buy' })).toThrow(
      /action/,
    );
  });

  it('validates a command envelope with the operator command schema', () => {
    const ok = {
      commandId: '7a1c1d1e-3a8b-4f63-9a3e-0c1f2b3a4d5e',
      issuedBy: 'user:1',
      issuedAt: 1,
      idempotencyKey: 'k',
      command: { type: 'kill_switch', on: true, reason: 'drill' },
    };
    expect(commandEnvelopeSchema.parse(ok).command.type).toBe('kill_switch');
    expect(commandEnvelopeSchema.safeParse({ ...ok, command: { type: 'withdraw_all' } }).success).toBe(false);
  });
});
