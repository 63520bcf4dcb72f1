/**
 * `npm start`: runs the service against the FreeSWITCH nodes and database the environment names (see README,
 * "Configuration"). SIGTERM/SIGINT drain the CDR queue and close connections before exiting.
 */
import { ConfigError, loadConfig } from './config/config';
import { createLogger } from './log/logger';
import { startService } from './service/service';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ level: config.log.level, format: config.log.format });
  const service = await startService(config, {
    logger,
    // Fail-stop: an instance that lost the leadership exits at once, without the graceful close (its state in memory
    // belongs to the new leader now). systemd / compose restart it, and it comes back as a standby.
    onDemoted: (reason) => {
      logger.error('exiting: this instance is no longer the active one', { reason });
      setTimeout(() => process.exit(75), 100);
    },
  });
  logger.info('Switchboard is running', { url: service.url, nodes: service.cluster.nodeNames() });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    // A stuck shutdown must not leave a zombie holding the port: give it 15 s.
    setTimeout(() => process.exit(1), 15_000).unref();
    void service.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`switchboard failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
