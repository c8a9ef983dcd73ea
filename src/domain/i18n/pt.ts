import type { Catalogue, CalendarMoment, SupportHoursFacts, PageDetails } from './catalogue.js';
import { spellDigits } from './language.js';
import { clause, fitWithin, joinReferences, truncate } from './text.js';

const WEEKDAYS = ['segunda-feira', 'terça-feira', 'quarta-feira', 'quinta-feira', 'sexta-feira', 'sábado', 'domingo'] as const;
const MONTHS = ['janeiro', 'fevereiro', 'março', 'abril', 'maio', 'junho', 'julho', 'agosto', 'setembro', 'outubro', 'novembro', 'dezembro'] as const;

function weekday(m: CalendarMoment): string {
  return WEEKDAYS[m.weekday - 1] ?? '';
}

/** Weekdays are feminine ("na segunda-feira"), the weekend masculine ("no sábado"). */
function onWeekday(m: CalendarMoment): string {
  return `${m.weekday >= 6 ? 'no' : 'na'} ${weekday(m)}`;
}

/** "às 09:00", but "à 01:00". */
function at(time: string): string {
  return time.startsWith('01:') ? `à ${time}` : `às ${time}`;
}

function dateTime(m: CalendarMoment): string {
  return `${weekday(m)}, ${m.day} de ${MONTHS[m.month - 1] ?? ''}, ${at(m.time)}`;
}

function moment(m: CalendarMoment): string {
  switch (m.relation) {
    case 'today':
      return `hoje ${at(m.time)}`;
    case 'tomorrow':
      return `amanhã ${at(m.time)}`;
    case 'this_week':
      return `${onWeekday(m)} ${at(m.time)}`;
    case 'later':
      return `${onWeekday(m)}, ${m.day} de ${MONTHS[m.month - 1] ?? ''}, ${at(m.time)}`;
  }
}

function hoursSentence(h: SupportHoursFacts): string {
  return `O horário de atendimento é de segunda a sexta, das ${h.opensAt} às ${h.closesAt}, horário de ${h.zoneLabel}.`;
}

function openingSentence(h: SupportHoursFacts): string {
  return h.status.open ? `Agora está aberto, até as ${h.status.closesAt.time}.` : `Abre novamente ${moment(h.status.nextOpening)}.`;
}

const reasons: Catalogue['outOfScope']['reason'] = (reason) => {
  switch (reason) {
    case 'unknown_caller':
      return 'Não conseguimos identificá-lo como cliente com suporte 24x7 de Integrações.';
    case 'no_contract':
      return 'Não encontramos um contrato em nome da sua empresa.';
    case 'contract_without_24x7':
      return 'Seu contrato não inclui o suporte 24x7 de Integrações.';
    case 'contract_not_active':
      return 'Seu suporte 24x7 de Integrações não está vigente neste momento.';
    case 'severity_not_covered':
      return 'O serviço 24x7 atende apenas incidentes bloqueantes e de prioridade alta; os demais são atendidos em horário comercial.';
    case 'integration_selfservice':
      return 'O serviço 24x7 não cobre integrações feitas com o Integrations Selfservice.';
    case 'integration_not_listed':
      return 'O serviço 24x7 cobre apenas as integrações que desenvolvemos para a sua empresa.';
  }
};

const severityLabel: Catalogue['severity']['label'] = (s) => (s === 'blocker' ? 'BLOQUEANTE' : 'ALTA');

function menu(options: readonly { digit: number; name: string }[], notListedDigit: number): string {
  return [...options.map((o) => `${o.digit} ${o.name}`), `${notListedDigit} não está na lista`].join(', ');
}

/** The page's words about a reporter identified only by customer code ('' otherwise). */
const codeOnlyNote = (p: PageDetails, spoken = false): string => (p.codeOnlyCaller ? ` Identificado só pelo código de cliente, do ${p.codeOnlyCaller.phone ? (spoken ? spellDigits(p.codeOnlyCaller.phone) : p.codeOnlyCaller.phone) : 'número oculto'}.` : '');

export const pt: Catalogue = {
  calendar: {
    weekday: (w) => WEEKDAYS[w - 1] ?? '',
    moment,
    dateTime,
  },
  severity: { label: severityLabel },
  outOfScope: {
    reason: reasons,
    voice: ({ reason, hours }) =>
      `${reasons(reason)} Para receber ajuda, abra um chamado no ${hours.supportCenterName}. ${hoursSentence(hours)} ${openingSentence(hours)}`,
    sms: ({ reason, hours }) => {
      const when = hours.status.open ? `aberto até as ${hours.status.closesAt.time}` : `abre ${moment(hours.status.nextOpening)}`;
      return `${reasons(reason)} Abra um chamado no ${hours.supportCenterName} (seg a sex ${hours.opensAt}-${hours.closesAt}, horário de ${hours.zoneLabel}; ${when}).`;
    },
  },
  ivr: {
    welcome: ({ customerName }) =>
      customerName ? `Olá, ${customerName}. Esta é a linha de suporte 24x7 de Integrações.` : 'Bem-vindo à linha de suporte 24x7 de Integrações.',
    chooseLanguage: ({ digit }) => `Para português, digite ${digit}.`,
    enterCustomerCode: () => 'Digite seu código de cliente e depois a tecla jogo da velha.',
    identified: ({ customerName }) => `Obrigado, ${customerName}.`,
    customerCodeNotFound: () => 'Não encontramos esse código de cliente.',
    severityMenu: () => 'Se o incidente for bloqueante, digite 1. Se for de prioridade alta, digite 2. Para qualquer outra prioridade, digite 3.',
    integrationMenu: ({ options, notListedDigit }) =>
      `Qual integração está com falha? ${options.map((o) => `Para ${o.name}, digite ${o.digit}.`).join(' ')} Se não estiver na lista, digite ${notListedDigit}.`,
    incidentOpened: () => 'Abrimos o seu incidente e já estamos chamando o engenheiro de plantão.',
    repeatContact: ({ reference }) => `Adicionamos o seu relato ao incidente ${spellDigits(reference)}, que já estava aberto para esta integração.`,
    reportNoted: () => 'Obrigado. Registramos o seu relato para os engenheiros. Para novidades sobre os seus incidentes, ligue ou escreva de um telefone cadastrado.',
    recordDescription: () => 'Após o sinal, descreva brevemente o problema. Ao terminar, digite a tecla jogo da velha.',
    readBackReference: ({ reference }) => `O número do seu incidente é ${spellDigits(reference)}. Repetindo: ${spellDigits(reference)}.`,
    goodbye: () => 'Avisaremos assim que um engenheiro assumir o seu caso. Obrigado, até logo.',
    invalidInput: () => 'Opção inválida.',
    noInput: () => 'Não recebemos nenhuma resposta.',
    tooManyAttempts: () => 'Não conseguimos concluir a sua ligação. Ligue novamente ou envie uma mensagem de texto para este número. Até logo.',
    receivedDuringOutage: () => 'Estamos com um problema técnico e não conseguimos atender a sua ligação. Ela foi registrada. Envie uma mensagem de texto para este número descrevendo o problema, ou ligue novamente em alguns minutos. Até logo.',
  },
  sms: {
    askCustomerCode: () => 'Responda com o seu código de cliente.',
    customerCodeNotFound: () => 'Não encontramos esse código de cliente. Tente novamente.',
    askSeverity: ({ customerName }) => `${customerName}: qual a gravidade do incidente? Responda 1 Bloqueante, 2 Alta, 3 outra.`,
    askIntegration: ({ options, notListedDigit }) => `Qual integração está com falha? Responda ${menu(options, notListedDigit)}.`,
    ambiguousIntegration: ({ options, notListedDigit }) => `Qual destas integrações? Responda ${menu(options, notListedDigit)}.`,
    notUnderstood: () => 'Desculpe, não entendemos.',
    incidentOpened: ({ reference, severity, integrationName, askDescription }) =>
      `Incidente ${reference} aberto (${severityLabel(severity)}, ${integrationName}). Já estamos chamando o engenheiro de plantão.` +
      (askDescription ? ' Responda com uma breve descrição do problema.' : ''),
    repeatContact: ({ reference }) => `Adicionamos o seu relato ao incidente ${reference}, já aberto para esta integração.`,
    reportNoted: () => 'Obrigado, registramos o seu relato para os engenheiros. Para novidades sobre os seus incidentes, ligue ou escreva de um telefone cadastrado.',
    whichIncident: ({ references }) =>
      `Você tem os incidentes abertos ${joinReferences(references)}. Comece a mensagem com o número do incidente, ex. "${references[0] ?? 123} os pedidos continuam falhando".`,
    tooManyAttempts: () => 'Não conseguimos concluir o seu relato. Envie AJUDA para ver as instruções, ou ligue para este número.',
    receivedDuringOutage: () => 'Recebemos a sua mensagem. Estamos com um breve problema técnico: ela foi guardada e será processada em alguns minutos; se relatar um incidente coberto, o engenheiro de plantão será acionado.',
    help: () =>
      'Suporte 24x7 de Integrações para incidentes bloqueantes e de prioridade alta. Envie a gravidade, a integração e o que falha, ex. "BLOQUEANTE Salesforce sync fora do ar". Responda STOP para não receber mais mensagens.',
    stopConfirmation: () => 'Você não receberá mais mensagens deste número. Responda START para voltar a recebê-las.',
    startConfirmation: () => 'Você voltará a receber mensagens deste número. Responda AJUDA para ver a ajuda.',
    received: () => 'Recebemos sua mensagem e responderemos por SMS em instantes.',
    engineerAssigned: ({ engineerName, reference }) => `${engineerName} está trabalhando no seu incidente ${reference}.`,
    fromEngineer: ({ engineerName, reference, text }) => fitWithin(`${engineerName} (incidente ${reference}): `, text, ''),
    waitingOnCustomer: ({ reference, question }) =>
      fitWithin(`O incidente ${reference} aguarda a sua resposta: `, question, ' O relógio fica pausado até você responder.'),
    resolved: ({ reference, note }) => fitWithin(`Incidente ${reference} resolvido: `, note, ''),
    closedWithEvidence: ({ reference, evidence }) =>
      fitWithin(`Incidente ${reference} encerrado: a causa está nos seus sistemas ou nos de terceiros. Evidência: `, evidence, ''),
  },
  engineer: {
    pageSms: (p) =>
      fitWithin(
        `${severityLabel(p.severity)} incidente ${p.reference} ${p.customerName} – ${p.integrationName}: `,
        clause(p.description, '(ainda sem descrição)'),
        `.${codeOnlyNote(p)} Responda ACK ${p.reference} para assumir, ESC ${p.reference} para escalar`,
      ),
    pageVoice: (p) =>
      `Aqui é o Standby. Incidente ${p.severity === 'blocker' ? 'bloqueante' : 'de prioridade alta'} ${spellDigits(p.reference)} de ${p.customerName}, ${p.integrationName}. ${truncate(p.description, 200)}${codeOnlyNote(p, true)} Digite 1 para assumir, 2 para escalar agora.`,
    voiceAcknowledged: ({ reference }) => `Incidente ${spellDigits(reference)} assumido. O cliente já foi avisado. Até logo.`,
    voiceEscalated: ({ reference }) => `Incidente ${spellDigits(reference)} escalado para o próximo nível. Até logo.`,
    ackConfirmed: ({ reference, customerName }) =>
      `Você assumiu o incidente ${reference} (${customerName}). O cliente foi avisado. Escreva para ele com REPLY ${reference} <texto>.`,
    ackedByOther: ({ reference, engineerName }) => `${engineerName} assumiu o incidente ${reference}. Nenhuma ação necessária.`,
    escalated: ({ reference }) => `Incidente ${reference} escalado para o próximo nível.`,
    fromCustomer: ({ reference, customerName, text }) =>
      fitWithin(`${customerName} (incidente ${reference}): `, text, ` Responda com REPLY ${reference} <texto>.`),
    waitingOnCustomer: ({ reference }) => `O incidente ${reference} aguarda o cliente; o relógio fica pausado até ele responder.`,
    resolved: ({ reference }) => `Incidente ${reference} resolvido.`,
    evidenceSent: ({ reference, customerName }) => `Evidência enviada para ${customerName}; incidente ${reference} encerrado.`,
    handoff: ({ rotationName, from, until }) => `Você está de plantão na rotação ${rotationName} de ${dateTime(from)} até ${dateTime(until)}.`,
    escalationExhausted: (p) =>
      fitWithin(
        `Ninguém assumiu o incidente ${severityLabel(p.severity)} ${p.reference} ${p.customerName} – ${p.integrationName}: `,
        clause(p.description, '(ainda sem descrição)'),
        `.${codeOnlyNote(p)} Responda ACK ${p.reference} para assumir.`,
      ),
    noOpenPage: () => 'Você não tem chamados abertos.',
    incidentNotFound: ({ reference }) => `Não existe o incidente ${reference}.`,
    notAllowed: ({ reference }) => `Você não pode agir sobre o incidente ${reference}: só podem os engenheiros alertados ou de plantão, ou quem o assumiu. Confira o número.`,
    voiceNotAllowed: ({ reference }) => `Você não pode agir sobre o incidente ${spellDigits(reference)}. Até logo.`,
    reassignedToYou: ({ reference, customerName, integrationName }) => `O incidente ${reference} (${customerName}, ${integrationName}) agora é seu. Escreva ao cliente com REPLY ${reference} <texto>.`,
    reassignedAway: ({ reference, engineerName }) => `O incidente ${reference} foi reatribuído a ${engineerName}. Nenhuma ação necessária.`,
    customerCalledAgain: ({ reference, customerName, phone }) => `${customerName} ligou de novo sobre o incidente ${reference}${phone ? ` do ${phone}` : ''}. Escreva com REPLY ${reference} <texto>.`,
    descriptionArrived: ({ reference, customerName, text }) => fitWithin(`Incidente ${reference} (${customerName}), o cliente disse: `, text, ''),
    incidentClosed: ({ reference }) => `O incidente ${reference} já está fechado.`,
    alreadyAcknowledged: ({ reference, engineerName }) => `O incidente ${reference} já foi assumido por ${engineerName}.`,
    notEscalating: ({ reference }) => `O incidente ${reference} não está mais escalando a partir desse alerta.`,
    voiceChoose: () => 'Digite 1 para assumir, 2 para escalar agora.',
    linkConfirm: ({ reference, customerName, integrationName }) => `Assumir o incidente ${reference} (${customerName}, ${integrationName})? O cliente será avisado de que você está cuidando dele.`,
    linkButton: () => 'Assumir',
    linkExpired: () => 'Este link expirou ou não é válido. Responda por SMS ACK com o número do incidente.',
    severalOpenPages: ({ references }) =>
      `Você tem vários chamados abertos: ${joinReferences(references)}. Responda ACK <número> ou ESC <número>.`,
    missingReference: ({ example }) => `Inclua o número do incidente, ex. ${example}.`,
    missingText: ({ example }) => `Inclua o texto, ex. ${example}.`,
    unknownCommand: () => 'Desculpe, não entendemos. Envie AJUDA para ver os comandos.',
    help: () =>
      'Comandos: ACK 123 assumir; ESC 123 escalar; REPLY 123 texto para o cliente; WAIT 123 aguardando o cliente; RESOLVE 123 nota; EVIDENCE 123 texto encerra com evidência enviada ao cliente. Com um só chamado aberto: 1 assumir, 2 escalar.',
  },
};
