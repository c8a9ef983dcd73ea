import type { FastifyPluginAsync } from 'fastify';
import type { Deps } from '../../app/deps.js';
import { apiTokenRoutes } from './api-tokens/api-tokens.js';
import { customerRoutes } from './customers/customers.js';
import { engineerRoutes } from './engineers/engineers.js';

/** Every admin API area, mounted under /api/v1 behind auth and the rate limit. */
export const adminApiRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  await app.register(customerRoutes(deps));
  await app.register(engineerRoutes(deps));
  await app.register(apiTokenRoutes(deps));
};
