import type { Deps } from '../app/deps.js';
import { transaction } from '../db/client.js';
import { runAfterCommit } from '../app/effects.js';
import { sendDueHandoffNotices } from '../app/handoffs.js';
import { logAbandonedCalls } from '../app/intake-voice.js';

/** Handoffs this recent are still announced: covers a worker that missed a few runs. */
export const HANDOFF_LOOKBACK_MS = 15 * 60_000;

/** Sends the handoff notices due now (each once, whatever the number of workers). */
export async function sendHandoffNotices(deps: Deps): Promise<number> {
  const now = deps.clock.now();
  const after = await transaction(deps.database.db, (tx) => sendDueHandoffNotices(tx, deps, now, HANDOFF_LOOKBACK_MS));
  await runAfterCommit(deps, after);
  return after.length;
}

/** Writes calls that ended mid-menu to the contacts log. */
export async function sweepAbandonedCalls(deps: Deps): Promise<number> {
  const now = deps.clock.now();
  return transaction(deps.database.db, (tx) => logAbandonedCalls(tx, now));
}
