import { ConfigError, loadConfig } from '../../src/config/config';

describe('period report settings', () => {
  it('defaults: UTC, 5 s short abandons, 7-day FCR window', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).reports).toEqual({ timeZone: 'UTC', shortAbandonSec: 5, fcrDays: 7 });
  });

  it('reads CENTER_TIME_ZONE, REPORT_SHORT_ABANDON_SEC, REPORT_FCR_DAYS', () => {
    expect(loadConfig({ NODE_ENV: 'test', CENTER_TIME_ZONE: 'Europe/Berlin', REPORT_SHORT_ABANDON_SEC: '0', REPORT_FCR_DAYS: '30' }).reports).toEqual({
      timeZone: 'Europe/Berlin',
      shortAbandonSec: 0,
      fcrDays: 30,
    });
  });

  it.each([
    [{ CENTER_TIME_ZONE: 'Europe/Nowhere' }, 'CENTER_TIME_ZONE: must be an IANA time zone name'],
    [{ REPORT_SHORT_ABANDON_SEC: '-1' }, 'REPORT_SHORT_ABANDON_SEC'],
    [{ REPORT_FCR_DAYS: '0' }, 'REPORT_FCR_DAYS'],
    [{ REPORT_FCR_DAYS: '1.5' }, 'REPORT_FCR_DAYS'],
  ])('rejects %j', (env, message) => {
    expect(() => loadConfig({ NODE_ENV: 'test', ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'test', ...env })).toThrow(message);
  });
});
