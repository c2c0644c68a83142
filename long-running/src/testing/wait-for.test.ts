import { describe, expect, it } from 'vitest';
import { waitFor } from './wait-for.ts';

describe('waitFor', () => {
  it('returns the first truthy value of the check', async () => {
    let n = 0;
    expect(await waitFor(() => (++n >= 3 ? { n } : null), 1_000, 'three polls')).toEqual({ n: 3 });
  });

  it('fails after the timeout naming what it waited for (a falsy answer is not success)', async () => {
    await expect(waitFor(async () => false, 50, 'never')).rejects.toThrow(/50 ms waiting for never/);
  });
});
