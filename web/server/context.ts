/**
 * What the host (enigma start on Node, or the dashboard worker) hands every loader and action:
 * a way to call the REST API. On Node it is the Hono app's own `fetch` (no network hop); on
 * Workers a service binding or the API origin.
 */
export interface DashboardContext {
  /** Send a request to the REST API (`/api/...`) and return its answer. */
  api(request: Request): Promise<Response>;
  /** where the page opens its live WebSocket; default: /ws on the page's own host */
  gatewayUrl?: string;
}
