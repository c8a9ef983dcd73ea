import type { FastifyPluginAsync } from 'fastify';
import type { Deps } from '../../app/deps.js';
import { incidentRoutes } from './incidents/incidents.js';
import { reportRoutes } from './reports/reports.js';
import { apiTokenRoutes } from './api-tokens/api-tokens.js';
import { auditLogRoutes } from './audit-log/audit-log.js';
import { contactRoutes } from './contacts/contacts.js';
import { contactsLogRoutes } from './contacts-log/contacts-log.js';
import { contractRoutes } from './contracts/contracts.js';
import { customerRoutes } from './customers/customers.js';
import { engineerRoutes } from './engineers/engineers.js';
import { escalationPolicyRoutes } from './escalation-policies/escalation-policies.js';
import { integrationRoutes } from './integrations/integrations.js';
import { rotationRoutes } from './rotations/rotations.js';
import { standbyNumberRoutes } from './standby-numbers/standby-numbers.js';

/** Every admin API area, mounted under /api/v1 behind auth and the rate limit. */
export const adminApiRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  await app.register(customerRoutes(deps));
  await app.register(contractRoutes(deps));
  await app.register(integrationRoutes(deps));
  await app.register(contactRoutes(deps));
  await app.register(standbyNumberRoutes(deps));
  await app.register(engineerRoutes(deps));
  await app.register(rotationRoutes(deps));
  await app.register(escalationPolicyRoutes(deps));
  await app.register(contactsLogRoutes(deps));
  await app.register(apiTokenRoutes(deps));
  await app.register(auditLogRoutes(deps));
  await app.register(incidentRoutes(deps));
  await app.register(reportRoutes(deps));
};
