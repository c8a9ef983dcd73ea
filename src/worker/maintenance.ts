import type { Deps } from '../app/deps.js';

/** Periodic tasks other than reconcile; handoff notices land here with the rotations work. */
export async function runMaintenance(_deps: Deps, _task: 'handoff_notices'): Promise<number> {
  return 0;
}
