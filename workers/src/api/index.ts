import type { Hono } from 'hono';
import type { AppEnv } from '../deps.ts';
import { registerAlerts } from './alerts.ts';
import { registerAuth } from './auth.ts';
import { registerCommands } from './commands.ts';
import { registerCredentialsAndAudit } from './credentials-audit.ts';
import { registerFills } from './fills.ts';
import { createApiRouter } from './openapi.ts';
import { registerPerformance } from './performance.ts';
import { registerPreview } from './preview.ts';
import { referencePage } from './reference.ts';
import { registerReports } from './reports.ts';
import { registerRisk } from './risk.ts';
import { registerRiskEvents } from './risk-events.ts';
import { registerSettings } from './settings.ts';
import { registerSignals } from './signals.ts';
import { registerTrading } from './trading.ts';

const INFO = {
  openapi: '3.1.0',
  info: {
    title: 'Miniature Enigma API',
    version: '1.0.0',
    description: 'REST API of the dashboard and scripts. Errors are `{ error: { code, message, details } }`.',
  },
  servers: [{ url: '/api' }],
};

/** Register every /api/* operation, the OpenAPI document and its reference page. */
export function registerApi(app: Hono<AppEnv>): void {
  const api = createApiRouter();
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  api.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
  });
  registerAuth(api);
  registerSignals(api);
  registerTrading(api);
  registerFills(api);
  registerPreview(api);
  registerPerformance(api);
  registerReports(api);
  registerCommands(api);
  registerRisk(api);
  registerRiskEvents(api);
  registerSettings(api);
  registerCredentialsAndAudit(api);
  registerAlerts(api);
  const document = () => api.getOpenAPI31Document(INFO);
  api.get('/openapi.json', (c) => c.json(document()));
  api.get('/docs', (c) => c.html(referencePage(document())));
  app.route('/api', api);
}
