import type { HttpMethod } from './twiml.js';

export type MessageStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'received';

/** inbound: a phone texted the service; outbound-api: the service sent it through REST; outbound-reply: TwiML `<Message>`. */
export type MessageDirection = 'inbound' | 'outbound-api' | 'outbound-reply';

/** One SMS, in either direction, as the simulator keeps it (and as the REST API shows it). */
export interface SimMessage {
  sid: string;
  direction: MessageDirection;
  from: string;
  to: string;
  body: string;
  media: string[];
  status: MessageStatus;
  /** Every status it went through, in order. */
  statusHistory: MessageStatus[];
  errorCode: number | null;
  errorMessage: string | null;
  dateCreated: Date;
  dateUpdated: Date;
  dateSent: Date | null;
  statusCallback: { url: string; method: HttpMethod } | undefined;
}

/** Twilio's error codes for messages that do not arrive. */
export const DELIVERY_ERRORS = {
  failed: { code: 30008, message: 'Unknown error' },
  undelivered: { code: 30003, message: 'Unreachable destination handset' },
} as const;
