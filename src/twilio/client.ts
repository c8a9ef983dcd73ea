import twilio from 'twilio';
import type { Config } from '../config.js';

export type TwilioClient = ReturnType<typeof twilio>;

/**
 * The official Twilio client. With `TWILIO_API_BASE_URL` set (the simulator, everywhere but
 * production) the REST domain that serves Messages and Calls is pointed there; edge and region are
 * never used for this.
 */
export function createTwilioClient(config: Pick<Config, 'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN' | 'TWILIO_API_BASE_URL'>): TwilioClient {
  const client = twilio(config.TWILIO_ACCOUNT_SID, config.TWILIO_AUTH_TOKEN, { autoRetry: false });
  if (config.TWILIO_API_BASE_URL) client.api.baseUrl = config.TWILIO_API_BASE_URL;
  return client;
}
