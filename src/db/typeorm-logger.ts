import type { Logger as TypeormLogger } from 'typeorm';
import type { Logger } from '../log/logger';

const MAX_SQL = 500;

function shortSql(sql: string): string {
  const oneLine = sql.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_SQL ? `${oneLine.slice(0, MAX_SQL)}... (${oneLine.length} chars)` : oneLine;
}

/**
 * typeorm's log calls routed to the project logger. Queries go to `silly` (never at info: they carry values), failed
 * and slow queries to `debug`/`warn` with the SQL shortened and never with parameter values (they may be CDR numbers or
 * password hashes); callers such as the CDR writer report their own failures with context.
 */
export class TypeormWinstonLogger implements TypeormLogger {
  constructor(private readonly logger: Logger) {}

  logQuery(query: string): void {
    if (this.logger.isSillyEnabled()) this.logger.silly('query', { sql: shortSql(query) });
  }

  logQueryError(error: string | Error, query: string): void {
    this.logger.debug('query failed', { error: typeof error === 'string' ? error : error.message, sql: shortSql(query) });
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn('slow query', { ms: time, sql: shortSql(query) });
  }

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.info(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    if (level === 'warn') this.logger.warn(text);
    else this.logger.debug(text);
  }
}
