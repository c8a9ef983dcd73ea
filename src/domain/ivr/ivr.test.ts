import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CustomerFile, Integration } from '../eligibility/contract.js';
import {
  ACME,
  ACME_DEDICATED_NUMBER,
  AIVO_SUPPORT_CENTER,
  BETA,
  DEMO_NOW,
  GAMMA,
  SHARED_NUMBER,
  customerByCode,
  customerByPhone,
  ownerOfNumber,
  withOpenIncident,
} from '../eligibility/demo.fixture.js';
import { ivrCustomerLookups, recordIncidentReference, stepIvr, type IvrContext, type IvrInput, type IvrState, type IvrStep } from './ivr.js';

/**
 * A phone calling a standby number. The state travels as JSON between steps, as it does in the
 * TwiML action URL; the customers are loaded as the edge would load them.
 */
class Call {
  state: IvrState | null = null;
  now = DEMO_NOW;
  last: IvrStep | null = null;
  constructor(
    readonly from: string,
    readonly to: string,
    readonly files: Map<number, CustomerFile> = new Map(),
  ) {}

  private fresh(file: CustomerFile | null): CustomerFile | null {
    return file ? (this.files.get(file.customer.id) ?? file) : null;
  }

  private step(input: IvrInput): IvrStep {
    const lookups = ivrCustomerLookups(this.state, input);
    const ctx: IvrContext = {
      now: this.now,
      supportCenter: AIVO_SUPPORT_CENTER,
      dialledNumberOwner: this.fresh(ownerOfNumber(this.to)),
      callerIdOwner: this.fresh(customerByPhone(this.from)),
      typedCodeOwner: this.fresh(customerByCode(lookups.code)),
      identified: this.fresh([ACME, BETA, GAMMA].find((f) => f.customer.id === lookups.customerId) ?? null),
    };
    const step = stepIvr(this.state, input, ctx);
    this.state = JSON.parse(JSON.stringify(step.state)) as IvrState;
    this.last = step;
    return step;
  }

  dial(): IvrStep {
    return this.step({ kind: 'start' });
  }
  press(digits: string): IvrStep {
    this.now = new Date(this.now.getTime() + 10_000);
    return this.step({ kind: 'digits', digits });
  }
  silence(): IvrStep {
    this.now = new Date(this.now.getTime() + 6_000);
    return this.step({ kind: 'no_input' });
  }
  /** The edge ran `open_incident` and the incident got its number. */
  incidentOpened(reference: number): void {
    if (this.state) this.state = recordIncidentReference(this.state, reference);
  }
  recordingEnds(): IvrStep {
    this.now = new Date(this.now.getTime() + 40_000);
    return this.step({ kind: 'recorded' });
  }
}

function spoken(step: IvrStep): string {
  return step.say.map((p) => p.text).join(' ');
}

const acmeCaller = () => new Call('+54 9 11 5000-0101', SHARED_NUMBER);

describe('identifying the caller', () => {
  it("a caller from Acme's registered phone is asked for severity in Spanish", () => {
    const step = acmeCaller().dial();
    expect(step.say).toEqual([
      { language: 'es', text: 'Hola, Acme Retail. Esta es la línea de soporte 24x7 de Integraciones.' },
      { language: 'es', text: 'Si el incidente es bloqueante, marque 1. Si es de prioridad alta, marque 2. Para cualquier otra prioridad, marque 3.' },
    ]);
    expect(step.gather).toEqual({ numDigits: 1, timeoutSeconds: 6, finishOnKey: '' });
    expect(step.effects).toEqual([{ type: 'caller_identified', customerId: 1, by: 'caller_id' }]);
  });

  it("anyone calling Acme's dedicated number is taken for Acme", () => {
    const step = new Call('+14155550000', ACME_DEDICATED_NUMBER).dial();
    expect(step.state).toMatchObject({ step: 'severity', customerId: 1, language: 'es' });
    expect(step.effects).toEqual([{ type: 'caller_identified', customerId: 1, by: 'dialled_number' }]);
  });

  it('an unknown caller chooses a language first, each option spoken in its own language', () => {
    const step = new Call('+5491177777777', SHARED_NUMBER).dial();
    expect(step.say).toEqual([
      { language: 'es', text: 'Para español, marque 1.' },
      { language: 'en', text: 'For English, press 2.' },
      { language: 'pt', text: 'Para português, digite 3.' },
    ]);
    expect(step.gather?.numDigits).toBe(1);
  });

  it('an unknown caller who picks English and types code 1001# is Acme, and continues in English', () => {
    const call = new Call('+5491177777777', SHARED_NUMBER);
    call.dial();
    const code = call.press('2');
    expect(spoken(code)).toBe('Welcome to the 24x7 Integrations support line. Please enter your customer code, followed by the pound key.');
    expect(code.gather).toEqual({ numDigits: null, timeoutSeconds: 10, finishOnKey: '#' });
    const severity = call.press('1001#');
    expect(spoken(severity)).toBe('Thank you, Acme Retail. If the incident is a Blocker, press 1. If it is High, press 2. For any other priority, press 3.');
    expect(severity.say.every((p) => p.language === 'en')).toBe(true);
    expect(severity.effects).toEqual([{ type: 'caller_identified', customerId: 1, by: 'customer_code' }]);
  });

  it('three wrong customer codes end the call with the unknown-caller answer, logged', () => {
    const call = new Call('+5491177777777', SHARED_NUMBER);
    call.dial();
    call.press('1');
    expect(spoken(call.press('9999'))).toBe('No encontramos ese código de cliente. Ingrese su código de cliente y luego la tecla numeral.');
    call.press('8888');
    const last = call.press('7777');
    expect(spoken(last)).toMatch(/^No encontramos ese código de cliente\. No pudimos identificarlo como cliente con soporte 24x7 de Integraciones\. Para recibir ayuda, abra un ticket en Aivo Support Center\./);
    expect(last.hangup).toBe(true);
    expect(last.effects).toMatchObject([{ type: 'log_out_of_scope', reason: 'unknown_caller', customerId: null, channel: 'voice' }]);
  });
});

describe('customers who are not covered are told at once', () => {
  it('Beta Logistics hears in English that its contract has no 24x7 support, how to open a ticket, the hours and the next opening, and the call ends', () => {
    const step = new Call('+5491150000111', SHARED_NUMBER).dial();
    expect(spoken(step)).toBe(
      'Hello Beta Logistics. This is the 24x7 Integrations support line. Your contract does not include 24x7 Integrations support. ' +
        'To get help, please open a ticket at Aivo Support Center. Working hours are Monday to Friday from 09:00 to 18:00, Buenos Aires time. It opens again tomorrow at 09:00.',
    );
    expect(step.hangup).toBe(true);
    expect(step.gather).toBeUndefined();
    expect(step.effects).toMatchObject([
      { type: 'caller_identified', customerId: 2 },
      { type: 'log_out_of_scope', reason: 'contract_without_24x7', customerId: 2, severity: null, firstContactAt: DEMO_NOW },
    ]);
  });

  it('Gamma Pagamentos hears in Portuguese that its 24x7 support is not active', () => {
    const step = new Call('+5511955550100', SHARED_NUMBER).dial();
    expect(step.say.every((p) => p.language === 'pt')).toBe(true);
    expect(spoken(step)).toContain('Seu suporte 24x7 de Integrações não está vigente neste momento. Para receber ajuda, abra um chamado no Aivo Support Center.');
    expect(step.hangup).toBe(true);
  });

  it('"3, other priority" is told only Blocker and High are covered', () => {
    const call = acmeCaller();
    call.dial();
    const step = call.press('3');
    expect(spoken(step)).toMatch(/^El servicio 24x7 atiende solo incidentes bloqueantes y de prioridad alta/);
    expect(step.hangup).toBe(true);
    expect(step.effects).toMatchObject([{ type: 'log_out_of_scope', reason: 'severity_not_covered', severity: 'other', customerId: 1 }]);
  });

  it('the Zendesk widget (self-service) is not covered', () => {
    const call = acmeCaller();
    call.dial();
    call.press('2');
    const step = call.press('3');
    expect(spoken(step)).toMatch(/^El servicio 24x7 no cubre las integraciones hechas con Integrations Selfservice/);
    expect(step.effects).toMatchObject([{ type: 'log_out_of_scope', reason: 'integration_selfservice', severity: 'high', integrationId: 103 }]);
  });

  it('9, "not listed", is told only the integrations built for them are covered', () => {
    const call = acmeCaller();
    call.dial();
    call.press('1');
    expect(call.press('9').effects).toMatchObject([{ type: 'log_out_of_scope', reason: 'integration_not_listed', integrationId: null }]);
  });
});

describe('an eligible call', () => {
  it('Acme reporting a Blocker on Salesforce sync: paging starts before the recording, then the reference is read back digit by digit', () => {
    const call = acmeCaller();
    call.dial();
    const menu = call.press('1');
    expect(spoken(menu)).toBe(
      '¿Qué integración está fallando? Para Salesforce sync, marque 1. Para SAP orders, marque 2. Para Zendesk widget, marque 3. Si no está en la lista, marque 9.',
    );
    const decided = call.press('1');
    expect(decided.effects).toEqual([
      {
        type: 'open_incident',
        channel: 'voice',
        customerId: 1,
        contractId: 11,
        severity: 'blocker',
        integrationId: 101,
        integrationName: 'Salesforce sync',
        description: '',
        language: 'es',
        firstContactAt: DEMO_NOW,
        identifiedBy: 'caller_id',
      },
    ]);
    expect(spoken(decided)).toBe(
      'Abrimos su incidente y ya estamos avisando al ingeniero de guardia. Después del tono, describa brevemente el problema. Al terminar, presione la tecla numeral.',
    );
    expect(decided.record).toEqual({ maxLengthSeconds: 120, timeoutSeconds: 5, finishOnKey: '#', playBeep: true, transcribe: true });
    expect(decided.gather).toBeUndefined();

    call.incidentOpened(123);
    const end = call.recordingEnds();
    expect(spoken(end)).toBe('Su número de incidente es 1, 2, 3. Repito: 1, 2, 3. Le avisaremos apenas un ingeniero tome su caso. Gracias, hasta luego.');
    expect(end.hangup).toBe(true);
    expect(end.state.step).toBe('ended');
  });

  it('the SLA counts from the moment the call arrived, not from the last key press', () => {
    const call = acmeCaller();
    call.dial();
    call.silence();
    call.press('2');
    const step = call.press('2');
    expect(step.effects).toMatchObject([{ type: 'open_incident', severity: 'high', integrationId: 102, firstContactAt: DEMO_NOW }]);
  });

  it('a repeat call about an integration with an open incident adds to it and says so, then reads its number back', () => {
    const call = new Call('+5491150000102', SHARED_NUMBER, new Map([[1, withOpenIncident(ACME, 123, 101)]]));
    call.dial();
    call.press('1');
    const step = call.press('1');
    expect(step.effects).toEqual([{ type: 'append_to_incident', channel: 'voice', customerId: 1, reference: 123, text: '', repeatContact: true, severity: 'blocker' }]);
    expect(spoken(step)).toMatch(/^Agregamos su reporte al incidente 1, 2, 3, que ya estaba abierto para esta integración\./);
    expect(spoken(call.recordingEnds())).toMatch(/^Su número de incidente es 1, 2, 3\./);
  });

  it('a caller who hangs up without recording still gets the reference if the call goes on', () => {
    const call = acmeCaller();
    call.dial();
    call.press('1');
    call.press('2');
    call.incidentOpened(77);
    expect(spoken(call.silence())).toMatch(/^Su número de incidente es 7, 7\./);
  });
});

describe('a caller identified only by the customer code', () => {
  const stranger = (files: Map<number, CustomerFile> = new Map()) => new Call('+5491177777777', SHARED_NUMBER, files);
  const reachIntegrationMenu = (call: Call) => {
    call.dial();
    call.press('1'); // español
    call.press('1001#');
    call.press('1'); // Blocker
  };

  it('may open an incident, which is marked as reported by code only', () => {
    const call = stranger();
    reachIntegrationMenu(call);
    expect(call.press('1').effects).toMatchObject([{ type: 'open_incident', integrationId: 101, identifiedBy: 'customer_code' }]);
  });

  it('reporting an integration with an open incident hears nothing about it: noted there, and the call ends', () => {
    const call = stranger(new Map([[1, withOpenIncident(ACME, 123, 101)]]));
    reachIntegrationMenu(call);
    const step = call.press('1');
    expect(step.effects).toEqual([{ type: 'note_on_open_incident', channel: 'voice', customerId: 1, reference: 123, severity: 'blocker', text: '' }]);
    expect(spoken(step)).toBe('Gracias. Registramos su reporte para los ingenieros. Para novedades sobre sus incidentes, llame o escriba desde un teléfono registrado.');
    expect(step.hangup).toBe(true);
    expect(step.record).toBeUndefined();
  });
});

describe('wrong keys and silence', () => {
  it('a wrong key is told so and asked again', () => {
    const call = acmeCaller();
    call.dial();
    const step = call.press('7');
    expect(spoken(step)).toBe('La opción no es válida. Si el incidente es bloqueante, marque 1. Si es de prioridad alta, marque 2. Para cualquier otra prioridad, marque 3.');
    expect(step.state).toMatchObject({ step: 'severity', attempts: 1 });
  });

  it('silence, or an empty Digits, is "no answer" and asked again', () => {
    const call = acmeCaller();
    call.dial();
    expect(spoken(call.silence())).toMatch(/^No recibimos ninguna respuesta\. Si el incidente es bloqueante/);
    expect(spoken(call.press(''))).toMatch(/^No recibimos ninguna respuesta\./);
  });

  it('the third failed answer ends the call politely, and the attempt is recorded', () => {
    const call = acmeCaller();
    call.dial();
    call.press('1');
    call.silence();
    call.press('8');
    const last = call.silence();
    expect(spoken(last)).toBe('No pudimos completar su llamada. Puede volver a llamar o enviarnos un mensaje de texto a este número. Hasta luego.');
    expect(last.hangup).toBe(true);
    expect(last.effects).toEqual([{ type: 'intake_abandoned', step: 'integration', customerId: 1 }]);
  });

  it('an unknown caller who never picks a language is said goodbye to in all three', () => {
    const call = new Call('+5491177777777', SHARED_NUMBER);
    call.dial();
    call.silence();
    call.silence();
    const last = call.silence();
    expect(last.say.map((p) => p.language)).toEqual(['es', 'en', 'pt']);
    expect(last.hangup).toBe(true);
  });

  it('an ended call stays ended', () => {
    const call = new Call('+5491150000111', SHARED_NUMBER);
    call.dial();
    expect(call.press('1')).toMatchObject({ say: [], hangup: true, effects: [] });
  });
});

describe('the integration menu on the phone', () => {
  it('offers at most eight integrations, vendor-built first, and 9 for the rest', () => {
    const many: Integration[] = Array.from({ length: 11 }, (_, n) => ({ id: 500 + n, name: `Flow ${String.fromCharCode(65 + n)}`, builtBy: n % 2 === 0 ? 'vendor' : 'selfservice' }));
    const call = acmeCaller();
    call.files.set(1, { ...ACME, integrations: many });
    call.dial();
    const menu = call.press('1');
    expect(menu.state).toMatchObject({ step: 'integration', menu: [500, 502, 504, 506, 508, 510, 501, 503] });
    expect(spoken(menu)).toContain('Para Flow K, marque 6. Para Flow B, marque 7. Para Flow D, marque 8. Si no está en la lista, marque 9.');
    expect(call.press('6').effects).toMatchObject([{ type: 'open_incident', integrationId: 510 }]);
  });
});

describe('the state machine as a whole', () => {
  it('tells the edge which customers to load', () => {
    const call = new Call('+5491177777777', SHARED_NUMBER);
    call.dial();
    call.press('1');
    expect(ivrCustomerLookups(call.state, { kind: 'digits', digits: '1001#' })).toEqual({ customerId: null, code: '1001' });
    call.press('1001#');
    expect(ivrCustomerLookups(call.state, { kind: 'digits', digits: '1' })).toEqual({ customerId: 1, code: null });
  });

  it('whatever is pressed, every answer either asks, records or hangs up, the state survives JSON, and the call ends within a bounded number of steps', () => {
    const inputs = fc.oneof(
      fc.constant<IvrInput>({ kind: 'no_input' }),
      fc.constant<IvrInput>({ kind: 'recorded' }),
      fc.stringMatching(/^[0-9#*]{0,5}$/).map((digits): IvrInput => ({ kind: 'digits', digits })),
    );
    fc.assert(
      fc.property(fc.constantFrom('+5491150000101', '+5491150000111', '+5511955550100', '+5491177777777'), fc.array(inputs, { maxLength: 20 }), (from, presses) => {
        const call = new Call(from, SHARED_NUMBER);
        let step = call.dial();
        let steps = 0;
        for (const input of presses) {
          if (step.hangup) break;
          step = input.kind === 'digits' ? call.press(input.digits) : input.kind === 'no_input' ? call.silence() : call.recordingEnds();
          steps++;
          const ways = [step.gather, step.record, step.hangup].filter(Boolean).length;
          expect(ways).toBe(1);
          expect(step.hangup === true).toBe(step.state.step === 'ended');
          expect(JSON.parse(JSON.stringify(step.state))).toEqual(step.state);
          expect(step.say.every((p) => p.text.trim() !== '')).toBe(true);
        }
        expect(steps).toBeLessThanOrEqual(13);
      }),
    );
  });
});
