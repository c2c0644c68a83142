import { GatheredCalls, type Settled } from '../webhooks/gathered-calls.ts';
import type { UpstashRest } from './upstash-rest.ts';

/** One window counter's hit: the full key (window included) and the expiry its first hit sets. */
export interface Hit {
  key: string;
  ttlSeconds: number;
}

/**
 * Window-counter hits (`UpstashKv.hit`: the per-source budget) of an isolate's concurrent requests sent
 * as one Upstash `/pipeline` call: `INCRBY key n` for the n hits of each key, and each hit gets the count
 * it would have got alone — the hits of one key are numbered in their order (total − n + 1 … total).
 * The hit that opens a window (count 1) sets its expiry before it is answered, as a lone hit does.
 * Every request still waits for its own count before it goes on (the budget is decided before the row);
 * see `GatheredCalls` for who sends and what happens when a batch goes silent (the hit is sent alone: a
 * counter may then count one hit twice, which only ever refuses sooner).
 */
export class GatheredHits {
  readonly calls: GatheredCalls<Hit, number>;

  constructor(
    private readonly rest: UpstashRest,
    options: { maxBatch?: number; maxInFlight?: number; orphanMs?: number } = {},
  ) {
    this.calls = new GatheredCalls<Hit, number>({
      send: (hits) => this.#send(hits),
      alone: (hit) => this.#alone(hit),
      maxBatch: options.maxBatch ?? 500,
      maxInFlight: options.maxInFlight ?? 1,
      ...(options.orphanMs !== undefined ? { orphanMs: options.orphanMs } : {}),
    });
  }

  /** The count of `key` after this hit. */
  hit(key: string, ttlSeconds: number): Promise<number> {
    return this.calls.run({ key, ttlSeconds });
  }

  async #alone({ key, ttlSeconds }: Hit): Promise<number> {
    const count = Number(await this.rest.command(['INCR', key]));
    if (count === 1) await this.rest.command(['EXPIRE', key, ttlSeconds]);
    return count;
  }

  async #send(hits: readonly Hit[]): Promise<Settled<number>[]> {
    if (hits.length === 1) return [{ ok: true, value: await this.#alone(hits[0]!) }];
    const perKey = new Map<string, number>();
    for (const h of hits) perKey.set(h.key, (perKey.get(h.key) ?? 0) + 1);
    const keys = [...perKey.keys()];
    const replies = await this.rest.pipeline(keys.map((k) => ['INCRBY', k, perKey.get(k)!]));
    // the first count of each key's hits in this batch, or the error its INCRBY met
    const next = new Map<string, Settled<number>>();
    keys.forEach((k, i) => {
      const r = replies[i]!;
      next.set(
        k,
        r.error === undefined
          ? { ok: true, value: Number(r.result) - perKey.get(k)! + 1 }
          : { ok: false, error: new Error(`${r.error}, command was: INCRBY`) },
      );
    });
    const out: Settled<number>[] = hits.map((h) => {
      const n = next.get(h.key)!;
      if (!n.ok) return n;
      next.set(h.key, { ok: true, value: n.value + 1 });
      return n;
    });
    // windows this batch opened: their expiry before any of their hits is answered
    const opened = out.flatMap((o, i) => {
      return o.ok && o.value === 1 ? [i] : [];
    });
    if (opened.length > 0) {
      const expiries = await this.rest
        .pipeline(opened.map((i) => ['EXPIRE', hits[i]!.key, hits[i]!.ttlSeconds]))
        .catch((e: unknown) => opened.map(() => ({ error: (e as Error).message })));
      opened.forEach((i, j) => {
        const e = expiries[j]?.error;
        if (e !== undefined) out[i] = { ok: false, error: new Error(`${e}, command was: EXPIRE`) };
      });
    }
    return out;
  }
}
