import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../../src/app/demo-data.js';
import { engineers } from '../../src/db/schema.js';
import { startWorld, type World } from '../support/world.js';
import { incident, openIncidentByApi } from './paging-support.js';

const { one } = demo.engineers;
let w: World;

beforeAll(async () => {
  w = await startWorld();
});
afterAll(() => w.close());

describe('acknowledgement link', () => {
  it('stops working once its engineer is archived: the page says expired and nothing is acknowledged', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    const page = await w.sim.phone(one.phone).expectSms(new RegExp(`ACK ${opened.id}`));
    const link = /http\S+\/ack\/\S+/.exec(page.body)![0];

    // Archiving through the API is refused while Eng One is on a rotation; the link must die
    // with the engineer however the archive happened, so it is set directly.
    await w.deps.database.db.update(engineers).set({ archivedAt: w.clock.now() }).where(eq(engineers.phone, one.phone));

    const preview = await fetch(link);
    expect(preview.status).toBe(404);
    expect(await preview.text()).not.toContain('<form');
    const post = await fetch(link, { method: 'POST' });
    expect(post.status).toBe(404);
    expect((await incident(w, opened.id)).status).toBe('triggered');
  });
});
