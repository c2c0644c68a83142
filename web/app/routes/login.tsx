import { type ActionFunctionArgs, data, type MetaFunction, redirect } from '@remix-run/node';
import { Form, useActionData, useNavigation } from '@remix-run/react';
import type { DashboardContext } from '../../server/context.ts';
import { callApi, commitSession, type Role, readSession } from '../lib/session.server.ts';

export const meta: MetaFunction = () => [{ title: 'Sign in · Enigma' }];

export async function loader({ request }: { request: Request }) {
  if (await readSession(request)) throw redirect('/');
  return null;
}

/** A refusal to show beside the form; success redirects to the dashboard with the session cookie. */
type LoginResult = { error: string };

export async function action({ request, context }: ActionFunctionArgs): Promise<LoginResult | Response> {
  const form = await request.formData();
  const email = String(form.get('email') ?? '').trim();
  const password = String(form.get('password') ?? '');
  if (!email || !password) return refuse('Enter your email and password.', 400);
  const res = await callApi(context as unknown as DashboardContext, request, '/auth/login', {
    method: 'POST',
    body: { email, password },
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    const message =
      res.status === 401 ? 'Wrong email or password.' : (body?.error?.message ?? 'Sign-in failed.');
    return refuse(message, res.status);
  }
  const pair = (await res.json()) as { accessToken: string; refreshToken: string; role: Role };
  const cookie = await commitSession(request, {
    accessToken: pair.accessToken,
    refreshToken: pair.refreshToken,
    role: pair.role,
  });
  return redirect('/', { headers: { 'set-cookie': cookie } });
}

function refuse(error: string, status: number): LoginResult {
  return data({ error }, { status }) as unknown as LoginResult;
}

export default function Login() {
  const result = useActionData<LoginResult>();
  const busy = useNavigation().state !== 'idle';
  return (
    <main className="login">
      <Form method="post" className="card login-card" aria-labelledby="login-title">
        <h1 id="login-title">Miniature Enigma</h1>
        <p className="muted">KuCoin Futures dashboard</p>
        <label>
          Email
          <input name="email" type="email" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {result?.error ? (
          <p className="error" role="alert">
            {result.error}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </Form>
    </main>
  );
}
