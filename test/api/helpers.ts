import { incidents, rotations } from '../../src/db/schema.js';
import type { TestService } from '../support/service.js';

/** The admin API as an admin script sees it: JSON in, status and JSON out. */
export function adminApi(s: TestService) {
  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown) => {
    const response = await s.app.inject({ method, url: `/api/v1${url}`, headers: s.auth, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { status: response.statusCode, body: response.body ? response.json() : undefined, contentType: response.headers['content-type'] };
  };
  return {
    get: (url: string) => call('GET', url),
    post: (url: string, payload: unknown) => call('POST', url, payload),
    patch: (url: string, payload: unknown) => call('PATCH', url, payload),
    put: (url: string, payload: unknown) => call('PUT', url, payload),
    del: (url: string) => call('DELETE', url),
    /** Creates through the API and returns the body; fails the test unless it answers 201. */
    async create<T = Record<string, unknown> & { id: number }>(url: string, payload: unknown): Promise<T> {
      const created = await call('POST', url, payload);
      if (created.status !== 201) throw new Error(`POST ${url} answered ${created.status}: ${JSON.stringify(created.body)}`);
      return created.body as T;
    },
  };
}

export const fields = (body: { errors?: { field: string }[] }) => (body.errors ?? []).map((e) => e.field).sort();

export const sla = {
  blocker: { firstResponseMinutes: 15, resolutionMinutes: 240 },
  high: { firstResponseMinutes: 30, resolutionMinutes: 480 },
};

/** A rotation row (the rotations API belongs to another area; policies only need it to exist). */
export async function insertRotation(s: TestService, name: string): Promise<number> {
  const [row] = await s.deps.database.db.insert(rotations).values({ name }).returning({ id: rotations.id });
  return row!.id;
}

/** An open incident as the intake would write it, so deletes can be refused while it refers to things. */
export async function insertIncident(
  s: TestService,
  refs: { customerId: number; contractId: number; integrationId: number; escalationPolicyId: number; standbyNumberId?: number },
): Promise<number> {
  const [row] = await s.deps.database.db
    .insert(incidents)
    .values({ ...refs, severity: 'blocker', channel: 'voice', firstContactAt: s.clock.now() })
    .returning({ id: incidents.id });
  return row!.id;
}
