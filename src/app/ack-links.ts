import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long an acknowledgement link in a page stays valid. */
export const ACK_LINK_LIFETIME_MS = 24 * 60 * 60 * 1000;

export interface AckLinkClaims {
  incidentId: number;
  engineerId: number;
  expiresAt: Date;
}

const mac = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');

/** A token naming the incident and engineer, signed with LINK_SECRET, valid until `expiresAt`. */
export function signAckToken(secret: string, claims: AckLinkClaims): string {
  const payload = `${claims.incidentId}.${claims.engineerId}.${Math.floor(claims.expiresAt.getTime() / 1000)}`;
  return `${payload}.${mac(secret, payload)}`;
}

export type AckTokenCheck = { ok: true; claims: AckLinkClaims } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

/** Verifies a token in constant time and checks it has not expired at `now`. */
export function verifyAckToken(secret: string, token: string, now: Date): AckTokenCheck {
  const match = /^(\d{1,15})\.(\d{1,15})\.(\d{1,12})\.([\w-]{43})$/.exec(token);
  if (!match) return { ok: false, reason: 'malformed' };
  const [, incidentId, engineerId, expires, signature] = match;
  const expected = Buffer.from(mac(secret, `${incidentId}.${engineerId}.${expires}`));
  const given = Buffer.from(signature!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad_signature' };
  const expiresAt = new Date(Number(expires) * 1000);
  if (expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { incidentId: Number(incidentId), engineerId: Number(engineerId), expiresAt } };
}
