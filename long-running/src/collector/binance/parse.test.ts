import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BinanceParseError,
  binanceStreams,
  parseBinanceFrame,
  parseBookTicker,
  parseMarkPrice,
} from './parse.ts';

/** The fixtures are Binance's published examples, comments included; strip them to get the JSON. */
function fixture(name: string): Record<string, unknown> {
  const text = readFileSync(new URL(`./test_data/${name}`, import.meta.url), 'utf8');
  return JSON.parse(text.replace(/\/\/[^\n]*/g, '')) as Record<string, unknown>;
}

describe('parseMarkPrice', () => {
  it('parses the published USDⓈ-M mark price example into decimals', () => {
    const m = parseMarkPrice(fixture('ws_markPrice.jsonc'));
    expect(m.symbol).toBe('BTCUSDT');
    expect(m.markPrice.toString()).toBe('11794.15');
    expect(m.indexPrice.toString()).toBe('11784.62659091');
    expect(m.estimatedSettlePrice.toString()).toBe('11784.25641265');
    expect(m.fundingRate?.toString()).toBe('0.00038167');
    expect(m.nextFundingTime).toBe(1562306400000);
    expect(m.eventTime).toBe(1562305380000);
  });

  it('reads an empty funding rate (delivery contract) as null, not zero', () => {
    const m = parseMarkPrice({ ...fixture('ws_markPrice.jsonc'), r: '', T: 0 });
    expect(m.fundingRate).toBeNull();
  });

  it.each([
    ['NaN mark', { p: 'NaN' }],
    ['negative mark', { p: '-1' }],
    ['zero index', { i: '0' }],
    ['number instead of string', { p: 11794.15 }],
    ['missing symbol', { s: undefined }],
  ])('rejects %s', (_, patch) => {
    expect(() => parseMarkPrice({ ...fixture('ws_markPrice.jsonc'), ...patch })).toThrow(BinanceParseError);
  });
});

describe('parseBookTicker', () => {
  it('parses the published USDⓈ-M book ticker example', () => {
    const b = parseBookTicker(fixture('ws_bookTicker.jsonc'));
    expect(b).toMatchObject({
      symbol: 'BNBUSDT',
      updateId: 400900217,
      eventTime: 1568014460893,
      transactionTime: 1568014460891,
    });
    expect(b.bestBid.toString()).toBe('25.3519');
    expect(b.bestBidQty.toString()).toBe('31.21');
    expect(b.bestAsk.toString()).toBe('25.3652');
    expect(b.bestAskQty.toString()).toBe('40.66');
  });

  it('rejects a crossed book and a negative quantity', () => {
    expect(() => parseBookTicker({ ...fixture('ws_bookTicker.jsonc'), b: '30' })).toThrow(/crossed/);
    expect(() => parseBookTicker({ ...fixture('ws_bookTicker.jsonc'), B: '-1' })).toThrow(BinanceParseError);
  });
});

describe('parseBinanceFrame', () => {
  it('unwraps combined-stream envelopes and raw events alike', () => {
    const raw = JSON.stringify(fixture('ws_bookTicker.jsonc'));
    const wrapped = JSON.stringify({ stream: 'bnbusdt@bookTicker', data: fixture('ws_bookTicker.jsonc') });
    expect(parseBinanceFrame(raw)).toEqual(parseBinanceFrame(wrapped));
    expect(parseBinanceFrame(JSON.stringify(fixture('ws_markPrice.jsonc')))?.kind).toBe('markPrice');
  });

  it('ignores subscription results and rejects unknown events or bad JSON', () => {
    expect(parseBinanceFrame('{"result":null,"id":1}')).toBeNull();
    expect(() => parseBinanceFrame('{"e":"aggTrade"}')).toThrow(/unknown event/);
    expect(() => parseBinanceFrame('not json')).toThrow(BinanceParseError);
  });

  it('names the two reference streams per symbol in Binance lower case', () => {
    expect(binanceStreams('BTCUSDT')).toEqual(['btcusdt@markPrice@1s', 'btcusdt@bookTicker']);
  });
});
