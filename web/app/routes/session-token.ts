import type { LoaderFunctionArgs } from '@remix-run/node';
import type { DashboardContext } from '../../server/context.ts';
import { requireSession } from '../lib/session.server.ts';

/**
 * A fresh short-lived access token for the page's own API calls and the /ws gateway, refreshed from
 * the session cookie. GET /session/token → { token, role }.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { session, setCookie } = await requireSession(request, context as unknown as DashboardContext);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (setCookie) headers['set-cookie'] = setCookie;
  return new Response(JSON.stringify({ token: session.accessToken, role: session.role }), { headers });
}
