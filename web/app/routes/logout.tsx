import { type ActionFunctionArgs, redirect } from '@remix-run/node';
import { destroySession } from '../lib/session.server.ts';

export async function action({ request }: ActionFunctionArgs) {
  return redirect('/login', { headers: { 'set-cookie': await destroySession(request) } });
}

export async function loader() {
  return redirect('/');
}
