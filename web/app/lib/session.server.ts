import { createCookie, redirect } from '@remix-run/node';
import type { DashboardContext } from '../../server/context.ts';

/** What the session cookie holds: the API's own token pair (JWTs, signed by the API). */
export interface Session {
  accessToken: string;
  refreshToken: string;
  role: Role;
}
export type Role = 'viewer' | 'trader' | 'admin';

const sessionCookie = createCookie('enigma_session', {
  httpOnly: true,
  sameSite: 'lax',
  path: '/',
  maxAge: 7 * 24 * 3600,
});

/** Seconds left before a JWT expires (no verification: the API verifies every use). */
export function secondsLeft(jwt: string, nowMs = Date.now()): number {
  try {
    const payload = JSON.parse(atob(jwt.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as {
      exp?: number;
    };
    return (payload.exp ?? 0) - nowMs / 1000;
  } catch {
    return -1;
  }
}

function secure(request: Request): boolean {
  return new URL(request.url).protocol === 'https:';
}

export async function readSession(request: Request): Promise<Session | null> {
  const value = (await sessionCookie.parse(request.headers.get('cookie'))) as Session | null;
  return value && typeof value.accessToken === 'string' ? value : null;
}

export function commitSession(request: Request, session: Session): Promise<string> {
  return sessionCookie.serialize(session, { secure: secure(request) });
}

export function destroySession(request: Request): Promise<string> {
  return sessionCookie.serialize('', { maxAge: 0, secure: secure(request) });
}

/** Call the API in-process (or through the binding) with JSON in and out. */
export async function callApi(
  context: DashboardContext,
  request: Request,
  path: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  const url = new URL(`/api${path}`, request.url);
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  const forwarded = request.headers.get('x-forwarded-for') ?? request.headers.get('cf-connecting-ip');
  if (forwarded) headers.set('x-forwarded-for', forwarded);
  return context.api(
    new Request(url, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    }),
  );
}

/**
 * The signed-in session, refreshed when the access token has under a minute left; redirects to
 * /login when there is none or the refresh token is no longer accepted. `setCookie` is set when the
 * cookie changed and must be sent back.
 */
export async function requireSession(
  request: Request,
  context: DashboardContext,
): Promise<{ session: Session; setCookie?: string }> {
  const session = await readSession(request);
  if (!session) throw redirect('/login');
  if (secondsLeft(session.accessToken) > 60) return { session };
  const res = await callApi(context, request, '/auth/refresh', {
    method: 'POST',
    body: { refreshToken: session.refreshToken },
  });
  if (!res.ok) throw redirect('/login', { headers: { 'set-cookie': await destroySession(request) } });
  const pair = (await res.json()) as { accessToken: string; refreshToken: string; role: Role };
  const next = { accessToken: pair.accessToken, refreshToken: pair.refreshToken, role: pair.role };
  return { session: next, setCookie: await commitSession(request, next) };
}

/**
 * GET helpers over the REST API as the signed-in user: `get(path)` answers the JSON body or null
 * (any error status); `signedOut` turns true when the API answered 401 (the loader then redirects).
 */
export function apiReader(context: DashboardContext, request: Request, token: string) {
  const state = { signedOut: false };
  return {
    state,
    async get<T>(path: string): Promise<T | null> {
      const res = await callApi(context, request, path, { token });
      if (res.status === 401) state.signedOut = true;
      return res.ok ? ((await res.json()) as T) : null;
    },
  };
}
