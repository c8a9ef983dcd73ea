import { z } from 'zod';
import { DEMO_PHONES, DEMO_STANDBY_LABELS, DEMO_STANDBY_NUMBERS } from './demo.js';
import { startSimulator } from './server.js';

/**
 * Runs the simulator on its own, against a service started separately:
 *   TWILIO_ACCOUNT_SID=AC… TWILIO_AUTH_TOKEN=… PUBLIC_BASE_URL=http://127.0.0.1:3000 npx tsx sim/main.ts
 * then start the service with TWILIO_API_BASE_URL set to the URL printed here. With
 * ADMIN_API_TOKEN set too, /sim lists the service's incidents (read from its admin API).
 */
const env = z
  .object({
    TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'an account SID: AC followed by 32 hex digits'),
    TWILIO_AUTH_TOKEN: z.string().min(1),
    PUBLIC_BASE_URL: z.url(),
    SIM_PORT: z.coerce.number().int().min(0).max(65535).default(3010),
    SIM_HOST: z.string().default('127.0.0.1'),
    /** Optional: the token /sim's incidents panel reads the service's admin API with. */
    ADMIN_API_TOKEN: z.string().min(1).optional(),
  })
  .safeParse(process.env);

if (!env.success) {
  console.error(`twilio simulator: bad environment\n${z.prettifyError(env.error)}`);
  process.exit(1);
}

const sim = await startSimulator({
  accountSid: env.data.TWILIO_ACCOUNT_SID,
  authToken: env.data.TWILIO_AUTH_TOKEN,
  serviceBaseUrl: env.data.PUBLIC_BASE_URL,
  port: env.data.SIM_PORT,
  host: env.data.SIM_HOST,
  phones: DEMO_PHONES,
  standbyNumbers: DEMO_STANDBY_NUMBERS,
  standbyLabels: DEMO_STANDBY_LABELS,
  ...(env.data.ADMIN_API_TOKEN ? { incidentsFeed: { url: `${env.data.PUBLIC_BASE_URL.replace(/\/+$/, '')}/api/v1/incidents`, token: env.data.ADMIN_API_TOKEN } } : {}),
  autoTickMs: 1000,
  log: (level, msg) => (level === 'warn' ? console.warn(msg) : console.log(msg)),
});
console.log(`twilio simulator: TWILIO_API_BASE_URL=${sim.url}  phones at ${sim.url}/sim  webhooks to ${env.data.PUBLIC_BASE_URL}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sim.close().then(() => process.exit(0));
  });
}
