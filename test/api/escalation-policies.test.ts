import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineers } from '../../src/db/schema.js';
import { startTestService, type TestService } from '../support/service.js';
import { adminApi, fields, insertRotation } from './helpers.js';

let s: TestService;
let api: ReturnType<typeof adminApi>;
let engOne: number;
let leadThree: number;
let primary: number;
beforeAll(async () => {
  s = await startTestService();
  api = adminApi(s);
  engOne = (await api.create('/engineers', { name: 'Eng One', phone: '+5491150000201' })).id;
  leadThree = (await api.create('/engineers', { name: 'Lead Three', phone: '+5491150000203' })).id;
  primary = await insertRotation(s, 'Integrations primary');
});
afterAll(() => s.close());

const ids = (body: { items: { id: number }[] }) => body.items.map((x) => x.id);
const engineerLevel = (engineerId: number, ackTimeoutSeconds = 300) => ({ ackTimeoutSeconds, targets: [{ type: 'engineer' as const, engineerId }] });

describe('escalation policies', () => {
  it('creates a policy with its levels, reads them with target names, lists, updates, replaces the levels and archives it', async () => {
    const created = await api.post('/escalation-policies', {
      name: 'Integrations 24x7',
      repeat: 2,
      levels: [
        { ackTimeoutSeconds: 300, targets: [{ type: 'rotation', rotationId: primary }] },
        { ackTimeoutSeconds: 300, targets: [{ type: 'engineer', engineerId: leadThree }] },
      ],
    });
    expect(created.status).toBe(201);
    const policy = created.body;
    expect(policy).toMatchObject({
      name: 'Integrations 24x7',
      repeat: 2,
      archivedAt: null,
      levels: [
        { position: 0, ackTimeoutSeconds: 300, targets: [{ type: 'rotation', rotationId: primary, name: 'Integrations primary' }] },
        { position: 1, ackTimeoutSeconds: 300, targets: [{ type: 'engineer', engineerId: leadThree, name: 'Lead Three' }] },
      ],
    });

    expect((await api.get(`/escalation-policies/${policy.id}`)).body).toEqual(policy);
    expect((await api.get(`/escalation-policies?rotationId=${primary}`)).body.items).toEqual([policy]);
    expect(ids((await api.get(`/escalation-policies?engineerId=${leadThree}`)).body)).toEqual([policy.id]);
    expect(ids((await api.get(`/escalation-policies?engineerId=${engOne}`)).body)).toEqual([]);

    const patched = await api.patch(`/escalation-policies/${policy.id}`, { repeat: 1 });
    expect(patched.body).toMatchObject({ name: 'Integrations 24x7', repeat: 1, levels: policy.levels });

    const replaced = await api.put(`/escalation-policies/${policy.id}/levels`, {
      levels: [{ ackTimeoutSeconds: 120, targets: [{ type: 'engineer', engineerId: engOne }, { type: 'rotation', rotationId: primary }] }],
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.levels).toEqual([
      {
        position: 0,
        ackTimeoutSeconds: 120,
        targets: [
          { type: 'engineer', engineerId: engOne, name: 'Eng One' },
          { type: 'rotation', rotationId: primary, name: 'Integrations primary' },
        ],
      },
    ]);
    expect(ids((await api.get(`/escalation-policies?engineerId=${leadThree}`)).body)).toEqual([]);

    const archived = await api.del(`/escalation-policies/${policy.id}`);
    expect(archived.status).toBe(200);
    expect(archived.body.archivedAt).toBe(s.clock.now().toISOString());
    expect(ids((await api.get('/escalation-policies')).body)).not.toContain(policy.id);
    expect(ids((await api.get('/escalation-policies?archived=true')).body)).toContain(policy.id);
  });

  it('names the precise target of an unknown or archived engineer or rotation, and writes nothing', async () => {
    const retired = await api.create('/engineers', { name: 'Retired', phone: '+5491150000260' });
    await s.deps.database.db.update(engineers).set({ archivedAt: s.clock.now() }).where(eq(engineers.id, retired.id));

    const bad = await api.post('/escalation-policies', {
      name: 'Broken',
      levels: [
        { ackTimeoutSeconds: 300, targets: [{ type: 'engineer', engineerId: engOne }, { type: 'engineer', engineerId: 999999 }] },
        { ackTimeoutSeconds: 300, targets: [{ type: 'rotation', rotationId: 888888 }, { type: 'engineer', engineerId: retired.id }] },
      ],
    });
    expect(bad.status).toBe(422);
    expect(bad.contentType).toMatch(/application\/problem\+json/);
    expect(bad.body.errors).toEqual([
      { field: 'levels.0.targets.1.engineerId', message: 'engineer 999999 does not exist' },
      { field: 'levels.1.targets.0.rotationId', message: 'rotation 888888 does not exist' },
      { field: 'levels.1.targets.1.engineerId', message: `engineer ${retired.id} is archived` },
    ]);
    expect((await api.get('/escalation-policies?archived=true')).body.items.map((p: { name: string }) => p.name)).not.toContain('Broken');
  });

  it('leaves the levels as they were when a replacement names an unknown target', async () => {
    const policy = await api.create('/escalation-policies', { name: 'Stable', levels: [engineerLevel(engOne)] });
    const bad = await api.put(`/escalation-policies/${policy.id}/levels`, { levels: [engineerLevel(leadThree), engineerLevel(777777)] });
    expect(bad.status).toBe(422);
    expect(fields(bad.body)).toEqual(['levels.1.targets.0.engineerId']);
    expect((await api.get(`/escalation-policies/${policy.id}`)).body.levels).toEqual(policy.levels);
  });

  it('rejects levels without targets, timeouts out of range, a repeated target and a repeat above 10', async () => {
    const bad = await api.post('/escalation-policies', {
      name: 'Shapeless',
      repeat: 11,
      levels: [
        { ackTimeoutSeconds: 0, targets: [] },
        { ackTimeoutSeconds: 90_000, targets: [{ type: 'engineer', engineerId: engOne }, { type: 'engineer', engineerId: engOne }] },
        { ackTimeoutSeconds: 60, targets: [{ type: 'team', teamId: 1 }] },
      ],
    });
    expect(bad.status).toBe(422);
    expect(fields(bad.body)).toEqual([
      'levels.0.ackTimeoutSeconds',
      'levels.0.targets',
      'levels.1.ackTimeoutSeconds',
      'levels.1.targets.1',
      'levels.2.targets.0.type',
      'repeat',
    ]);
    // Below the floor (MIN_ACK_TIMEOUT_SECONDS, 30 s) is refused once the shape is right.
    const short = await api.post('/escalation-policies', { name: 'Hasty', levels: [{ ackTimeoutSeconds: 29, targets: [{ type: 'engineer', engineerId: engOne }] }] });
    expect(short.status).toBe(422);
    expect(short.body.errors).toEqual([{ field: 'levels.0.ackTimeoutSeconds', message: 'must be at least 30 seconds' }]);
    const empty = await api.post('/escalation-policies', { name: 'Nobody', levels: [] });
    expect(fields(empty.body)).toEqual(['levels']);
  });

  it('refuses an acknowledgement timeout under 30 s, and accepts one down to MIN_ACK_TIMEOUT_SECONDS where that is lowered', async () => {
    const short = await api.post('/escalation-policies', { name: 'Too quick', levels: [engineerLevel(engOne, 29)] });
    expect(short.status).toBe(422);
    expect(fields(short.body)).toEqual(['levels.0.ackTimeoutSeconds']);

    const drills = await startTestService({ env: { MIN_ACK_TIMEOUT_SECONDS: '2' } });
    try {
      const drillApi = adminApi(drills);
      const engineer = await drillApi.create('/engineers', { name: 'Drill engineer', phone: '+5491150000201' });
      const quick = await drillApi.post('/escalation-policies', { name: 'Drill', levels: [engineerLevel(engineer.id, 2)] });
      expect(quick.status).toBe(201);
      expect(quick.body.levels[0].ackTimeoutSeconds).toBe(2);
      expect(fields((await drillApi.post('/escalation-policies', { name: 'Instant', levels: [engineerLevel(engineer.id, 1)] })).body)).toEqual(['levels.0.ackTimeoutSeconds']);
    } finally {
      await drills.close();
    }
  });

  it('refuses a second policy with the same name', async () => {
    await api.create('/escalation-policies', { name: 'Weekend', levels: [engineerLevel(engOne)] });
    const dup = await api.post('/escalation-policies', { name: 'Weekend', levels: [engineerLevel(leadThree)] });
    expect(dup.status).toBe(409);
    expect(fields(dup.body)).toEqual(['name']);
  });

  it('refuses to archive a policy while standby numbers page through it, listing them', async () => {
    const policy = await api.create('/escalation-policies', { name: 'In use', levels: [engineerLevel(engOne)] });
    const dedicated = await api.create('/standby-numbers', { phone: '+541150000100', label: 'Acme dedicated', escalationPolicyId: policy.id });
    const shared = await api.create('/standby-numbers', { phone: '+541150000199', escalationPolicyId: policy.id });

    const refused = await api.del(`/escalation-policies/${policy.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('+541150000100 (Acme dedicated), +541150000199');
    expect(refused.body.usedBy).toEqual([
      { kind: 'standby_number', id: dedicated.id, phone: '+541150000100', label: 'Acme dedicated' },
      { kind: 'standby_number', id: shared.id, phone: '+541150000199', label: '' },
    ]);
    expect((await api.get(`/escalation-policies/${policy.id}`)).body.archivedAt).toBeNull();
  });

  it('answers 404 for a policy that does not exist', async () => {
    expect((await api.get('/escalation-policies/999999')).status).toBe(404);
    expect((await api.put('/escalation-policies/999999/levels', { levels: [engineerLevel(engOne)] })).status).toBe(404);
    expect((await api.del('/escalation-policies/999999')).status).toBe(404);
  });
});

describe('engineers in escalation policies', () => {
  it('refuses to archive an engineer a policy level pages, naming the policy, until the level no longer does', async () => {
    const engineer = await api.create('/engineers', { name: 'Eng Two', phone: '+5491150000202' });
    const policy = await api.create('/escalation-policies', { name: 'Backup', levels: [engineerLevel(engineer.id), engineerLevel(leadThree)] });

    const refused = await api.del(`/engineers/${engineer.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.usedBy).toEqual([{ kind: 'escalation_policy', id: policy.id, name: 'Backup' }]);
    expect((await api.get(`/engineers/${engineer.id}`)).body.archivedAt).toBeNull();

    await api.put(`/escalation-policies/${policy.id}/levels`, { levels: [engineerLevel(leadThree)] });
    expect((await api.del(`/engineers/${engineer.id}`)).status).toBe(200);
  });
});
