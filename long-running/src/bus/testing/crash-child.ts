/**
 * Child process for the Redis "killed process" test: creates a bus, appends, reads WITHOUT acking,
 * reports the ids on stdout, then idles until the parent SIGKILLs it. Nothing here runs cleanup,
 * exactly like a crashed engine.
 * argv: <redisUrl> <keyPrefix> <stream> <group> <appendCount> <readCount>
 */
import pino from 'pino';
import { createRedisBus } from '../redis.ts';

const [url, keyPrefix, stream, group, appendCount, readCount] = process.argv.slice(2);
const bus = createRedisBus({ url: url!, keyPrefix: keyPrefix!, logger: pino({ level: 'silent' }) });
await bus.ensureGroup(stream!, group!);
const appended: string[] = [];
for (let i = 0; i < Number(appendCount); i++) appended.push(await bus.append(stream!, { i }));
const read = await bus.readGroup(stream!, group!, 'doomed', { count: Number(readCount) });
process.stdout.write(`${JSON.stringify({ appended, read: read.map((e) => e.id) })}\n`);
setInterval(() => {}, 60_000);
