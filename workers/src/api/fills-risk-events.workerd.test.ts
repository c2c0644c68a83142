import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

// GET /api/fills and GET /api/risk/events on workerd (the edge worker's database driver), as the
// dashboard's loader calls them there.

const b = env as unknown as Record<string, string>;

async function get(path: string, token?: string) {
  const res = await exports.default.fetch(`http://edge.test${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, json: (await res.json().catch(() => null)) as Record<string, unknown> };
}

describe('fills and risk events in workerd', () => {
  it('answer lists to a signed-in user, 422 for a malformed query, 401 without a token', async () => {
    const login = await exports.default.fetch('http://edge.test/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: b['TEST_ADMIN_EMAIL'], password: b['TEST_ADMIN_PASSWORD'] }),
    });
    expect(login.status).toBe(200);
    const token = ((await login.json()) as { accessToken: string }).accessToken;
    const fills = await get('/api/fills?symbol=XBTUSDTM&from=2024-05-01T00:00:00Z&limit=10', token);
    expect(fills.status).toBe(200);
    expect(Array.isArray(fills.json['items'])).toBe(true);
    const events = await get('/api/risk/events?kind=breaker&limit=5', token);
    expect(events.status).toBe(200);
    expect(Array.isArray(events.json['items'])).toBe(true);
    expect((await get('/api/fills?symbol=xbt', token)).status).toBe(422);
    expect((await get('/api/risk/events?kind=other', token)).status).toBe(422);
    expect((await get('/api/fills')).status).toBe(401);
  });
});
