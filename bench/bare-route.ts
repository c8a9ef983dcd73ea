/**
 * The baseline the intake is measured against: a bare Fastify route that checks the same Twilio
 * signature as the service and does one Postgres INSERT of the text, with the same driver and
 * pool size, and answers empty TwiML. Its own process, started by `bench/intake.ts`:
 *
 *   PORT=… DATABASE_URL=… PUBLIC_BASE_URL=… TWILIO_AUTH_TOKEN=… node --import tsx bench/bare-route.ts
 */
import Fastify from 'fastify';
import formbody from '@fastify/formbody';
import postgres from 'postgres';
import twilio from 'twilio';

const env = process.env as Record<string, string>;
const sql = postgres(env.DATABASE_URL!, { max: Number(env.DATABASE_POOL_SIZE ?? 10), onnotice: () => undefined });
await sql`create table if not exists bench_bare_messages (id bigint generated always as identity primary key, message_sid text not null, from_phone text not null, to_phone text not null, body text not null, received_at timestamptz not null default now())`;

const app = Fastify({ logger: false });
await app.register(formbody);
app.post('/twilio/sms', async (request, reply) => {
  const params = request.body as Record<string, string>;
  const signature = request.headers['x-twilio-signature'];
  if (typeof signature !== 'string' || !twilio.validateRequest(env.TWILIO_AUTH_TOKEN!, signature, env.PUBLIC_BASE_URL + request.url, params)) {
    return reply.code(403).send('forbidden');
  }
  await sql`insert into bench_bare_messages (message_sid, from_phone, to_phone, body) values (${params.MessageSid!}, ${params.From!}, ${params.To!}, ${params.Body ?? ''})`;
  return reply.type('text/xml').send('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
});
app.get('/healthz', async () => ({ ok: true }));
await app.listen({ port: Number(env.PORT), host: '127.0.0.1' });
process.stdout.write('bare route ready\n');
process.on('SIGTERM', () => {
  void app.close().then(() => sql.end({ timeout: 1 })).then(() => process.exit(0));
});
