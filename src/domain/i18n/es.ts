import type { Catalogue, CalendarMoment, SupportHoursFacts, PageDetails } from './catalogue.js';
import { spellDigits } from './language.js';
import { clause, fitWithin, joinReferences, truncate } from './text.js';

const WEEKDAYS = ['lunes', 'martes', 'miércoles', 'jueves', 'viernes', 'sábado', 'domingo'] as const;
const MONTHS = ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'] as const;

function weekday(m: CalendarMoment): string {
  return WEEKDAYS[m.weekday - 1] ?? '';
}

/** "a las 09:00", but "a la 01:00". */
function at(time: string): string {
  return time.startsWith('01:') ? `a la ${time}` : `a las ${time}`;
}

function dateTime(m: CalendarMoment): string {
  return `el ${weekday(m)} ${m.day} de ${MONTHS[m.month - 1] ?? ''} ${at(m.time)}`;
}

function moment(m: CalendarMoment): string {
  switch (m.relation) {
    case 'today':
      return `hoy ${at(m.time)}`;
    case 'tomorrow':
      return `mañana ${at(m.time)}`;
    case 'this_week':
      return `el ${weekday(m)} ${at(m.time)}`;
    case 'later':
      return dateTime(m);
  }
}

function hoursSentence(h: SupportHoursFacts): string {
  return `El horario de atención es de lunes a viernes de ${h.opensAt} a ${h.closesAt}, hora de ${h.zoneLabel}.`;
}

function openingSentence(h: SupportHoursFacts): string {
  return h.status.open ? `Ahora está abierto, hasta las ${h.status.closesAt.time}.` : `Vuelve a abrir ${moment(h.status.nextOpening)}.`;
}

const reasons: Catalogue['outOfScope']['reason'] = (reason) => {
  switch (reason) {
    case 'unknown_caller':
      return 'No pudimos identificarlo como cliente con soporte 24x7 de Integraciones.';
    case 'no_contract':
      return 'No encontramos un contrato a nombre de su empresa.';
    case 'contract_without_24x7':
      return 'Su contrato no incluye el soporte 24x7 de Integraciones.';
    case 'contract_not_active':
      return 'Su soporte 24x7 de Integraciones no está vigente en este momento.';
    case 'severity_not_covered':
      return 'El servicio 24x7 atiende solo incidentes bloqueantes y de prioridad alta; los demás se atienden en horario hábil.';
    case 'integration_selfservice':
      return 'El servicio 24x7 no cubre las integraciones hechas con Integrations Selfservice.';
    case 'integration_not_listed':
      return 'El servicio 24x7 cubre solo las integraciones que desarrollamos para su empresa.';
  }
};

const severityLabel: Catalogue['severity']['label'] = (s) => (s === 'blocker' ? 'BLOQUEANTE' : 'ALTA');

function menu(options: readonly { digit: number; name: string }[], notListedDigit: number): string {
  return [...options.map((o) => `${o.digit} ${o.name}`), `${notListedDigit} no está en la lista`].join(', ');
}

/** The page's words about a reporter identified only by customer code ('' otherwise). */
const codeOnlyNote = (p: PageDetails, spoken = false): string => (p.codeOnlyCaller ? ` Se identificó solo con el código de cliente, desde ${p.codeOnlyCaller.phone ? (spoken ? spellDigits(p.codeOnlyCaller.phone) : p.codeOnlyCaller.phone) : 'un número oculto'}.` : '');

export const es: Catalogue = {
  calendar: {
    weekday: (w) => WEEKDAYS[w - 1] ?? '',
    moment,
    dateTime,
  },
  severity: { label: severityLabel },
  outOfScope: {
    reason: reasons,
    voice: ({ reason, hours }) =>
      `${reasons(reason)} Para recibir ayuda, abra un ticket en ${hours.supportCenterName}. ${hoursSentence(hours)} ${openingSentence(hours)}`,
    sms: ({ reason, hours }) => {
      const when = hours.status.open ? `abierto hasta las ${hours.status.closesAt.time}` : `abre ${moment(hours.status.nextOpening)}`;
      return `${reasons(reason)} Abra un ticket en ${hours.supportCenterName} (lun a vie ${hours.opensAt}-${hours.closesAt}, hora de ${hours.zoneLabel}; ${when}).`;
    },
  },
  ivr: {
    welcome: ({ customerName }) =>
      customerName ? `Hola, ${customerName}. Esta es la línea de soporte 24x7 de Integraciones.` : 'Bienvenido a la línea de soporte 24x7 de Integraciones.',
    chooseLanguage: ({ digit }) => `Para español, marque ${digit}.`,
    enterCustomerCode: () => 'Ingrese su código de cliente y luego la tecla numeral.',
    identified: ({ customerName }) => `Gracias, ${customerName}.`,
    customerCodeNotFound: () => 'No encontramos ese código de cliente.',
    severityMenu: () => 'Si el incidente es bloqueante, marque 1. Si es de prioridad alta, marque 2. Para cualquier otra prioridad, marque 3.',
    integrationMenu: ({ options, notListedDigit }) =>
      `¿Qué integración está fallando? ${options.map((o) => `Para ${o.name}, marque ${o.digit}.`).join(' ')} Si no está en la lista, marque ${notListedDigit}.`,
    incidentOpened: () => 'Abrimos su incidente y ya estamos avisando al ingeniero de guardia.',
    repeatContact: ({ reference }) => `Agregamos su reporte al incidente ${spellDigits(reference)}, que ya estaba abierto para esta integración.`,
    reportNoted: () => 'Gracias. Registramos su reporte para los ingenieros. Para novedades sobre sus incidentes, llame o escriba desde un teléfono registrado.',
    recordDescription: () => 'Después del tono, describa brevemente el problema. Al terminar, presione la tecla numeral.',
    readBackReference: ({ reference }) => `Su número de incidente es ${spellDigits(reference)}. Repito: ${spellDigits(reference)}.`,
    goodbye: () => 'Le avisaremos apenas un ingeniero tome su caso. Gracias, hasta luego.',
    invalidInput: () => 'La opción no es válida.',
    noInput: () => 'No recibimos ninguna respuesta.',
    tooManyAttempts: () => 'No pudimos completar su llamada. Puede volver a llamar o enviarnos un mensaje de texto a este número. Hasta luego.',
    receivedDuringOutage: () => 'Tenemos un problema técnico y no pudimos atender su llamada. Quedó registrada. Envíenos un mensaje de texto a este número describiendo el problema, o vuelva a llamar en unos minutos. Hasta luego.',
  },
  sms: {
    askCustomerCode: () => 'Responda con su código de cliente.',
    customerCodeNotFound: () => 'No encontramos ese código de cliente. Intente de nuevo.',
    askSeverity: ({ customerName }) => `${customerName}: ¿qué gravedad tiene el incidente? Responda 1 Bloqueante, 2 Alta, 3 otra.`,
    askIntegration: ({ options, notListedDigit }) => `¿Qué integración está fallando? Responda ${menu(options, notListedDigit)}.`,
    ambiguousIntegration: ({ options, notListedDigit }) => `¿Cuál de estas integraciones? Responda ${menu(options, notListedDigit)}.`,
    notUnderstood: () => 'Disculpe, no entendimos.',
    incidentOpened: ({ reference, severity, integrationName, askDescription }) =>
      `Incidente ${reference} abierto (${severityLabel(severity)}, ${integrationName}). Ya estamos avisando al ingeniero de guardia.` +
      (askDescription ? ' Responda con una breve descripción del problema.' : ''),
    repeatContact: ({ reference }) => `Agregamos su reporte al incidente ${reference}, ya abierto para esta integración.`,
    reportNoted: () => 'Gracias, registramos su reporte para los ingenieros. Para novedades sobre sus incidentes, llame o escriba desde un teléfono registrado.',
    whichIncident: ({ references }) =>
      `Tiene los incidentes abiertos ${joinReferences(references)}. Empiece su mensaje con el número de incidente, p. ej. "${references[0] ?? 123} siguen fallando los pedidos".`,
    tooManyAttempts: () => 'No pudimos completar su reporte. Envíe AYUDA para ver instrucciones, o llame a este número.',
    receivedDuringOutage: () => 'Recibimos su mensaje. Tenemos un breve problema técnico: quedó guardado y se procesará en unos minutos; si reporta un incidente cubierto, se avisará al ingeniero de guardia.',
    help: () =>
      'Soporte 24x7 de Integraciones para incidentes bloqueantes y de prioridad alta. Envíe la gravedad, la integración y qué falla, p. ej. "BLOQUEANTE Salesforce sync caído". Responda STOP para no recibir más mensajes.',
    stopConfirmation: () => 'No recibirá más mensajes de este número. Responda START para volver a recibirlos.',
    startConfirmation: () => 'Volverá a recibir mensajes de este número. Responda AYUDA para ver la ayuda.',
    received: () => 'Recibimos su mensaje y le responderemos por SMS en unos instantes.',
    engineerAssigned: ({ engineerName, reference }) => `${engineerName} está trabajando en su incidente ${reference}.`,
    fromEngineer: ({ engineerName, reference, text }) => fitWithin(`${engineerName} (incidente ${reference}): `, text, ''),
    waitingOnCustomer: ({ reference, question }) =>
      fitWithin(`El incidente ${reference} espera su respuesta: `, question, ' El reloj queda en pausa hasta que responda.'),
    resolved: ({ reference, note }) => fitWithin(`Incidente ${reference} resuelto: `, note, ''),
    closedWithEvidence: ({ reference, evidence }) =>
      fitWithin(`Incidente ${reference} cerrado: la causa está en sus sistemas o en los de un tercero. Evidencia: `, evidence, ''),
  },
  engineer: {
    pageSms: (p) =>
      fitWithin(
        `${severityLabel(p.severity)} incidente ${p.reference} ${p.customerName} – ${p.integrationName}: `,
        clause(p.description, '(aún sin descripción)'),
        `.${codeOnlyNote(p)} Responda ACK ${p.reference} para tomarlo, ESC ${p.reference} para escalar`,
      ),
    pageVoice: (p) =>
      `Habla Standby. Incidente ${p.severity === 'blocker' ? 'bloqueante' : 'de prioridad alta'} ${spellDigits(p.reference)} de ${p.customerName}, ${p.integrationName}. ${truncate(p.description, 200)}${codeOnlyNote(p, true)} Marque 1 para tomarlo, 2 para escalar ahora.`,
    voiceAcknowledged: ({ reference }) => `Incidente ${spellDigits(reference)} tomado. Ya le avisamos al cliente. Hasta luego.`,
    voiceEscalated: ({ reference }) => `Incidente ${spellDigits(reference)} escalado al siguiente nivel. Hasta luego.`,
    ackConfirmed: ({ reference, customerName }) =>
      `Tomó el incidente ${reference} (${customerName}). Le avisamos al cliente. Escríbale con REPLY ${reference} <texto>.`,
    ackedByOther: ({ reference, engineerName }) => `${engineerName} tomó el incidente ${reference}. No hace falta que haga nada.`,
    escalated: ({ reference }) => `Incidente ${reference} escalado al siguiente nivel.`,
    fromCustomer: ({ reference, customerName, text }) =>
      fitWithin(`${customerName} (incidente ${reference}): `, text, ` Conteste con REPLY ${reference} <texto>.`),
    waitingOnCustomer: ({ reference }) => `El incidente ${reference} espera al cliente; el reloj queda en pausa hasta que responda.`,
    resolved: ({ reference }) => `Incidente ${reference} resuelto.`,
    evidenceSent: ({ reference, customerName }) => `Evidencia enviada a ${customerName}; incidente ${reference} cerrado.`,
    handoff: ({ rotationName, from, until }) => `Está de guardia en la rotación ${rotationName} desde ${dateTime(from)} hasta ${dateTime(until)}.`,
    escalationExhausted: (p) =>
      fitWithin(
        `Nadie tomó el incidente ${severityLabel(p.severity)} ${p.reference} ${p.customerName} – ${p.integrationName}: `,
        clause(p.description, '(aún sin descripción)'),
        `.${codeOnlyNote(p)} Responda ACK ${p.reference} para tomarlo.`,
      ),
    noOpenPage: () => 'No tiene alertas abiertas.',
    incidentNotFound: ({ reference }) => `No existe el incidente ${reference}.`,
    notAllowed: ({ reference }) => `No puede actuar sobre el incidente ${reference}: solo pueden los ingenieros alertados o de guardia, o quien lo tomó. Revise el número.`,
    voiceNotAllowed: ({ reference }) => `No puede actuar sobre el incidente ${spellDigits(reference)}. Hasta luego.`,
    reassignedToYou: ({ reference, customerName, integrationName }) => `El incidente ${reference} (${customerName}, ${integrationName}) ahora es suyo. Escríbale al cliente con REPLY ${reference} <texto>.`,
    reassignedAway: ({ reference, engineerName }) => `El incidente ${reference} fue reasignado a ${engineerName}. No hace falta que haga nada.`,
    customerCalledAgain: ({ reference, customerName, phone }) => `${customerName} volvió a llamar por el incidente ${reference}${phone ? ` desde ${phone}` : ''}. Escríbale con REPLY ${reference} <texto>.`,
    descriptionArrived: ({ reference, customerName, text }) => fitWithin(`Incidente ${reference} (${customerName}), el cliente dijo: `, text, ''),
    incidentClosed: ({ reference }) => `El incidente ${reference} ya está cerrado.`,
    alreadyAcknowledged: ({ reference, engineerName }) => `El incidente ${reference} ya fue tomado por ${engineerName}.`,
    notEscalating: ({ reference }) => `El incidente ${reference} ya no escala desde esa alerta.`,
    voiceChoose: () => 'Marque 1 para tomar el incidente, 2 para escalar ahora.',
    linkConfirm: ({ reference, customerName, integrationName }) => `¿Tomar el incidente ${reference} (${customerName}, ${integrationName})? Se le avisará al cliente que usted lo atiende.`,
    linkButton: () => 'Tomar incidente',
    linkExpired: () => 'Este enlace venció o no es válido. Responda por SMS ACK con el número de incidente.',
    severalOpenPages: ({ references }) =>
      `Tiene varias alertas abiertas: ${joinReferences(references)}. Responda ACK <número> o ESC <número>.`,
    missingReference: ({ example }) => `Incluya el número de incidente, p. ej. ${example}.`,
    missingText: ({ example }) => `Incluya el texto, p. ej. ${example}.`,
    unknownCommand: () => 'Disculpe, no entendimos. Envíe AYUDA para ver los comandos.',
    help: () =>
      'Comandos: ACK 123 tomar; ESC 123 escalar; REPLY 123 texto al cliente; WAIT 123 esperando al cliente; RESOLVE 123 nota; EVIDENCE 123 texto cierra con evidencia enviada al cliente. Con una sola alerta abierta: 1 tomar, 2 escalar.',
  },
};
