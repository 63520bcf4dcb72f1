import winston from 'winston';

/**
 * The one logger. JSON lines in production (for log shippers), readable colourised lines in a terminal.
 * Modules take a child logger: `logger.child({ module: 'esl' })`.
 */
export type Logger = winston.Logger;

export interface LoggerOptions {
  level?: string;
  format?: 'json' | 'pretty';
  /** Silences output (tests). */
  silent?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const format =
    options.format === 'json'
      ? winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json())
      : winston.format.combine(
          winston.format.colorize(),
          winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
          winston.format.errors({ stack: true }),
          winston.format.printf(({ timestamp, level, message, module, ...rest }) => {
            const extra = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
            return `${timestamp} ${level} ${module ? `[${module}] ` : ''}${message}${extra}`;
          }),
        );
  return winston.createLogger({
    level: options.level ?? 'info',
    format,
    silent: options.silent ?? false,
    // Logs go to stderr so that stdout stays machine-readable (the demo prints its JSON summary there).
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] })],
  });
}

/** A logger that writes nothing, for tests and library defaults. */
export const silentLogger: Logger = createLogger({ silent: true });
