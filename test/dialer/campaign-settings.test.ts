/**
 * A campaign's dialing settings: every field has a default ('{}' is a working campaign), and the schema refuses
 * values that would break compliance (ring time under 15 s, connecting later than 2 s) or reach FreeSWITCH unsafely
 * (message paths, DTMF keys). The API and the runtime share this schema, so its messages are what users see.
 */
import {
  campaignSettingsSchema,
  DEFAULT_RETRY,
  parseCampaignSettings,
  retryRuleFor,
  RETRY_OUTCOMES,
  type CampaignSettingsInput,
} from '../../src/dialer/campaign-settings';

const SOUNDS = '/usr/share/freeswitch/sounds/switchboard';

/** The issues of a refused input, as "path: message" lines (what the API answers with). */
function refusal(input: unknown): string[] {
  const r = campaignSettingsSchema.safeParse(input);
  expect(r.success).toBe(false);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

const accepts = (input: CampaignSettingsInput) => expect(campaignSettingsSchema.safeParse(input).success).toBe(true);

describe('campaign settings defaults', () => {
  const messages = {
    machine_message: `${SOUNDS}/dialer-machine-message.wav`,
    abandon_message: `${SOUNDS}/dialer-abandon.wav`,
    message: `${SOUNDS}/dialer-message.wav`,
  };
  const stored = {
    amd: 'hangup',
    key_timeout_sec: 5,
    ring_timeout_sec: 25,
    connect_within_ms: 2000,
    abandon_window: '30d',
    abandon_limit: 0.03,
    abandon_target: 0.02,
    lines_per_agent: 3,
    max_lines: 10,
    amd_false_positive_share: 0,
    max_attempts: 5,
    retry: {},
  };
  const defaults = { ...stored, ...messages };

  it("'{}' is a complete campaign with every default; the messages come from PROMPTS_DIR when read, never stored", () => {
    expect(campaignSettingsSchema.parse({})).toEqual(stored);
    expect(parseCampaignSettings('{}')).toEqual({ settings: defaults });
    expect(parseCampaignSettings('{}', '/srv/prompts').settings).toMatchObject({
      machine_message: '/srv/prompts/dialer-machine-message.wav',
      abandon_message: '/srv/prompts/dialer-abandon.wav',
      message: '/srv/prompts/dialer-message.wav',
    });
    expect(parseCampaignSettings(JSON.stringify({ abandon_message: '/ours/sorry.wav' }), '/srv/prompts').settings.abandon_message).toBe('/ours/sorry.wav');
  });

  it('null, undefined and empty text give the defaults without an error (a campaign stored before settings existed)', () => {
    for (const text of [null, undefined, '']) expect(parseCampaignSettings(text)).toEqual({ settings: defaults });
  });

  it('leaves the optional keys and schedule unset', () => {
    const s = campaignSettingsSchema.parse({});
    expect(s.confirm_key).toBeUndefined();
    expect(s.transfer_key).toBeUndefined();
    expect(s.caller_id).toBeUndefined();
    expect(s.schedule).toBeUndefined();
  });

  it('keeps given values and fills the rest', () => {
    const { settings, error } = parseCampaignSettings(JSON.stringify({ amd: 'message', ring_timeout_sec: 30, retry: { busy: { delay_min: 5, max_attempts: 2 } } }));
    expect(error).toBeUndefined();
    expect(settings).toMatchObject({ amd: 'message', ring_timeout_sec: 30, connect_within_ms: 2000, retry: { busy: { delay_min: 5, max_attempts: 2 } } });
  });
});

describe('campaign settings refusals', () => {
  it('refuses a ring time under 15 s (FTC: 15 s or 4 rings) and accepts exactly 15', () => {
    const issues = refusal({ ring_timeout_sec: 14 });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^ring_timeout_sec: .*15/);
    accepts({ ring_timeout_sec: 15 });
  });

  it('refuses connecting an agent later than 2 s after the greeting and accepts 2000 ms', () => {
    const issues = refusal({ connect_within_ms: 2500 });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^connect_within_ms: .*2000/);
    accepts({ connect_within_ms: 2000 });
  });

  it('refuses unknown keys, at the top level and inside retry rules (a typo must not be silently ignored)', () => {
    expect(refusal({ ring_timeout: 20 }).join('\n')).toMatch(/Unrecognized key.*ring_timeout/);
    expect(refusal({ retry: { busy: { delay_min: 5, max_attempts: 2, jitter: 1 } } }).join('\n')).toMatch(/^retry\.busy: Unrecognized key.*jitter/);
    expect(refusal({ retry: { human: { delay_min: 5, max_attempts: 2 } } }).join('\n')).toMatch(/^retry: Unrecognized key.*human/);
  });

  it.each(['ab', '1;', '', '10', 'a'])('refuses confirm_key %j (one DTMF key only)', (key) => {
    const issues = refusal({ confirm_key: key });
    expect(issues).toEqual(['confirm_key: must be one DTMF key: 0-9, * or #']);
  });

  it('accepts every single DTMF key for confirm and transfer', () => {
    for (const key of ['0', '5', '9', '*', '#']) accepts({ confirm_key: key, transfer_key: key });
    expect(refusal({ transfer_key: '12' })).toEqual(['transfer_key: must be one DTMF key: 0-9, * or #']);
  });

  it.each([
    ['a newline', `${SOUNDS}/abandon.wav\nbgapi originate`],
    ['`${`', `${SOUNDS}/\${api(system rm)}.wav`],
    ['a relative path', 'dialer-abandon.wav'],
    ['a `..` segment', `${SOUNDS}/../../etc/passwd`],
  ])('refuses a message path with %s', (_what, path) => {
    for (const field of ['message', 'abandon_message', 'machine_message']) {
      const issues = refusal({ [field]: path });
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatch(new RegExp(`^${field}: must be a sound file path`));
    }
  });

  it('accepts sound files and tone/silence/local streams as messages', () => {
    accepts({ message: '/var/lib/switchboard/sounds/promo 2026.wav' });
    accepts({ abandon_message: 'silence_stream://500' });
    accepts({ machine_message: 'tone_stream://%(2000,4000,440,480)' });
    accepts({ message: 'local_stream://moh' });
  });

  it('refuses a schedule with an invalid cron expression and names the field', () => {
    expect(refusal({ schedule: { start: '61 9 * * *', stop: '0 17 * * 1-5' } })).toEqual([
      'schedule.start: must be a cron expression (minute hour day month weekday), e.g. "0 9 * * 1-5"',
    ]);
    expect(refusal({ schedule: { start: '0 9 * * 1-5', stop: 'at five' } })[0]).toMatch(/^schedule\.stop: must be a cron expression/);
    // Both ends are required: a schedule that only starts would never stop.
    expect(refusal({ schedule: { start: '0 9 * * 1-5' } })[0]).toMatch(/^schedule\.stop: /);
  });

  it('accepts a valid cron schedule', () => {
    const s = campaignSettingsSchema.parse({ schedule: { start: '0 9 * * 1-5', stop: '30 17 * * 1-5' } });
    expect(s.schedule).toEqual({ start: '0 9 * * 1-5', stop: '30 17 * * 1-5' });
  });

  it('refuses a caller id that is not a number and a retry rule out of range', () => {
    expect(refusal({ caller_id: 'ACME' })).toEqual(['caller_id: must be a number, e.g. +14155550100']);
    accepts({ caller_id: '+14155550100' });
    expect(refusal({ retry: { busy: { delay_min: 0, max_attempts: 2 } } })[0]).toMatch(/^retry\.busy\.delay_min: /);
    expect(refusal({ max_attempts: 0 })[0]).toMatch(/^max_attempts: /);
  });
});

describe('parseCampaignSettings', () => {
  // The runtime must keep a campaign running on defaults when the stored text is broken, and say why.
  it('gives the defaults and a JSON error for malformed text', () => {
    const r = parseCampaignSettings('{"amd": "off",');
    expect(r.settings).toEqual(parseCampaignSettings('{}').settings);
    expect(r.error).toMatch(/^settings are not JSON: /);
  });

  it('gives the defaults, not a partial merge, and every issue for invalid settings', () => {
    const r = parseCampaignSettings(JSON.stringify({ amd: 'off', ring_timeout_sec: 14, confirm_key: 'ab' }));
    expect(r.settings).toEqual(parseCampaignSettings('{}').settings);
    expect(r.settings.amd).toBe('hangup');
    expect(typeof r.error).toBe('string');
    expect(r.error).toContain('ring_timeout_sec: ');
    expect(r.error).toContain('confirm_key: must be one DTMF key');
    expect(r.error!.split('; ')).toHaveLength(2);
  });

  it('refuses JSON that is not an object', () => {
    for (const text of ['[]', '42', '"x"']) {
      const r = parseCampaignSettings(text);
      expect(r.settings).toEqual(parseCampaignSettings('{}').settings);
      expect(r.error).toEqual(expect.any(String));
    }
  });
});

describe('retryRuleFor', () => {
  it('falls back to DEFAULT_RETRY for every outcome without a campaign rule', () => {
    const s = campaignSettingsSchema.parse({});
    for (const o of RETRY_OUTCOMES) expect(retryRuleFor(s, o)).toEqual(DEFAULT_RETRY[o]);
  });

  it("uses the campaign's rule where given, the default elsewhere", () => {
    const s = campaignSettingsSchema.parse({ retry: { machine: { delay_min: 15, max_attempts: 1 } } });
    expect(retryRuleFor(s, 'machine')).toEqual({ delay_min: 15, max_attempts: 1 });
    expect(retryRuleFor(s, 'busy')).toEqual(DEFAULT_RETRY.busy);
  });

  it('keeps the Ofcom 72 h default for abandons', () => {
    expect(DEFAULT_RETRY.abandoned.delay_min).toBe(72 * 60);
  });
});
