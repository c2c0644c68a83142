/**
 * Run the local Upstash REST bridge for `wrangler dev`:
 *   UPSTASH_BRIDGE_TOKEN=dev-token UPSTASH_BRIDGE_PORT=8079 npx -y pnpm@10 --filter @enigma/workers dev:upstash-bridge
 * then set UPSTASH_REDIS_REST_URL=http://127.0.0.1:8079 and UPSTASH_REDIS_REST_TOKEN=dev-token in .dev.vars.
 */
import { startUpstashBridge } from './upstash-bridge.ts';

const bridge = await startUpstashBridge({
  token: process.env.UPSTASH_BRIDGE_TOKEN ?? 'dev-token',
  port: Number(process.env.UPSTASH_BRIDGE_PORT ?? 8079),
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
});
console.log(`Upstash REST bridge on ${bridge.url} -> ${process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'}`);
process.on('SIGINT', () => void bridge.close().then(() => process.exit(0)));
