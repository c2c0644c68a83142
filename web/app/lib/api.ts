/**
 * The page's own calls to the REST API, with a short-lived access token fetched from the session
 * cookie (`GET /session/token`) and renewed on a 401. Browser only.
 */
let cached: { token: string; at: number } | null = null;
const TOKEN_REUSE_MS = 5 * 60_000;

export async function accessToken(force = false): Promise<string> {
  if (!force && cached && Date.now() - cached.at < TOKEN_REUSE_MS) return cached.token;
  const res = await fetch('/session/token', { credentials: 'same-origin', cache: 'no-store' });
  if (res.status === 401 || res.redirected) {
    window.location.assign('/login');
    throw new Error('signed out');
  }
  if (!res.ok) throw new Error(`token: HTTP ${res.status}`);
  const body = (await res.json()) as { token: string };
  cached = { token: body.token, at: Date.now() };
  return body.token;
}

export interface ApiResult<T> {
  ok: boolean;
  status: number;
  data: T | null;
  /** the API's error message, or a network error's */
  error: string | null;
  /** field → message, from a validation_failed answer */
  fields: Record<string, string>;
}

/** Call `/api${path}` with JSON in and out; never throws for an HTTP error. */
export async function api<T = unknown>(
  path: string,
  init: { method?: string; body?: unknown; idempotencyKey?: string; signal?: AbortSignal } = {},
): Promise<ApiResult<T>> {
  const send = async (token: string) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.idempotencyKey) headers['idempotency-key'] = init.idempotencyKey;
    return fetch(`/api${path}`, {
      method: init.method ?? 'GET',
      headers,
      ...(init.signal ? { signal: init.signal } : {}),
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
  };
  try {
    let res = await send(await accessToken());
    if (res.status === 401) res = await send(await accessToken(true));
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (res.ok) return { ok: true, status: res.status, data: json as T, error: null, fields: {} };
    const err = (
      json as { error?: { message?: string; details?: { issues?: { path: string; message: string }[] } } }
    )?.error;
    const fields: Record<string, string> = {};
    for (const i of err?.details?.issues ?? []) fields[i.path.split('.').pop() || '_'] = i.message;
    return { ok: false, status: res.status, data: null, error: err?.message ?? `HTTP ${res.status}`, fields };
  } catch (error) {
    return { ok: false, status: 0, data: null, error: (error as Error).message, fields: {} };
  }
}

/** Download an authenticated text endpoint as a file (the trades CSV). */
export async function download(path: string, filename: string): Promise<void> {
  const res = await fetch(`/api${path}`, { headers: { authorization: `Bearer ${await accessToken()}` } });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
