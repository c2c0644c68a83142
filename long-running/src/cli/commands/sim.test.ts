import { describe, expect, it } from 'vitest';
import { parseSimArgs } from './sim.ts';

describe('enigma sim options', () => {
  it('defaults to port 9100, the synthetic source and the three majors', () => {
    const o = parseSimArgs({}, {});
    expect(o).toMatchObject({
      port: 9100,
      source: 'synthetic',
      symbols: ['XBTUSDTM', 'ETHUSDTM', 'SOLUSDTM'],
    });
    expect(o.key).toBeUndefined();
  });

  it('funds 10,000 USDT unless --balance says otherwise; --balance 0 keeps the account empty', () => {
    expect(parseSimArgs({}, {}).initialBalance).toBe(10_000);
    expect(parseSimArgs({ balance: '0' }, {}).initialBalance).toBe(0);
    expect(parseSimArgs({ balance: '250' }, {}).initialBalance).toBe(250);
  });

  it('passes --state through as the state file', () => {
    expect(parseSimArgs({ state: '/tmp/sim.json' }, {}).statePath).toBe('/tmp/sim.json');
    expect(parseSimArgs({}, {}).statePath).toBeUndefined();
  });

  it('takes credentials from flags, else from SIM_API_* variables', () => {
    const env = { SIM_API_KEY: 'ek', SIM_API_SECRET: 'es', SIM_API_PASSPHRASE: 'ep' };
    expect(parseSimArgs({}, env)).toMatchObject({ key: 'ek', secret: 'es', passphrase: 'ep' });
    expect(parseSimArgs({ key: 'fk' }, env)).toMatchObject({ key: 'fk', secret: 'es' });
  });

  it('parses replay files and speed, and mirror URLs', () => {
    const o = parseSimArgs({ source: 'replay', replay: ['XBTUSDTM=/x.csv'], speed: '60' }, {});
    expect(o.replay).toMatchObject({ files: { XBTUSDTM: '/x.csv' }, speed: 60 });
    expect(parseSimArgs({ mirror: 'http://127.0.0.1:9100' }, {}).source).toBe('mirror');
    expect(parseSimArgs({ 'rate-limit': true }, {}).enforceRateLimits).toBe(true);
  });

  it('rejects bad values naming the option', () => {
    expect(() => parseSimArgs({ port: '-1' }, {})).toThrow(/--port/);
    expect(() => parseSimArgs({ source: 'live' }, {})).toThrow(/--source/);
    expect(() => parseSimArgs({ symbols: 'DOGEUSDTM' }, {})).toThrow(/DOGEUSDTM/);
    expect(() => parseSimArgs({ speed: 'fast' }, {})).toThrow(/--speed/);
    expect(() => parseSimArgs({ replay: ['XBTUSDTM'] }, {})).toThrow(/--replay/);
    expect(() => parseSimArgs({ source: 'mirror' }, {})).toThrow(/--mirror/);
    expect(() => parseSimArgs({ 'funding-rate': '0.5' }, {})).toThrow(/--funding-rate/);
  });
});
