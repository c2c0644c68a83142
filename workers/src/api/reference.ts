/**
 * A self-contained API reference page rendered from the OpenAPI document (no CDN: the dashboard may
 * run offline, and a third-party script on an authenticated origin is a risk).
 */
export function referencePage(document: unknown): string {
  const doc = document as { paths?: Record<string, Record<string, unknown>>; info?: { title?: string } };
  const esc = (s: unknown) =>
    String(s ?? '').replace(
      /[&<>"']/g,
      (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
    );
  const rows: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    for (const [method, raw] of Object.entries(ops)) {
      const op = raw as {
        summary?: string;
        tags?: string[];
        security?: unknown[];
        requestBody?: unknown;
        responses?: Record<string, unknown>;
      };
      const auth = op.security && op.security.length > 0 ? 'Bearer JWT or x-api-key' : 'none';
      rows.push(
        `<tr><td><code>${esc(method.toUpperCase())}</code></td><td><code>/api${esc(path)}</code></td><td>${esc(op.tags?.join(', '))}</td><td>${esc(op.summary)}</td><td>${esc(auth)}</td><td>${esc(Object.keys(op.responses ?? {}).join(' '))}</td></tr>`,
      );
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(doc.info?.title)} reference</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}code{font-size:13px}</style></head>
<body><h1>${esc(doc.info?.title)}</h1><p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a>. Errors: <code>{ "error": { "code", "message", "details" } }</code>.</p>
<table><thead><tr><th>Method</th><th>Path</th><th>Tag</th><th>Summary</th><th>Auth</th><th>Responses</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></body></html>`;
}
