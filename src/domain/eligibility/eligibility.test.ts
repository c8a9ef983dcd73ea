import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Contract, Customer, Integration, OutOfScopeReason, ReportedSeverity } from './contract.js';
import { ACME, ACME_CONTRACT, BETA, DEMO_NOW, GAMMA, withOpenIncident } from './demo.fixture.js';
import { checkCustomerCoverage, decideEligibility, isContractActiveAt, type IntegrationChoice } from './eligibility.js';
import { decideIntake } from './intake.js';
import { integrationMenu } from './integration-menu.js';

const AT = new Date('2025-06-10T12:00:00Z');
const DAY = 86_400_000;
const sla = ACME_CONTRACT.sla;
const customer: Customer = { id: 1, code: '1001', name: 'Acme Retail', language: 'es' };

function contract(id: number, integrations24x7: boolean, window: 'active' | 'expired' | 'future'): Contract {
  switch (window) {
    case 'active':
      return { id, integrations24x7, validFrom: new Date(AT.getTime() - 30 * DAY), validUntil: null, sla };
    case 'expired':
      return { id, integrations24x7, validFrom: new Date(AT.getTime() - 400 * DAY), validUntil: new Date(AT.getTime() - 30 * DAY), sla };
    case 'future':
      return { id, integrations24x7, validFrom: new Date(AT.getTime() + DAY), validUntil: null, sla };
  }
}

/** Each contract situation, and what the early coverage check must say about it. */
const SITUATIONS: ReadonlyArray<{ name: string; contracts: Contract[]; coverage: OutOfScopeReason | 'ok' }> = [
  { name: 'no contracts', contracts: [], coverage: 'no_contract' },
  { name: 'an active contract without 24x7', contracts: [contract(1, false, 'active')], coverage: 'contract_without_24x7' },
  { name: 'an expired contract without 24x7', contracts: [contract(1, false, 'expired')], coverage: 'contract_without_24x7' },
  { name: 'an expired 24x7 contract', contracts: [contract(1, true, 'expired')], coverage: 'contract_not_active' },
  { name: 'a 24x7 contract not started yet', contracts: [contract(1, true, 'future')], coverage: 'contract_not_active' },
  { name: 'an active plain contract and an expired 24x7 one', contracts: [contract(1, false, 'active'), contract(2, true, 'expired')], coverage: 'contract_not_active' },
  { name: 'an active 24x7 contract', contracts: [contract(1, true, 'active')], coverage: 'ok' },
  { name: 'an active plain contract and an active 24x7 one', contracts: [contract(1, false, 'active'), contract(2, true, 'active')], coverage: 'ok' },
];
const SEVERITIES: readonly ReportedSeverity[] = ['blocker', 'high', 'medium', 'low', 'other'];
const vendor: Integration = { id: 101, name: 'Salesforce sync', builtBy: 'vendor' };
const selfservice: Integration = { id: 103, name: 'Zendesk widget', builtBy: 'selfservice' };
const CHOICES: ReadonlyArray<{ name: string; choice: IntegrationChoice; reason: OutOfScopeReason | 'ok' }> = [
  { name: 'a vendor-built integration', choice: { kind: 'listed', integration: vendor }, reason: 'ok' },
  { name: 'a self-service integration', choice: { kind: 'listed', integration: selfservice }, reason: 'integration_selfservice' },
  { name: 'an integration not listed', choice: { kind: 'not_listed' }, reason: 'integration_not_listed' },
];

/** The truth table, written out as the precedence caller → contract → active → severity → integration. */
const ROWS = [true, false].flatMap((known) =>
  SITUATIONS.flatMap((situation) =>
    SEVERITIES.flatMap((severity) =>
      CHOICES.map((choice) => {
        const expected: OutOfScopeReason | 'eligible' = !known
          ? 'unknown_caller'
          : situation.coverage !== 'ok'
            ? situation.coverage
            : severity !== 'blocker' && severity !== 'high'
              ? 'severity_not_covered'
              : choice.reason !== 'ok'
                ? choice.reason
                : 'eligible';
        return {
          title: `${known ? 'a known customer' : 'an unknown caller'} with ${situation.name}, severity ${severity}, ${choice.name} → ${expected}`,
          known,
          situation,
          severity,
          choice,
          expected,
        };
      }),
    ),
  ),
);

describe('decideEligibility, every combination', () => {
  it('enumerates 2 callers × 8 contract situations × 5 severities × 3 integration choices', () => {
    expect(ROWS).toHaveLength(2 * 8 * 5 * 3);
  });

  it.each(ROWS)('$title', ({ known, situation, severity, choice, expected }) => {
    const result = decideEligibility({ customer: known ? customer : null, contracts: situation.contracts, at: AT, severity, integration: choice.choice });
    if (expected === 'eligible') {
      expect(result).toMatchObject({ eligible: true, severity, integration: vendor });
      if (result.eligible) expect(result.contract.integrations24x7).toBe(true);
    } else {
      expect(result).toEqual({ eligible: false, reason: expected });
    }
  });

  it.each(ROWS.filter((r) => r.severity === 'blocker' && r.choice.reason === 'ok'))(
    'the early check agrees with the full decision: $title',
    ({ known, situation, expected }) => {
      const coverage = checkCustomerCoverage(known ? customer : null, situation.contracts, AT);
      expect(coverage.ok ? 'eligible' : coverage.reason).toBe(expected);
    },
  );
});

describe('the demo customers', () => {
  it('Acme reporting a Blocker on Salesforce sync is covered, with its 15-minute first response target', () => {
    const result = decideEligibility({ customer: ACME.customer, contracts: ACME.contracts, at: DEMO_NOW, severity: 'blocker', integration: { kind: 'listed', integration: vendor } });
    expect(result).toMatchObject({ eligible: true, contract: { id: 11 } });
    if (result.eligible) expect(result.contract.sla.blocker.firstResponseMinutes).toBe(15);
  });

  it('Acme reporting the Zendesk widget is told self-service integrations are not covered', () => {
    const zendesk = ACME.integrations.find((i) => i.name === 'Zendesk widget');
    if (!zendesk) throw new Error('fixture');
    expect(decideEligibility({ customer: ACME.customer, contracts: ACME.contracts, at: DEMO_NOW, severity: 'high', integration: { kind: 'listed', integration: zendesk } })).toEqual({
      eligible: false,
      reason: 'integration_selfservice',
    });
  });

  it('Beta Logistics is told its contract has no 24x7 Integrations support', () => {
    expect(checkCustomerCoverage(BETA.customer, BETA.contracts, DEMO_NOW)).toEqual({ ok: false, reason: 'contract_without_24x7' });
  });

  it('Gamma Pagamentos, whose 24x7 contract expired last month, is told it is not active', () => {
    expect(checkCustomerCoverage(GAMMA.customer, GAMMA.contracts, DEMO_NOW)).toEqual({ ok: false, reason: 'contract_not_active' });
  });
});

describe('contract validity', () => {
  const c: Contract = { id: 1, integrations24x7: true, validFrom: new Date('2025-01-01T00:00:00Z'), validUntil: new Date('2025-07-01T00:00:00Z'), sla };

  it('a contract is in force from its first instant', () => {
    expect(isContractActiveAt(c, new Date('2025-01-01T00:00:00Z'))).toBe(true);
    expect(isContractActiveAt(c, new Date('2024-12-31T23:59:59.999Z'))).toBe(false);
  });

  it('a contract is no longer in force at its end instant', () => {
    expect(isContractActiveAt(c, new Date('2025-06-30T23:59:59.999Z'))).toBe(true);
    expect(isContractActiveAt(c, new Date('2025-07-01T00:00:00Z'))).toBe(false);
  });

  it('when several contracts are in force, the 24x7 one is used, whatever their order', () => {
    const plain = contract(1, false, 'active');
    const full = contract(2, true, 'active');
    expect(checkCustomerCoverage(customer, [plain, full], AT)).toEqual({ ok: true, contract: full });
    expect(checkCustomerCoverage(customer, [full, plain], AT)).toEqual({ ok: true, contract: full });
  });

  it('among several 24x7 contracts in force, the most recently started one is used, whatever their order', () => {
    const older = { ...contract(1, true, 'active'), validFrom: new Date(AT.getTime() - 300 * DAY) };
    const renewed = { ...contract(2, true, 'active'), validFrom: new Date(AT.getTime() - 10 * DAY) };
    fc.assert(
      fc.property(fc.shuffledSubarray([older, renewed, contract(3, false, 'active'), contract(4, true, 'expired')], { minLength: 4, maxLength: 4 }), (contracts) => {
        expect(checkCustomerCoverage(customer, contracts, AT)).toEqual({ ok: true, contract: renewed });
      }),
    );
  });
});

describe('eligibility as a property', () => {
  const arbContract = fc.record({
    id: fc.integer({ min: 1, max: 1000 }),
    integrations24x7: fc.boolean(),
    validFrom: fc.date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2026-01-01T00:00:00Z'), noInvalidDate: true }),
    length: fc.option(fc.integer({ min: 1, max: 800 * DAY }), { nil: null }),
  }).map(({ length, ...c }): Contract => ({ ...c, validUntil: length === null ? null : new Date(c.validFrom.getTime() + length), sla }));

  it('a contact is eligible exactly when a 24x7 contract is in force, the severity is Blocker or High and the integration is vendor-built', () => {
    fc.assert(
      fc.property(
        fc.array(arbContract, { maxLength: 4 }),
        fc.date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2027-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.constantFrom(...SEVERITIES),
        fc.constantFrom(...CHOICES),
        (contracts, at, severity, choice) => {
          const result = decideEligibility({ customer, contracts, at, severity, integration: choice.choice });
          const covered = contracts.some((c) => c.integrations24x7 && isContractActiveAt(c, at));
          expect(result.eligible).toBe(covered && (severity === 'blocker' || severity === 'high') && choice.reason === 'ok');
          if (result.eligible) expect(isContractActiveAt(result.contract, at) && result.contract.integrations24x7).toBe(true);
        },
      ),
    );
  });
});

describe('repeat contacts', () => {
  const salesforce = { kind: 'listed', integration: vendor } as const;

  it('a new report about an integration with an open incident is added to that incident', () => {
    expect(decideIntake(withOpenIncident(ACME, 123, 101), DEMO_NOW, 'blocker', salesforce)).toMatchObject({ outcome: 'append_to_incident', reference: 123 });
  });

  it('an open incident on another integration does not capture the report', () => {
    expect(decideIntake(withOpenIncident(ACME, 123, 102), DEMO_NOW, 'high', salesforce)).toMatchObject({ outcome: 'open_incident', contract: { id: 11 } });
  });

  it('an out-of-scope report is not added to an open incident', () => {
    expect(decideIntake(withOpenIncident(ACME, 123, 101), DEMO_NOW, 'low', salesforce)).toEqual({ outcome: 'out_of_scope', reason: 'severity_not_covered' });
  });
});

describe('integration menu', () => {
  it('lists Acme integrations vendor-built first, by name', () => {
    expect(integrationMenu(ACME.integrations).map((i) => i.name)).toEqual(['Salesforce sync', 'SAP orders', 'Zendesk widget']);
  });

  it('offers at most eight, keeping vendor-built ones ahead of self-service ones', () => {
    const many: Integration[] = Array.from({ length: 10 }, (_, n) => ({ id: n + 1, name: `Flow ${String.fromCharCode(65 + n)}`, builtBy: n < 3 ? 'selfservice' : 'vendor' }));
    const menu = integrationMenu(many);
    expect(menu).toHaveLength(8);
    expect(menu.slice(0, 7).every((i) => i.builtBy === 'vendor')).toBe(true);
    expect(menu[7]?.builtBy).toBe('selfservice');
  });
});
