/**
 * The composition root for production: reads the environment, starts the role, and shuts down
 * gracefully on SIGTERM/SIGINT (Fly sends SIGINT by default, Docker SIGTERM).
 */
import { systemClock } from './clock.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startService } from './service.js';

async function main(): Promise<void> {
  let config;
  try {
    // `main.js worker` is the same as ROLE=worker: Fly process groups name their role this way.
    const roleArgument = process.argv[2];
    config = loadConfig(roleArgument ? { ...process.env, ROLE: roleArgument } : process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const service = await startService(config, { clock: systemClock, logger });
  logger.info({ role: config.ROLE, url: service.url }, 'standby started');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests and jobs');
    const timer = setTimeout(() => {
      logger.error('shutdown took longer than 25 s; exiting');
      process.exit(1);
    }, 25_000);
    timer.unref();
    await service.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
