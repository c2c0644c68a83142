import { type EnigmaDb, getPosition, type PositionRow, savePosition, updatePosition } from '@enigma/db';

/** A position row's values as `savePosition` takes them. */
export type PositionPatch = Parameters<typeof savePosition>[1];

/**
 * The account's position rows, read once and then kept by their writer.
 *
 * The engine is the only writer of its account's positions (one engine per account, under the lease;
 * the API only reads them), and every write goes through here (the ledger's fill transaction passes its
 * transaction, and forgets the contract when it rolls back), so a contract's row is read from the
 * database once per start (and again after a failed write or a reconciliation pass) instead of two or
 * three times per signal. The writes themselves are unchanged: each is in the database before the
 * caller goes on.
 */
export class PositionBook {
  private readonly rows = new Map<string, PositionRow | null>();
  /** Bumped by every write and forget: a read that was out meanwhile does not replace what they left. */
  private generation = 0;

  constructor(
    private readonly db: () => EnigmaDb,
    private readonly accountId: () => string,
  ) {}

  /**
   * The contract's row (null: never had one), from memory once it has been read or written here. Inside
   * a transaction pass it (`db`): a miss is read on its connection.
   */
  async get(symbol: string, db: EnigmaDb = this.db()): Promise<PositionRow | null> {
    if (this.rows.has(symbol)) return this.rows.get(symbol) ?? null;
    const before = this.generation;
    const row = await getPosition(db, this.accountId(), symbol);
    // A write (or a forget) while this read was out: what the read saw may be older; not kept.
    if (this.generation === before) this.rows.set(symbol, row);
    return this.rows.has(symbol) ? (this.rows.get(symbol) ?? null) : row;
  }

  /**
   * Write a row (upsert) and keep what the database returned; on failure the contract is read again next
   * time. Inside a transaction pass it (`db`), and `forget` the contract if it rolls back.
   */
  async save(patch: PositionPatch, db: EnigmaDb = this.db()): Promise<PositionRow> {
    try {
      // A row this process holds exists: changed in place (a prepared statement); otherwise upserted.
      const row =
        (this.rows.get(patch.symbol) && patch.accountId
          ? await updatePosition(db, { ...patch, accountId: patch.accountId })
          : null) ?? (await savePosition(db, patch));
      this.generation++;
      this.rows.set(row.symbol, row);
      return row;
    } catch (error) {
      this.generation++;
      this.rows.delete(patch.symbol);
      throw error;
    }
  }

  /** Read `symbol` (or every contract) from the database again next time. */
  forget(symbol?: string): void {
    this.generation++;
    if (symbol === undefined) this.rows.clear();
    else this.rows.delete(symbol);
  }
}
