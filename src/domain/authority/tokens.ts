/**
 * What an API token may do with other tokens. Scopes rank `read` < `write` < `admin`:
 * - only `admin` tokens (the bootstrap `ADMIN_API_TOKEN` is one) issue, list or revoke tokens;
 * - a token never issues a token that outranks itself;
 * - an issued token never revokes the token that made it, nor any token above that one (so a
 *   leaked token cannot lock out whoever issued it); the bootstrap token, made by no one, may
 *   revoke any issued token.
 */
export const TOKEN_SCOPES = ['read', 'write', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

const RANK: { readonly [S in TokenScope]: number } = { read: 0, write: 1, admin: 2 };

/** Whether `scope` allows at least what `needed` allows. */
export const scopeCovers = (scope: TokenScope, needed: TokenScope): boolean => RANK[scope] >= RANK[needed];

/** The token asking: `tokenId` null is the bootstrap token; `issuers` are the tokens that made it, nearest first. */
export interface TokenRequester {
  tokenId: string | null;
  scope: TokenScope;
  issuers: readonly string[];
}

export type TokenChange = { kind: 'issue'; scope: TokenScope } | { kind: 'revoke'; tokenId: string } | { kind: 'list' };

export type TokenDecision = { allowed: true } | { allowed: false; reason: 'admins_only' | 'outranks_issuer' | 'revokes_its_issuer' };

/**
 * Decides a change to the token set. Guarantees: nothing is allowed to a token below `admin`;
 * an issued scope never ranks above the issuer's; an issued token's revocation of any of its
 * issuers is refused.
 */
export function decideTokenChange(requester: TokenRequester, change: TokenChange): TokenDecision {
  if (!scopeCovers(requester.scope, 'admin')) return { allowed: false, reason: 'admins_only' };
  switch (change.kind) {
    case 'list':
      return { allowed: true };
    case 'issue':
      return scopeCovers(requester.scope, change.scope) ? { allowed: true } : { allowed: false, reason: 'outranks_issuer' };
    case 'revoke':
      return requester.issuers.includes(change.tokenId) ? { allowed: false, reason: 'revokes_its_issuer' } : { allowed: true };
    default: {
      const never: never = change;
      throw new Error(`unknown token change ${JSON.stringify(never)}`);
    }
  }
}
