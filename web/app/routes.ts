import { type RouteConfig, route } from '@remix-run/route-config';

/** Every page and resource route of the dashboard (v3_routeConfig: one explicit table, no file conventions). */
export default [
  route('/', 'routes/dashboard.tsx'),
  route('signals/:id', 'routes/signal.tsx'),
  route('performance', 'routes/performance.tsx'),
  route('settings', 'routes/settings.tsx'),
  route('login', 'routes/login.tsx'),
  route('logout', 'routes/logout.tsx'),
  route('session/token', 'routes/session-token.ts'),
] satisfies RouteConfig;
