/** A keep-alive HTTP/1.1 POST client for benches (Node only: never imported by the worker). */
import { Agent, request } from 'node:http';

/**
 * A keep-alive HTTP/1.1 client for fixed-rate load (the intake's count audit and flood, the engine's end to end): node:http with one pooled Agent costs the
 * generator (same process as the server) far less CPU per request than `fetch`.
 */
export function keepAliveClient(maxSockets: number) {
  const agent = new Agent({ keepAlive: true, maxSockets });
  return {
    post(url: string, body: string): Promise<{ status: number; body: string }> {
      return new Promise((resolve, reject) => {
        const req = request(
          url,
          {
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              text += c;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}
