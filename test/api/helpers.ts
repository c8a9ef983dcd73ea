import createClient, { type Client } from 'openapi-fetch';
import { incidents, rotations } from '../../src/db/schema.js';
import type { App } from '../../src/http/app.js';
import type { paths } from '../../src/http/openapi.generated.js';
import type { TestService } from '../support/service.js';

/**
 * `fetch` into the app without a socket: each request is answered by `app.inject`, so the typed
 * client below exercises the real routes, validation and serialisation.
 */
export function injectFetch(app: App): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const answer = await app.inject({
      method: request.method as 'GET',
      url: url.pathname + url.search,
      headers: Object.fromEntries(request.headers),
      ...(body && body.length > 0 ? { payload: body } : {}),
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined) for (const v of Array.isArray(value) ? value : [value]) headers.append(name, String(v));
    }
    const empty = answer.statusCode === 204 || answer.rawPayload.length === 0;
    return new Response(empty ? null : answer.rawPayload, { status: answer.statusCode, headers });
  };
}

export type ApiClient = Client<paths>;

/**
 * The admin API through a client generated from its OpenAPI document (openapi-typescript types,
 * openapi-fetch calls): paths, bodies and answers are typed by the published contract, so a test
 * that no longer matches the document fails the type check.
 */
export function apiClient(s: TestService, headers: Record<string, string> = s.auth): ApiClient {
  return createClient<paths>({ baseUrl: 'http://standby.test', fetch: injectFetch(s.app), headers });
}

/** A path of the admin API without its `/api/v1` prefix, as the tests write them. */
type ShortPath<P> = P extends `/api/v1${infer Rest}` ? Rest : never;
type Creatable = { [P in keyof paths]: paths[P] extends { post: { responses: { 201: unknown } } } ? ShortPath<P> : never }[keyof paths];
type CreatePath<S extends Creatable> = `/api/v1${S}` & keyof paths;
export type CreateBody<S extends Creatable> = paths[CreatePath<S>] extends { post: { requestBody?: { content: { 'application/json': infer B } } } } ? B : never;
type Created<S extends Creatable> = paths[CreatePath<S>] extends { post: { responses: { 201: { content: { 'application/json': infer R } } } } } ? R : never;
type PathParams<S extends Creatable> = paths[CreatePath<S>] extends { post: { parameters: { path: infer P } } } ? P : never;

/** The admin API as an admin script sees it: JSON in, status and JSON out (and `create`, typed by the contract). */
export function adminApi(s: TestService) {
  const client = apiClient(s);
  const send = injectFetch(s.app);
  /** Any request, typed or not: for answers to malformed input the contract cannot express. */
  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown) => {
    const response = await send(
      new Request(`http://standby.test/api/v1${url}`, {
        method,
        headers: { ...s.auth, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
      }),
    );
    const text = await response.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped on purpose: see `create` and `apiClient` for typed calls
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as any, contentType: response.headers.get('content-type') ?? undefined };
  };
  return {
    client,
    get: (url: string) => call('GET', url),
    post: (url: string, payload: unknown) => call('POST', url, payload),
    patch: (url: string, payload: unknown) => call('PATCH', url, payload),
    put: (url: string, payload: unknown) => call('PUT', url, payload),
    del: (url: string) => call('DELETE', url),
    /**
     * Creates through the typed client and returns the body; fails the test unless it answers 201.
     * Path parameters fill `{id}` and the like: `create('/rotations/{id}/overrides', body, { id })`.
     */
    async create<S extends Creatable>(path: S, body: CreateBody<S>, params?: PathParams<S>): Promise<Created<S>> {
      const post = client.POST as unknown as (path: string, init: object) => Promise<{ data?: unknown; error?: unknown; response: Response }>;
      const { data, error, response } = await post(`/api/v1${path}`, { body, params: { path: params ?? {} } });
      if (response.status !== 201) throw new Error(`POST ${path} answered ${response.status}: ${JSON.stringify(error)}`);
      return data as Created<S>;
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
