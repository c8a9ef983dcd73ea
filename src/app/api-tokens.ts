import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { apiTokens } from '../db/schema.js';
import { decideTokenChange, type TokenChange, type TokenScope } from '../domain/authority/index.js';

type ApiTokenRow = typeof apiTokens.$inferSelect;

/** The token asking (`tokenId` null: the bootstrap token). */
export interface TokenPrincipal {
  tokenId: number | null;
  scope: TokenScope;
}

type Refusal = { outcome: 'refused'; reason: 'admins_only' | 'outranks_issuer' | 'revokes_its_issuer' };

/** The tokens that issued this one, nearest first (empty for the bootstrap token and its direct issues' issuer). */
async function issuersOf(tx: Tx, tokenId: number | null): Promise<string[]> {
  if (tokenId === null) return [];
  const rows = await tx.execute<{ id: number }>(sql`
    with recursive chain(id, created_by, depth) as (
      select id, created_by_token_id, 0 from api_tokens where id = ${tokenId}
      union all
      select t.id, t.created_by_token_id, c.depth + 1 from api_tokens t join chain c on t.id = c.created_by where c.depth < 100
    )
    select id from chain where depth > 0 order by depth`);
  return rows.map((r) => String(r.id));
}

async function decide(tx: Tx, principal: TokenPrincipal, change: TokenChange): Promise<Refusal | null> {
  const decision = decideTokenChange({ tokenId: principal.tokenId === null ? null : String(principal.tokenId), scope: principal.scope, issuers: await issuersOf(tx, principal.tokenId) }, change);
  return decision.allowed ? null : { outcome: 'refused', reason: decision.reason };
}

/** Issues a token on behalf of `principal`, remembering who issued it. */
export async function issueApiToken(
  tx: Tx,
  principal: TokenPrincipal,
  token: { name: string; scope: TokenScope; tokenHash: string },
  now: Date,
): Promise<Refusal | { outcome: 'issued'; token: ApiTokenRow }> {
  const refused = await decide(tx, principal, { kind: 'issue', scope: token.scope });
  if (refused) return refused;
  const [row] = await tx.insert(apiTokens).values({ ...token, createdByTokenId: principal.tokenId, createdAt: now }).returning();
  return { outcome: 'issued', token: row! };
}

/**
 * Revokes a token and, with it, every token it issued directly or not (a leaked token's own
 * issues go with it). Revoking a revoked token changes nothing and answers it as it is.
 */
export async function revokeApiToken(tx: Tx, principal: TokenPrincipal, tokenId: number, now: Date): Promise<Refusal | { outcome: 'not_found' } | { outcome: 'revoked'; token: ApiTokenRow }> {
  const [target] = await tx.select().from(apiTokens).where(eq(apiTokens.id, tokenId)).for('update');
  if (!target) return { outcome: 'not_found' };
  const refused = await decide(tx, principal, { kind: 'revoke', tokenId: String(tokenId) });
  if (refused) return refused;
  const issued = await tx.execute<{ id: string }>(sql`
    with recursive issued(id, depth) as (
      select id, 0 from api_tokens where id = ${tokenId}
      union all
      select t.id, i.depth + 1 from api_tokens t join issued i on t.created_by_token_id = i.id where i.depth < 100
    )
    select id from issued`);
  await tx
    .update(apiTokens)
    .set({ revokedAt: now })
    .where(and(inArray(apiTokens.id, issued.map((r) => Number(r.id))), isNull(apiTokens.revokedAt)));
  const [row] = await tx.select().from(apiTokens).where(eq(apiTokens.id, tokenId));
  return { outcome: 'revoked', token: row! };
}
