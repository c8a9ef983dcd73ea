import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { logUrl } from '../logger.js';

/**
 * One log line per request, written when it is answered: `GET /api/v1/incidents 200 5 ms`, with
 * the request, answer and time as fields (JSON) or left out (the dev terminal). Fastify's own
 * "incoming request" line is not written: the answer line says all it did.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const ms = Math.round(reply.elapsedTime);
    const line = `${request.method} ${logUrl(request.url)} ${reply.statusCode} ${ms} ms`;
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: ms }, line);
    // Delivery reports come ~3 per page: at debug, so the log keeps to what people did.
    else if (reply.statusCode < 400 && request.url.startsWith('/twilio/status/')) reply.log.debug({ req: request, res: reply, responseTime: ms }, line);
    else reply.log.info({ req: request, res: reply, responseTime: ms }, line);
  }
}
