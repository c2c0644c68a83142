/**
 * A KuCoin-style error: a string code, a message and the HTTP status KuCoin answers it with
 * (business errors come back as HTTP 200 with the code in the envelope).
 */
export class SimError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: 200 | 400 | 401 | 403 | 404 | 415 | 429 | 500 | 502 | 503 = 200,
  ) {
    super(message);
    this.name = 'SimError';
  }
}

/** Invalid request parameter (KuCoin `100001`, mapped by CCXT to InvalidOrder). */
export const badParam = (msg: string) => new SimError('100001', msg);
