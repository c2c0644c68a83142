import { randomBytes } from 'node:crypto';

/** Bullet tokens issued by POST /api/v1/bullet-public|private. */
export interface TokenInfo {
  private: boolean;
  issuedAt: number;
  expired: boolean;
}

/** KuCoin tokens live about 24 h. */
export const TOKEN_TTL_MS = 24 * 3600_000;

/** Issues and checks WebSocket tokens. */
export class TokenStore {
  private readonly tokens = new Map<string, TokenInfo>();

  issue(isPrivate: boolean, now: number): string {
    const token = `${randomBytes(48).toString('base64url')}.${randomBytes(16).toString('base64')}`;
    this.tokens.set(token, { private: isPrivate, issuedAt: now, expired: false });
    return token;
  }

  /** The token's grant, or why it is refused ('invalid' | 'expired'). */
  check(token: string | null, now: number): TokenInfo | 'invalid' | 'expired' {
    if (!token) return 'invalid';
    const t = this.tokens.get(token);
    if (!t) return 'invalid';
    if (t.expired || now - t.issuedAt > TOKEN_TTL_MS) return 'expired';
    return t;
  }

  expireAll(): void {
    for (const t of this.tokens.values()) t.expired = true;
  }
}
