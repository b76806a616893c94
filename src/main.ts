/**
 * The bot process: reads env and config (failing fast and naming the bad key), starts the app,
 * and on SIGTERM/SIGINT stops taking work, finishes what is in flight and closes the database.
 */
import { startApp } from './app.js';
import { loadEnv } from './config/env.js';
import { isConfigError } from './config/errors.js';
import { loadPimConfig } from './config/pim-config.js';
import { DatabaseBusyError } from './db/pglite-lock.js';
import { createLogger } from './logger.js';
import { keepServingOnUnhandledRejection } from './process-handlers.js';

async function main(): Promise<void> {
  let env;
  let config;
  try {
    env = loadEnv(process.env);
    const explicit = process.env.PIM_CONFIG !== undefined && process.env.PIM_CONFIG !== '';
    config = await loadPimConfig(env.pimConfig, undefined, { demoWhenMissing: !explicit || env.devMode });
  } catch (e) {
    if (isConfigError(e)) {
      process.stderr.write(`pimbot cannot start: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const logger = createLogger(env.logLevel);
  keepServingOnUnhandledRejection(process, logger);
  if (config.isDemo) logger.warn({ path: env.pimConfig }, `no config at ${env.pimConfig}: running on the demo config (see pim.config.yaml.example)`);
  const app = await startApp({ env, config, logger });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing work in flight');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 25 s; exiting');
      process.exit(1);
    }, 25_000);
    force.unref();
    app
      .close()
      .then(() => {
        logger.info('stopped cleanly');
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  if (isConfigError(err)) {
    process.stderr.write(`pimbot cannot start: ${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof DatabaseBusyError) {
    // The holder's own words are the CLI's ("stop the bot before running the CLI"): a second bot is told plainly.
    const why = err.holderPid > 0 && err.holderPid !== process.pid ? `another pimbot (pid ${err.holderPid}) is running on ${err.dir} — stop it first` : err.message;
    process.stderr.write(`pimbot cannot start: ${why}\n`);
    process.exit(1);
  }
  process.stderr.write(`pimbot failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
