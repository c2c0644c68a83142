import { describe, expect, it } from 'vitest';
import { unavailableNote, unreadable } from './unavailable.ts';

describe("the dashboard's failed reads", () => {
  it('names every read that answered nothing, and only those (an empty list is an answer)', () => {
    expect(
      unreadable({ account: { equity: '1' }, orders: null, positions: { items: [] }, risk: undefined }),
    ).toEqual(['orders', 'risk']);
    expect(unreadable({ orders: { items: [] } })).toEqual([]);
  });

  it('says which reads failed and that the page retries', () => {
    expect(unavailableNote(['orders'])).toBe(
      'Could not load orders: what is shown for it is not current. Retrying every 3 s.',
    );
    expect(unavailableNote(['orders', 'positions'])).toMatch(/^Could not load orders, positions: .* them /);
  });
});
