/**
 * A throwaway PostgreSQL database per test file on the local server (127.0.0.1:5432, user postgres).
 * Each file gets its own `enigma_t_<random>` database so parallel test runs never share state.
 */
import pg from 'pg';

/** Admin connection URL used to create and drop test databases; override with ENIGMA_TEST_PG_ADMIN_URL. */
export const TEST_PG_ADMIN_URL =
  process.env.ENIGMA_TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Create an empty database and return its URL; `drop()` terminates leftover connections and drops it.
 *
 * @example
 * const tdb = await createTestDatabase();
 * afterAll(() => tdb.drop());
 */
export async function createTestDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `enigma_t_${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
