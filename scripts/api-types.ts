/**
 * `npm run api:types`: writes the TypeScript types of the admin API (`src/http/openapi.generated.ts`)
 * from the OpenAPI document the service publishes at /openapi.json, with openapi-typescript.
 * The API tests talk to the service through openapi-fetch typed by that file, and a test fails
 * when the committed file differs from what the current document generates: the contract and
 * its clients cannot drift apart unnoticed.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { createDatabase } from '../src/db/client.js';
import { buildApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import { createTwilioClient } from '../src/twilio/client.js';
import { Scheduler } from '../src/worker/scheduler.js';

export const API_TYPES_FILE = fileURLToPath(new URL('../src/http/openapi.generated.ts', import.meta.url));

/** The types file for an OpenAPI document, exactly as it is committed. */
export async function renderApiTypes(document: object): Promise<string> {
  const ast = await openapiTS(document as OpenAPI3, { alphabetize: true, silent: true, defaultNonNullable: false });
  return `${COMMENT_HEADER}// Regenerate with \`npm run api:types\` (from GET /openapi.json).\n\n${astToString(ast)}`;
}

/**
 * The document as the service serves it. The app is built but never connected: Postgres and
 * Redis clients connect lazily and no request is made, so this needs neither running.
 */
async function servedDocument(): Promise<object> {
  const config = loadConfig({
    PUBLIC_BASE_URL: 'http://localhost:3000',
    DATABASE_URL: 'postgres://standby@127.0.0.1:1/standby',
    REDIS_URL: 'redis://127.0.0.1:1',
    TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
    TWILIO_AUTH_TOKEN: 'not-used-to-build-the-document',
    ADMIN_API_TOKEN: 'not-used-to-build-the-document',
    LINK_SECRET: 'not-used-to-build-the-document-0000',
  });
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true });
  const database = createDatabase(config.DATABASE_URL);
  const deps = { config, clock: systemClock, database, redis, logger: createLogger('silent'), scheduler: new Scheduler(redis, systemClock), twilio: createTwilioClient(config) };
  const app = await buildApp(deps);
  await app.ready();
  try {
    return app.swagger();
  } finally {
    await app.close();
    redis.disconnect();
    await database.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const types = await renderApiTypes(await servedDocument());
  await writeFile(API_TYPES_FILE, types);
  console.log(`wrote ${API_TYPES_FILE}`);
  process.exit(0);
}
