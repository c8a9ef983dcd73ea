import { describe, expect, it } from 'vitest';
import { TOKEN_SCOPES, decideTokenChange, scopeCovers, type TokenRequester } from './tokens.js';

const bootstrap: TokenRequester = { tokenId: null, scope: 'admin', issuers: [] };
// Token 7 was issued by token 3, which the bootstrap token issued.
const issuedAdmin: TokenRequester = { tokenId: '7', scope: 'admin', issuers: ['3'] };
const writer: TokenRequester = { tokenId: '8', scope: 'write', issuers: ['7', '3'] };
const reader: TokenRequester = { tokenId: '9', scope: 'read', issuers: ['7', '3'] };

const outcome = (d: ReturnType<typeof decideTokenChange>) => (d.allowed ? 'allowed' : d.reason);

describe('who manages API tokens', () => {
  it('only admin tokens list, issue or revoke tokens', () => {
    for (const requester of [writer, reader]) {
      expect(outcome(decideTokenChange(requester, { kind: 'list' }))).toBe('admins_only');
      for (const scope of TOKEN_SCOPES) expect(outcome(decideTokenChange(requester, { kind: 'issue', scope }))).toBe('admins_only');
      expect(outcome(decideTokenChange(requester, { kind: 'revoke', tokenId: '42' }))).toBe('admins_only');
      // Not even the tokens they came from, nor themselves.
      expect(outcome(decideTokenChange(requester, { kind: 'revoke', tokenId: requester.tokenId! }))).toBe('admins_only');
    }
  });

  it('lets the bootstrap token issue every scope and revoke any issued token', () => {
    for (const scope of TOKEN_SCOPES) expect(outcome(decideTokenChange(bootstrap, { kind: 'issue', scope }))).toBe('allowed');
    for (const tokenId of ['3', '7', '8']) expect(outcome(decideTokenChange(bootstrap, { kind: 'revoke', tokenId }))).toBe('allowed');
  });

  it('never lets an issued token revoke the token that made it, or any above that one', () => {
    expect(outcome(decideTokenChange(issuedAdmin, { kind: 'revoke', tokenId: '3' }))).toBe('revokes_its_issuer');
    expect(outcome(decideTokenChange({ ...issuedAdmin, tokenId: '10', issuers: ['7', '3'] }, { kind: 'revoke', tokenId: '3' }))).toBe('revokes_its_issuer');
  });

  it('lets an admin token revoke tokens it made, its peers, and itself', () => {
    expect(outcome(decideTokenChange(issuedAdmin, { kind: 'revoke', tokenId: '8' }))).toBe('allowed');
    expect(outcome(decideTokenChange(issuedAdmin, { kind: 'revoke', tokenId: '5' }))).toBe('allowed');
    expect(outcome(decideTokenChange(issuedAdmin, { kind: 'revoke', tokenId: '7' }))).toBe('allowed');
  });

  it('ranks scopes read < write < admin', () => {
    expect(scopeCovers('admin', 'write')).toBe(true);
    expect(scopeCovers('write', 'read')).toBe(true);
    expect(scopeCovers('write', 'admin')).toBe(false);
    expect(scopeCovers('read', 'write')).toBe(false);
  });
});
