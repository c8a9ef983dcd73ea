import { parseXml, textContent, XmlParseError, type XmlElement, type XmlNode } from './xml.js';

/**
 * TwiML as the simulator reads it: the verbs of a voice or messaging document with Twilio's
 * defaults applied. Anything Twilio would refuse (bad XML, unknown verbs, bad attribute values)
 * throws a `TwimlError` carrying the code Twilio reports for it, so a document accepted here is
 * one Twilio accepts.
 */

export type HttpMethod = 'GET' | 'POST';

export interface SayVerb {
  verb: 'Say';
  text: string;
  /** Twilio's default is en-US. */
  language: string;
  voice: string | undefined;
  loop: number;
}

export interface PlayVerb {
  verb: 'Play';
  url: string;
  /** DTMF tones played instead of a file (`<Play digits="…"/>`). */
  digits: string | undefined;
  loop: number;
}

export interface PauseVerb {
  verb: 'Pause';
  /** Seconds; Twilio's default is 1. */
  length: number;
}

export type PromptVerb = SayVerb | PlayVerb | PauseVerb;

export interface GatherVerb {
  verb: 'Gather';
  /** Undefined means "the current document's URL", as on Twilio. */
  action: string | undefined;
  method: HttpMethod;
  /** Undefined means no fixed length: input ends with finishOnKey or the timeout. */
  numDigits: number | undefined;
  /** Empty string disables it; default "#". */
  finishOnKey: string;
  /** Seconds to wait for the first or next key; default 5. */
  timeout: number;
  actionOnEmptyResult: boolean;
  input: string;
  language: string;
  prompts: PromptVerb[];
}

export interface RecordVerb {
  verb: 'Record';
  action: string | undefined;
  method: HttpMethod;
  /** Seconds of silence that end the recording; default 5. */
  timeout: number;
  /** Keys that end the recording; default any key. */
  finishOnKey: string;
  /** Seconds; default 3600. */
  maxLength: number;
  playBeep: boolean;
  trim: string;
  recordingStatusCallback: string | undefined;
  recordingStatusCallbackMethod: HttpMethod;
  recordingStatusCallbackEvent: string[];
  transcribe: boolean;
  transcribeCallback: string | undefined;
}

export interface RedirectVerb {
  verb: 'Redirect';
  url: string;
  method: HttpMethod;
}

export interface HangupVerb {
  verb: 'Hangup';
}

export interface RejectVerb {
  verb: 'Reject';
  reason: 'rejected' | 'busy';
}

export type VoiceVerb = PromptVerb | GatherVerb | RecordVerb | RedirectVerb | HangupVerb | RejectVerb;

export interface MessageVerb {
  verb: 'Message';
  body: string;
  media: string[];
  to: string | undefined;
  from: string | undefined;
  action: string | undefined;
  method: HttpMethod;
  statusCallback: string | undefined;
}

export type MessagingVerb = MessageVerb | RedirectVerb;

/** 12100: the document is not XML or not a `<Response>`; 12200: it breaks the TwiML schema. */
export class TwimlError extends Error {
  constructor(
    readonly code: 12100 | 12200,
    message: string,
  ) {
    super(message);
    this.name = 'TwimlError';
  }
}

const KNOWN_UNSUPPORTED = new Set(['Dial', 'Enqueue', 'Leave', 'Sms', 'Connect', 'Start', 'Stop', 'Pay', 'Prompt', 'Refer', 'Echo', 'Queue', 'Siprec', 'Stream', 'Conference', 'Number', 'Client', 'Sip']);

/** Reads a voice document (an answer to a call webhook, action or redirect). */
export function parseVoiceTwiml(source: string): VoiceVerb[] {
  return elementsOf(parseResponse(source)).map(voiceVerb);
}

/** Reads a messaging document (an answer to an incoming-SMS webhook); empty means "no reply". */
export function parseMessagingTwiml(source: string): MessagingVerb[] {
  if (source.trim() === '') return [];
  return elementsOf(parseResponse(source)).map((element): MessagingVerb => {
    switch (element.name) {
      case 'Message':
        return messageVerb(element);
      case 'Redirect':
        return redirectVerb(element);
      default:
        throw new TwimlError(12200, `<${element.name}> is not a messaging verb`);
    }
  });
}

function parseResponse(source: string): XmlElement {
  let root: XmlElement;
  try {
    root = parseXml(source);
  } catch (error) {
    if (error instanceof XmlParseError) throw new TwimlError(12100, `Document parse failure: ${error.message}`);
    throw error;
  }
  if (root.name !== 'Response') throw new TwimlError(12100, `Document parse failure: root element is <${root.name}>, expected <Response>`);
  return root;
}

function elementsOf(parent: XmlElement): XmlElement[] {
  const elements: XmlElement[] = [];
  for (const child of parent.children) {
    if (typeof child === 'string') {
      if (child.trim() !== '') throw new TwimlError(12200, `text "${child.trim().slice(0, 40)}" is not allowed directly inside <${parent.name}>`);
      continue;
    }
    elements.push(child);
  }
  return elements;
}

function voiceVerb(element: XmlElement): VoiceVerb {
  switch (element.name) {
    case 'Say':
    case 'Play':
    case 'Pause':
      return promptVerb(element);
    case 'Gather':
      return gatherVerb(element);
    case 'Record':
      return recordVerb(element);
    case 'Redirect':
      return redirectVerb(element);
    case 'Hangup':
      noChildren(element);
      return { verb: 'Hangup' };
    case 'Reject': {
      noChildren(element);
      const reason = element.attributes.reason ?? 'rejected';
      if (reason !== 'rejected' && reason !== 'busy') throw invalidAttribute(element, 'reason');
      return { verb: 'Reject', reason };
    }
    default:
      if (KNOWN_UNSUPPORTED.has(element.name)) throw new TwimlError(12200, `<${element.name}> is valid TwiML but the simulator does not play it`);
      throw new TwimlError(12200, `<${element.name}> is not a TwiML voice verb`);
  }
}

function promptVerb(element: XmlElement): PromptVerb {
  const attrs = element.attributes;
  switch (element.name) {
    case 'Say': {
      const text = textContent(element);
      if (text === '') throw new TwimlError(12200, '<Say> has no text');
      return { verb: 'Say', text, language: attrs.language ?? 'en-US', voice: attrs.voice, loop: integer(element, 'loop', 1, 0) };
    }
    case 'Play': {
      const url = textContent(element);
      const digits = attrs.digits;
      if (url === '' && digits === undefined) throw new TwimlError(12200, '<Play> needs a URL or digits');
      if (digits !== undefined && !/^[0-9*#wW]+$/.test(digits)) throw invalidAttribute(element, 'digits');
      return { verb: 'Play', url, digits, loop: integer(element, 'loop', 1, 0) };
    }
    case 'Pause':
      noChildren(element);
      return { verb: 'Pause', length: integer(element, 'length', 1, 1) };
    default:
      throw new TwimlError(12200, `<${element.name}> is not allowed here`);
  }
}

function gatherVerb(element: XmlElement): GatherVerb {
  const attrs = element.attributes;
  const prompts = elementsOf(element).map((child) => {
    if (child.name !== 'Say' && child.name !== 'Play' && child.name !== 'Pause') {
      throw new TwimlError(12200, `<${child.name}> is not allowed inside <Gather> (only Say, Play, Pause)`);
    }
    return promptVerb(child);
  });
  const finishOnKey = attrs.finishOnKey ?? '#';
  if (!/^[0-9*#]?$/.test(finishOnKey)) throw invalidAttribute(element, 'finishOnKey');
  const numDigits = attrs.numDigits === undefined ? undefined : integer(element, 'numDigits', 1, 1);
  return {
    verb: 'Gather',
    action: url(element, 'action'),
    method: method(element, 'method'),
    numDigits,
    finishOnKey,
    timeout: integer(element, 'timeout', 5, 1),
    actionOnEmptyResult: boolean(element, 'actionOnEmptyResult', false),
    input: attrs.input ?? 'dtmf',
    language: attrs.language ?? 'en-US',
    prompts,
  };
}

function recordVerb(element: XmlElement): RecordVerb {
  noChildren(element);
  const attrs = element.attributes;
  const finishOnKey = attrs.finishOnKey ?? '1234567890*#';
  if (!/^[0-9*#]*$/.test(finishOnKey)) throw invalidAttribute(element, 'finishOnKey');
  const events = (attrs.recordingStatusCallbackEvent ?? 'completed').split(/[\s,]+/).filter(Boolean);
  for (const event of events) {
    if (!['in-progress', 'completed', 'absent'].includes(event)) throw invalidAttribute(element, 'recordingStatusCallbackEvent');
  }
  return {
    verb: 'Record',
    action: url(element, 'action'),
    method: method(element, 'method'),
    timeout: integer(element, 'timeout', 5, 0),
    finishOnKey,
    maxLength: integer(element, 'maxLength', 3600, 1),
    playBeep: boolean(element, 'playBeep', true),
    trim: attrs.trim ?? 'trim-silence',
    recordingStatusCallback: url(element, 'recordingStatusCallback'),
    recordingStatusCallbackMethod: method(element, 'recordingStatusCallbackMethod'),
    recordingStatusCallbackEvent: events,
    transcribe: boolean(element, 'transcribe', false),
    transcribeCallback: url(element, 'transcribeCallback'),
  };
}

function redirectVerb(element: XmlElement): RedirectVerb {
  const target = textContent(element);
  if (target === '') throw new TwimlError(12200, '<Redirect> has no URL');
  return { verb: 'Redirect', url: target, method: method(element, 'method') };
}

function messageVerb(element: XmlElement): MessageVerb {
  const attrs = element.attributes;
  const nested = element.children.filter((c): c is XmlElement => typeof c !== 'string');
  let body: string;
  const media: string[] = [];
  if (nested.length === 0) {
    body = textContent(element);
  } else {
    body = '';
    for (const child of nested) {
      if (child.name === 'Body') body += textContent(child);
      else if (child.name === 'Media') media.push(textContent(child));
      else throw new TwimlError(12200, `<${child.name}> is not allowed inside <Message>`);
    }
  }
  if (body === '' && media.length === 0) throw new TwimlError(12200, '<Message> has no body');
  return {
    verb: 'Message',
    body,
    media,
    to: attrs.to,
    from: attrs.from,
    action: url(element, 'action'),
    method: method(element, 'method'),
    statusCallback: url(element, 'statusCallback'),
  };
}

function noChildren(element: XmlElement): void {
  const content = element.children.filter((c: XmlNode) => typeof c !== 'string' || c.trim() !== '');
  if (content.length > 0) throw new TwimlError(12200, `<${element.name}> takes no content`);
}

function invalidAttribute(element: XmlElement, name: string): TwimlError {
  return new TwimlError(12200, `<${element.name}> has an invalid ${name}="${element.attributes[name] ?? ''}"`);
}

function integer(element: XmlElement, name: string, fallback: number, min: number): number {
  const raw = element.attributes[name];
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim())) throw invalidAttribute(element, name);
  const value = Number(raw.trim());
  if (value < min) throw invalidAttribute(element, name);
  return value;
}

function boolean(element: XmlElement, name: string, fallback: boolean): boolean {
  const raw = element.attributes[name];
  if (raw === undefined) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw invalidAttribute(element, name);
}

function method(element: XmlElement, name: string): HttpMethod {
  const raw = element.attributes[name];
  if (raw === undefined) return 'POST';
  const upper = raw.toUpperCase();
  if (upper !== 'GET' && upper !== 'POST') throw invalidAttribute(element, name);
  return upper;
}

function url(element: XmlElement, name: string): string | undefined {
  const raw = element.attributes[name];
  if (raw === undefined) return undefined;
  if (raw.trim() === '') throw invalidAttribute(element, name);
  return raw.trim();
}
