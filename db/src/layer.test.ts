import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * One repository layer (`db/src/repositories`): the other packages read and write the database through
 * its functions, never by building queries of their own. A query needs a table (`@enigma/db/schema`'s
 * camel-case exports) or drizzle's operators, so outside `db/` a non-test source may import from the
 * schema only types and upper-case constants (`USER_ROLES`), and nothing from `drizzle-orm`.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PACKAGES = ['core/src', 'workers/src', 'long-running/src', 'long-running/bench', 'web/app'];

function sources(dir: string): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return d.name === 'node_modules' || d.name === 'testing' ? [] : sources(path);
    return /\.tsx?$/.test(d.name) && !/\.(test|spec)\.tsx?$/.test(d.name) ? [path] : [];
  });
}

/** What a source imports that builds queries: drizzle-orm itself, or a table from the schema. */
export function queryImports(source: string): string[] {
  const found: string[] = [];
  const re = /import\s+(type\s+)?(?:\{([^}]*)\}|[\w*\s]+?)\s*from\s*['"]([^'"]+)['"]/g;
  for (const m of source.matchAll(re)) {
    const [, wholeType, names, from] = m;
    if (from === 'drizzle-orm' || from!.startsWith('drizzle-orm/')) {
      if (!wholeType) found.push(from!);
      continue;
    }
    if (!from!.startsWith('@enigma/db/schema') || wholeType) continue;
    for (const raw of (names ?? '').split(',')) {
      const name = raw.trim();
      if (!name || name.startsWith('type ')) continue;
      const local = name.split(/\s+as\s+/)[0]!;
      if (!/^[A-Z][A-Z0-9_]*$/.test(local)) found.push(`${from}: ${local}`);
    }
  }
  return found;
}

describe('the repository layer is the only code that queries', () => {
  it('tells a table or drizzle operator import from a constant or a type', () => {
    expect(queryImports("import { users } from '@enigma/db/schema/index';")).toEqual([
      '@enigma/db/schema/index: users',
    ]);
    expect(queryImports("import { eq } from 'drizzle-orm';")).toEqual(['drizzle-orm']);
    expect(
      queryImports(
        "import { USER_ROLES, type User } from '@enigma/db/schema/index';\nimport type { SQL } from 'drizzle-orm';",
      ),
    ).toEqual([]);
  });

  it('no source outside db/ imports a table or drizzle-orm', () => {
    const offenders: string[] = [];
    for (const pkg of PACKAGES)
      for (const file of sources(join(ROOT, pkg)))
        for (const hit of queryImports(readFileSync(file, 'utf8')))
          offenders.push(`${relative(ROOT, file)} → ${hit}`);
    expect(offenders).toEqual([]);
  });
});
