import { readFileSync } from 'node:fs';
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api';
import { describe, expect, it } from 'vitest';
import * as schema from './index.ts';

const migrations = new URL('../../migrations/', import.meta.url);

describe('schema files and generated migrations', () => {
  it('agree: drizzle-kit would generate no new statement', async () => {
    const journal = JSON.parse(readFileSync(new URL('meta/_journal.json', migrations), 'utf8')) as {
      entries: { idx: number; tag: string }[];
    };
    const last = journal.entries.at(-1)!;
    const snapshotFile = new URL(`meta/${String(last.idx).padStart(4, '0')}_snapshot.json`, migrations);
    const previous = JSON.parse(readFileSync(snapshotFile, 'utf8'));
    const current = generateDrizzleJson(schema as unknown as Record<string, unknown>, previous.id);
    expect(await generateMigration(previous, current)).toEqual([]);
  });
});
