import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import { logUrl } from '../logger.js';
import { webhookOutcomes } from './routes/twilio/webhook.js';

/**
 * One log line per request, written when it is answered: `GET /api/v1/incidents 200 5 ms`, with
 * the request, answer and time as fields (JSON) or left out (the dev terminal). Fastify's own
 * "incoming request" line is not written: the answer line says all it did.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    // Delivery reports come ~3 per page: at debug, so the log keeps to what people did (and, when
    // debug is off, their line is not even composed: in a storm there are thousands a second).
    // So are texts kept in a storm: the texts are in Postgres, and the SMS webhook logs how many it
    // kept each second instead (composing and scrubbing a line each cost an eighth of the web
    // process at 2,700 texts a second).
    const quiet = reply.statusCode < 400 && (request.url.startsWith('/twilio/status/') || webhookOutcomes.get(request) === 'kept');
    const level = error ? 'error' : quiet ? 'debug' : 'info';
    if ((reply.log as FastifyBaseLogger & { isLevelEnabled?(level: string): boolean }).isLevelEnabled?.(level) === false) return;
    const ms = Math.round(reply.elapsedTime);
    const line = `${request.method} ${logUrl(request.url)} ${reply.statusCode} ${ms} ms`;
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: ms }, line);
    else reply.log[level]({ req: request, res: reply, responseTime: ms }, line);
  }
}
