/**
 * The Upstash REST protocol at its plainest, for the worker's hot path: one command is one `POST` of
 * its JSON array to the database's URL, answered `{ "result": … }` or `{ "error": … }`
 * (https://upstash.com/docs/redis/features/restapi). No pipeline objects, no per-command classes, no
 * base64 (replies are JSON text: every value we store is UTF-8 text).
 *
 * What `@upstash/redis` does per command that matters, kept: network failures retried (5 times,
 * backoff e^n × 50 ms, as its default), the read-your-writes sync token sent and updated. What it
 * costs that is not needed here: a command object and its serializer per call, base64 decoding of
 * every reply, header merging (together ~0.4 ms of CPU per alert in the worker's profile).
 *
 * @example const rest = new UpstashRest(env.UPSTASH_REDIS_REST_URL, env.UPSTASH_REDIS_REST_TOKEN);
 *          await rest.command(['INCR', 'k']);
 */
/** One command's reply inside a `/pipeline` answer. */
export type UpstashReply = { result: unknown; error?: undefined } | { error: string; result?: undefined };

export class UpstashRest {
  readonly #url: string;
  readonly #headers: Record<string, string>;
  #syncToken = '';

  constructor(
    url: string,
    token: string,
    private readonly options: { retries?: number; backoffMs?: (attempt: number) => number } = {},
  ) {
    this.#url = url.replace(/\/$/, '');
    this.#headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  }

  /** Run one command; resolves with its result, rejects with Redis's error (or the network's). */
  async command(args: readonly (string | number)[]): Promise<unknown> {
    const { res, reply } = await this.#post('', args);
    const r = reply as { result?: unknown; error?: unknown };
    if (r.error !== undefined || !res.ok) {
      throw new Error(`${String(r.error ?? `HTTP ${res.status}`)}, command was: ${String(args[0])}`);
    }
    return r.result ?? null;
  }

  /**
   * Run several commands in one request (`/pipeline`: in order, not atomic). Resolves with one reply per
   * command, `{ result }` or `{ error }` (one failing command fails only itself); rejects when the
   * request as a whole failed (network, token).
   */
  async pipeline(commands: readonly (readonly (string | number)[])[]): Promise<UpstashReply[]> {
    const { res, reply } = await this.#post('/pipeline', commands);
    if (!res.ok || !Array.isArray(reply) || reply.length !== commands.length) {
      const error = (reply as { error?: unknown } | null)?.error;
      throw new Error(`Upstash pipeline: ${String(error ?? `HTTP ${res.status}`)}`);
    }
    return reply as UpstashReply[];
  }

  async #post(path: string, payload: unknown): Promise<{ res: Response; reply: unknown }> {
    const body = JSON.stringify(payload);
    const headers = this.#syncToken
      ? { ...this.#headers, 'upstash-sync-token': this.#syncToken }
      : this.#headers;
    const retries = this.options.retries ?? 5;
    let res: Response | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        res = await fetch(this.#url + path, { method: 'POST', headers, body });
        break;
      } catch (e) {
        if (attempt >= retries) throw e;
        const wait = (this.options.backoffMs ?? ((n) => Math.exp(n) * 50))(attempt);
        await new Promise((r) => setTimeout(r, wait));
      }
    }
    const token = res.headers.get('upstash-sync-token');
    if (token) this.#syncToken = token;
    const text = await res.text();
    try {
      return { res, reply: JSON.parse(text) as unknown };
    } catch {
      throw new Error(`Upstash: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
    }
  }
}
