import type { World } from './world.js';

/**
 * Holds the conversation between `phone` and `standbyPhone` (as a slow text of theirs would)
 * until released: a text from that phone then takes the web process's turn and waits on it, so
 * texts arriving meanwhile are kept (with `INTAKE_CONCURRENCY: 1`, `INTAKE_MAX_WAIT_MS: 0`).
 * Released, the held transaction rolls back: the conversation is as it was.
 */
export async function holdConversation(w: World, phone: string, standbyPhone: string): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held!: () => void;
  const holding = new Promise<void>((resolve) => (held = resolve));
  const done = w.deps.database.sql
    .begin(async (sql) => {
      await sql`insert into sms_conversations (customer_phone, standby_phone, state, last_activity_at, created_at) values (${phone}, ${standbyPhone}, '{}', now(), now())
        on conflict (customer_phone, standby_phone) do update set state = sms_conversations.state`;
      held();
      await released;
      throw new Error('released');
    })
    .catch(() => undefined);
  await holding;
  return async () => {
    release();
    await done;
  };
}

/** Waits until Postgres shows a statement waiting for a lock (the held text has its turn and is stuck). */
export async function untilSomeoneWaitsForALock(w: World): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const [row] = await w.deps.database.sql<{ n: number }[]>`select count(*)::int as n from pg_locks where not granted`;
    if (row!.n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no statement ever waited for the held conversation');
}

/** Waits until at most `left` texts are kept (the worker handled the rest); fails after 10 s. */
export async function untilKeptTextsAreAtMost(w: World, left: number): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const [row] = await w.deps.database.sql<{ n: number }[]>`select count(*)::int as n from deferred_texts`;
    if (row!.n <= left) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`more than ${left} kept text(s) were still waiting after 10 s`);
}
