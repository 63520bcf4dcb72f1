import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, parseFreeSwitchNodes } from '../../src/config/config';

describe('loadConfig', () => {
  it('runs on embedded defaults with nothing set', () => {
    const c = loadConfig({});
    expect(c.env).toBe('development');
    expect(c.http).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(c.freeswitch.nodes).toEqual([]);
    expect(c.database).toEqual({ type: 'sqlite', file: path.resolve('data', 'switchboard.sqlite') });
    expect(c.log.format).toBe('pretty');
  });

  it('reads FreeSWITCH nodes, a MySQL URL and production logging', () => {
    const c = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(40),
      FREESWITCH_NODES: 'fs1=10.0.0.5:8021:s3cr:et, [::1]:8022:pw',
      DATABASE_URL: 'mariadb://u:p@db:3306/sb',
    });
    expect(c.freeswitch.nodes).toEqual([
      { name: 'fs1', host: '10.0.0.5', port: 8021, password: 's3cr:et' },
      { name: '::1:8022', host: '::1', port: 8022, password: 'pw' },
    ]);
    expect(c.database).toEqual({ type: 'mysql', url: 'mysql://u:p@db:3306/sb' });
    expect(c.log.format).toBe('json');
  });

  it('names every bad variable in one error', () => {
    let err: unknown;
    try {
      loadConfig({ HTTP_PORT: 'eighty', FREESWITCH_NODES: 'nohost', DATABASE_URL: 'postgres://x', ADMIN_PASSWORD: 'short' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toMatch(/HTTP_PORT/);
    expect(problems).toMatch(/FREESWITCH_NODES: "nohost" is not host:port:password/);
    expect(problems).toMatch(/DATABASE_URL: must start with/);
    expect(problems).toMatch(/ADMIN_PASSWORD: must be at least 12 characters/);
  });

  it('requires a JWT secret in production and admin username with password', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET: required/);
    expect(() => loadConfig({ ADMIN_USERNAME: 'root' })).toThrow(/set both or neither/);
  });

  it('reads the telephony settings and refuses unsafe ones', () => {
    const t = loadConfig({
      DATA_DIR: '/srv/sb',
      OUTBOUND_GATEWAY: 'carrier-1',
      CALLBACK_CALLER_ID: '+18005550100',
      CRM_URL: 'https://crm.example.com/lookup',
    }).telephony;
    expect(t).toEqual({
      outboundGateway: 'carrier-1',
      callbackCallerId: '+18005550100',
      crmUrl: 'https://crm.example.com/lookup',
      voicemailDir: '/srv/sb/voicemail',
      phoneDial: { mode: 'sofia', profile: 'internal', loopbackContext: 'switchboard_drill' },
    });
    expect(loadConfig({ PHONE_DIAL: 'user', SIP_PROFILE: 'agents', SIP_DOMAIN: 'pbx.example.com' }).telephony.phoneDial).toEqual({
      mode: 'user',
      profile: 'agents',
      domain: 'pbx.example.com',
      loopbackContext: 'switchboard_drill',
    });
    expect(loadConfig({ PHONE_DIAL: 'loopback', PHONE_LOOPBACK_CONTEXT: 'drill_phones' }).telephony.phoneDial).toMatchObject({ mode: 'loopback', loopbackContext: 'drill_phones' });
    expect(() => loadConfig({ PHONE_LOOPBACK_CONTEXT: 'a/b' })).toThrow(/PHONE_LOOPBACK_CONTEXT: must be a dialplan context name/);
    expect(() => loadConfig({ PHONE_DIAL: 'verto' })).toThrow(/PHONE_DIAL/);
    expect(() => loadConfig({ SIP_PROFILE: 'gateway' })).toThrow(/SIP_PROFILE: must not be "gateway"/);
    expect(() => loadConfig({ SIP_PROFILE: 'internal/../x' })).toThrow(/SIP_PROFILE: must be a sofia profile name/);
    expect(() => loadConfig({ SIP_DOMAIN: 'a.com,sofia/gateway/x' })).toThrow(/SIP_DOMAIN: must be a domain name/);
    expect(() => loadConfig({ OUTBOUND_GATEWAY: 'evil,sofia/gateway/x' })).toThrow(/OUTBOUND_GATEWAY: must be a FreeSWITCH gateway name/);
    expect(() => loadConfig({ CALLBACK_CALLER_ID: '1\r\n' })).toThrow(/CALLBACK_CALLER_ID: must be a phone number/);
    expect(() => loadConfig({ CRM_URL: 'file:///etc/passwd' })).toThrow(/CRM_URL: must be an http\(s\) URL/);
  });

  it('reads the HA settings: single by default, a lease with checked timing on request', () => {
    expect(loadConfig({}).ha).toEqual({ mode: 'single', instanceId: `${os.hostname()}:${process.pid}`, leaseTtlMs: 3000, leaseRenewMs: 1000 });
    expect(
      loadConfig({ HA_MODE: 'lease', HA_INSTANCE_ID: 'sb-2', HA_LEASE_TTL_MS: '5000', HA_LEASE_RENEW_MS: '2000', HA_ADVERTISE_URL: 'http://10.0.0.12:8080' }).ha,
    ).toEqual({ mode: 'lease', instanceId: 'sb-2', leaseTtlMs: 5000, leaseRenewMs: 2000, advertiseUrl: 'http://10.0.0.12:8080' });
    expect(() => loadConfig({ HA_MODE: 'active-active' })).toThrow(/HA_MODE/);
    expect(() => loadConfig({ HA_LEASE_TTL_MS: '400' })).toThrow(/HA_LEASE_TTL_MS/);
    expect(() => loadConfig({ HA_LEASE_TTL_MS: '3000', HA_LEASE_RENEW_MS: '1500' })).toThrow(
      /HA_LEASE_RENEW_MS and HA_LEASE_TTL_MS: the lease renew interval \(1500 ms\) must be below half its ttl \(3000 ms\)/,
    );
    expect(() => loadConfig({ HA_ADVERTISE_URL: 'ftp://x' })).toThrow(/HA_ADVERTISE_URL: must be an http\(s\) URL/);
    expect(() => loadConfig({ HA_INSTANCE_ID: 'a b' })).toThrow(/HA_INSTANCE_ID/);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ HTTP_PORT: '', DATABASE_URL: '' }).http.port).toBe(8080);
  });
});

describe('parseFreeSwitchNodes', () => {
  it('rejects out-of-range ports and duplicate names', () => {
    expect(() => parseFreeSwitchNodes('h:70000:pw')).toThrow(/outside 1-65535/);
    expect(() => parseFreeSwitchNodes('a=h:1:pw,a=g:2:pw')).toThrow(/appears twice/);
  });
});
