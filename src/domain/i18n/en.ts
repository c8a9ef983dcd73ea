import type { Catalogue, CalendarMoment, SupportHoursFacts, PageDetails } from './catalogue.js';
import { spellDigits } from './language.js';
import { clause, fitWithin, joinReferences, truncate } from './text.js';

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;

function weekday(m: CalendarMoment): string {
  return WEEKDAYS[m.weekday - 1] ?? '';
}

function dateTime(m: CalendarMoment): string {
  return `${weekday(m)} ${m.day} ${MONTHS[m.month - 1] ?? ''} at ${m.time}`;
}

function moment(m: CalendarMoment): string {
  switch (m.relation) {
    case 'today':
      return `today at ${m.time}`;
    case 'tomorrow':
      return `tomorrow at ${m.time}`;
    case 'this_week':
      return `${weekday(m)} at ${m.time}`;
    case 'later':
      return dateTime(m);
  }
}

function hoursSentence(h: SupportHoursFacts): string {
  return `Working hours are Monday to Friday from ${h.opensAt} to ${h.closesAt}, ${h.zoneLabel} time.`;
}

function openingSentence(h: SupportHoursFacts): string {
  return h.status.open ? `It is open now, until ${h.status.closesAt.time}.` : `It opens again ${moment(h.status.nextOpening)}.`;
}

const reasons: Catalogue['outOfScope']['reason'] = (reason) => {
  switch (reason) {
    case 'unknown_caller':
      return 'We could not identify you as a customer with 24x7 Integrations support.';
    case 'no_contract':
      return 'We could not find a contract for your company.';
    case 'contract_without_24x7':
      return 'Your contract does not include 24x7 Integrations support.';
    case 'contract_not_active':
      return 'Your 24x7 Integrations support is not active at this time.';
    case 'severity_not_covered':
      return 'The 24x7 service covers only Blocker and High incidents; other incidents are handled during working hours.';
    case 'integration_selfservice':
      return 'The 24x7 service does not cover integrations built with Integrations Selfservice.';
    case 'integration_not_listed':
      return 'The 24x7 service covers only the integrations we built for your company.';
  }
};

const severityLabel: Catalogue['severity']['label'] = (s) => (s === 'blocker' ? 'BLOCKER' : 'HIGH');

function menu(options: readonly { digit: number; name: string }[], notListedDigit: number): string {
  return [...options.map((o) => `${o.digit} ${o.name}`), `${notListedDigit} not listed`].join(', ');
}

/** The page's words about a reporter identified only by customer code ('' otherwise). */
const codeOnlyNote = (p: PageDetails, spoken = false): string => (p.codeOnlyCaller ? ` Identified only by customer code, from ${p.codeOnlyCaller.phone ? (spoken ? spellDigits(p.codeOnlyCaller.phone) : p.codeOnlyCaller.phone) : 'a withheld number'}.` : '');

export const en: Catalogue = {
  calendar: {
    weekday: (w) => WEEKDAYS[w - 1] ?? '',
    moment,
    dateTime,
  },
  severity: { label: severityLabel },
  outOfScope: {
    reason: reasons,
    voice: ({ reason, hours }) =>
      `${reasons(reason)} To get help, please open a ticket at ${hours.supportCenterName}. ${hoursSentence(hours)} ${openingSentence(hours)}`,
    sms: ({ reason, hours }) => {
      const when = hours.status.open ? `open now until ${hours.status.closesAt.time}` : `opens ${moment(hours.status.nextOpening)}`;
      return `${reasons(reason)} Please open a ticket at ${hours.supportCenterName} (Mon-Fri ${hours.opensAt}-${hours.closesAt} ${hours.zoneLabel} time; ${when}).`;
    },
  },
  ivr: {
    welcome: ({ customerName }) =>
      customerName ? `Hello ${customerName}. This is the 24x7 Integrations support line.` : 'Welcome to the 24x7 Integrations support line.',
    chooseLanguage: ({ digit }) => `For English, press ${digit}.`,
    enterCustomerCode: () => 'Please enter your customer code, followed by the pound key.',
    identified: ({ customerName }) => `Thank you, ${customerName}.`,
    customerCodeNotFound: () => 'We could not find that customer code.',
    severityMenu: () => 'If the incident is a Blocker, press 1. If it is High, press 2. For any other priority, press 3.',
    integrationMenu: ({ options, notListedDigit }) =>
      `Which integration is failing? ${options.map((o) => `For ${o.name}, press ${o.digit}.`).join(' ')} If it is not listed, press ${notListedDigit}.`,
    incidentOpened: () => 'We have opened your incident and are paging the on-call engineer now.',
    repeatContact: ({ reference }) => `Your report was added to incident ${spellDigits(reference)}, which is already open for this integration.`,
    reportNoted: () => 'Thank you. Your report has been recorded for the engineers. For updates on your incidents, please call or text from a phone registered with us.',
    recordDescription: () => 'After the beep, briefly describe the problem. Press the pound key when you are done.',
    readBackReference: ({ reference }) =>
      `Your incident number is ${spellDigits(reference)}. Again: ${spellDigits(reference)}.`,
    goodbye: () => 'We will let you know as soon as an engineer takes your case. Thank you, goodbye.',
    invalidInput: () => 'That option is not valid.',
    noInput: () => 'We did not receive an answer.',
    tooManyAttempts: () => 'We could not complete your call. Please call again, or send a text message to this number. Goodbye.',
    receivedDuringOutage: () => 'We are having a technical problem and could not take your call. It has been recorded. Please send a text message to this number describing the problem, or call again in a few minutes. Goodbye.',
  },
  sms: {
    askCustomerCode: () => 'Reply with your customer code.',
    customerCodeNotFound: () => 'We could not find that customer code. Please try again.',
    askSeverity: ({ customerName }) => `${customerName}: how severe is the incident? Reply 1 Blocker, 2 High, 3 other.`,
    askIntegration: ({ options, notListedDigit }) => `Which integration is failing? Reply ${menu(options, notListedDigit)}.`,
    ambiguousIntegration: ({ options, notListedDigit }) => `Which of these integrations? Reply ${menu(options, notListedDigit)}.`,
    notUnderstood: () => 'Sorry, we did not understand.',
    incidentOpened: ({ reference, severity, integrationName, askDescription }) =>
      `Incident ${reference} opened (${severityLabel(severity)}, ${integrationName}). We are paging the on-call engineer now.` +
      (askDescription ? ' Reply with a short description of the problem.' : ''),
    repeatContact: ({ reference }) => `Your report was added to incident ${reference}, already open for this integration.`,
    reportNoted: () => 'Thank you, your report was recorded for the engineers. For updates on your incidents, call or text from a phone registered with us.',
    whichIncident: ({ references }) =>
      `You have open incidents ${joinReferences(references)}. Start your message with the incident number, e.g. "${references[0] ?? 123} the orders still fail".`,
    tooManyAttempts: () => 'We could not complete your report. Text HELP for instructions, or call this number.',
    receivedDuringOutage: () => 'We received your message. We are having a brief technical problem: it is saved and will be handled in a few minutes; if it reports a covered incident, the on-call engineer will be paged.',
    help: () =>
      '24x7 Integrations support for Blocker and High incidents. Text the severity, the integration and what fails, e.g. "BLOCKER Salesforce sync down". Reply STOP to stop messages.',
    stopConfirmation: () => 'You will no longer receive messages from this number. Reply START to receive them again.',
    startConfirmation: () => 'You will receive messages from this number again. Reply HELP for help.',
    received: () => 'We received your message and will text you back in a moment.',
    engineerAssigned: ({ engineerName, reference }) => `${engineerName} is working on your incident ${reference}.`,
    fromEngineer: ({ engineerName, reference, text }) => fitWithin(`${engineerName} (incident ${reference}): `, text, ''),
    waitingOnCustomer: ({ reference, question }) =>
      fitWithin(`Incident ${reference} is waiting on your answer: `, question, ' The clock is paused until you reply.'),
    resolved: ({ reference, note }) => fitWithin(`Incident ${reference} is resolved: `, note, ''),
    closedWithEvidence: ({ reference, evidence }) =>
      fitWithin(`Incident ${reference} is closed: the cause is in your systems or a third party's. Evidence: `, evidence, ''),
  },
  engineer: {
    pageSms: (p) =>
      fitWithin(
        `${severityLabel(p.severity)} incident ${p.reference} ${p.customerName} – ${p.integrationName}: `,
        clause(p.description, '(no description yet)'),
        `.${codeOnlyNote(p)} Reply ACK ${p.reference} to acknowledge, ESC ${p.reference} to escalate`,
      ),
    pageVoice: (p) =>
      `This is Standby. ${p.severity === 'blocker' ? 'Blocker' : 'High'} incident ${spellDigits(p.reference)} for ${p.customerName}, ${p.integrationName}. ${truncate(p.description, 200)}${codeOnlyNote(p, true)} Press 1 to acknowledge, 2 to escalate now.`,
    voiceAcknowledged: ({ reference }) => `Incident ${spellDigits(reference)} acknowledged. The customer has been told. Goodbye.`,
    voiceEscalated: ({ reference }) => `Incident ${spellDigits(reference)} escalated to the next level. Goodbye.`,
    ackConfirmed: ({ reference, customerName }) =>
      `You acknowledged incident ${reference} (${customerName}). The customer was told you are on it. Write to them with REPLY ${reference} <text>.`,
    ackedByOther: ({ reference, engineerName }) => `Incident ${reference} was acknowledged by ${engineerName}. No action needed.`,
    escalated: ({ reference }) => `Incident ${reference} escalated to the next level.`,
    fromCustomer: ({ reference, customerName, text }) =>
      fitWithin(`${customerName} (incident ${reference}): `, text, ` Answer with REPLY ${reference} <text>.`),
    waitingOnCustomer: ({ reference }) => `Incident ${reference} is waiting on the customer; the clock is paused until they reply.`,
    resolved: ({ reference }) => `Incident ${reference} resolved.`,
    evidenceSent: ({ reference, customerName }) => `Evidence sent to ${customerName}; incident ${reference} closed.`,
    handoff: ({ rotationName, from, until }) => `You are on call for rotation ${rotationName} from ${dateTime(from)} to ${dateTime(until)}.`,
    escalationExhausted: (p) =>
      fitWithin(
        `Nobody acknowledged ${severityLabel(p.severity)} incident ${p.reference} ${p.customerName} – ${p.integrationName}: `,
        clause(p.description, '(no description yet)'),
        `.${codeOnlyNote(p)} Reply ACK ${p.reference} to take it.`,
      ),
    noOpenPage: () => 'You have no open page.',
    incidentNotFound: ({ reference }) => `There is no incident ${reference}.`,
    notAllowed: ({ reference }) => `You cannot act on incident ${reference}: only the engineers paged for it or on call, or the one who has it, can. Check the number.`,
    voiceNotAllowed: ({ reference }) => `You cannot act on incident ${spellDigits(reference)}. Goodbye.`,
    reassignedToYou: ({ reference, customerName, integrationName }) => `Incident ${reference} (${customerName}, ${integrationName}) is now yours. Write to the customer with REPLY ${reference} <text>.`,
    reassignedAway: ({ reference, engineerName }) => `Incident ${reference} was reassigned to ${engineerName}. No action needed.`,
    customerCalledAgain: ({ reference, customerName, phone }) => `${customerName} called again about incident ${reference}${phone ? ` from ${phone}` : ''}. Write to them with REPLY ${reference} <text>.`,
    descriptionArrived: ({ reference, customerName, text }) => fitWithin(`Incident ${reference} (${customerName}), the caller said: `, text, ''),
    incidentClosed: ({ reference }) => `Incident ${reference} is already closed.`,
    alreadyAcknowledged: ({ reference, engineerName }) => `Incident ${reference} was already acknowledged by ${engineerName}.`,
    notEscalating: ({ reference }) => `Incident ${reference} is no longer escalating from that page.`,
    voiceChoose: () => 'Press 1 to acknowledge, 2 to escalate now.',
    linkConfirm: ({ reference, customerName, integrationName }) => `Acknowledge incident ${reference} (${customerName}, ${integrationName})? The customer will be told you are on it.`,
    linkButton: () => 'Acknowledge',
    linkExpired: () => 'This link has expired or is not valid. Reply ACK with the incident number by SMS instead.',
    severalOpenPages: ({ references }) =>
      `You have several open pages: ${joinReferences(references)}. Reply ACK <number> or ESC <number>.`,
    missingReference: ({ example }) => `Please include the incident number, e.g. ${example}.`,
    missingText: ({ example }) => `Please include the text, e.g. ${example}.`,
    unknownCommand: () => 'Sorry, we did not understand. Text HELP for the commands.',
    help: () =>
      'Commands: ACK 123 acknowledge; ESC 123 escalate; REPLY 123 text to the customer; WAIT 123 waiting on customer; RESOLVE 123 note; EVIDENCE 123 text closes with evidence sent to the customer. With one open page: 1 ack, 2 escalate.',
  },
};
