/**
 * A campaign as a form: mode, queue, calling window and its time zone, and the dialing settings (AMD, ring time,
 * pacing and abandonment, attempts and retries per outcome, caller id, the on/off cron schedule, messages). Blank
 * settings take the API's defaults; the API's field errors (`settings.retry.busy.delay_min`...) show at the field.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { Field } from '../../components/field';
import { patch, post, type ApiError } from '../../lib/api';
import { useAction } from '../../lib/hooks';
import { fieldError, FormFooter, otherErrors } from '../people/ui';
import { CAMPAIGN_TYPES, DEFAULT_RETRY, RETRY_OUTCOMES, type Campaign, type CampaignType, type RetryOutcome } from './types';

/** Settings edited as text, with their defaults as placeholders. */
const SETTINGS: Array<{ key: string; label: string; hint: string; placeholder?: string; numeric?: boolean }> = [
  { key: 'ring_timeout_sec', label: 'Ring timeout (s)', hint: '15-120; at least 15 s (FTC)', placeholder: '25', numeric: true },
  { key: 'max_attempts', label: 'Max attempts per lead', hint: 'whatever the outcomes', placeholder: '5', numeric: true },
  { key: 'lines_per_agent', label: 'Lines per agent', hint: 'cap on lines ringing per logged-in agent', placeholder: '3', numeric: true },
  { key: 'max_lines', label: 'Max lines (agentless)', hint: 'calls at once', placeholder: '10', numeric: true },
  { key: 'abandon_limit', label: 'Abandon limit', hint: 'share, e.g. 0.03 = 3%', placeholder: '0.03', numeric: true },
  { key: 'abandon_target', label: 'Abandon target', hint: 'what the pacer aims at, below the limit', placeholder: '0.02', numeric: true },
  { key: 'connect_within_ms', label: 'Connect within (ms)', hint: '500-2000 after the greeting', placeholder: '2000', numeric: true },
  { key: 'caller_id', label: 'Caller id', hint: 'number shown to the called party', placeholder: 'service default' },
  { key: 'confirm_key', label: 'Confirm key (agentless)', hint: 'one DTMF key' },
  { key: 'transfer_key', label: 'Transfer key (agentless)', hint: 'one DTMF key: to the queue' },
  { key: 'key_timeout_sec', label: 'Key timeout (s)', hint: 'wait for a key after the message', placeholder: '5', numeric: true },
  { key: 'machine_message', label: 'Machine message', hint: 'played after the beep when AMD = message', placeholder: 'shipped prompt' },
  { key: 'abandon_message', label: 'Abandon message', hint: 'played to a person no agent could take', placeholder: 'shipped prompt' },
  { key: 'message', label: 'Message (agentless)', hint: 'played to whoever answers', placeholder: 'shipped prompt' },
];

interface Draft {
  name: string;
  type: CampaignType;
  queue: string;
  timezone: string;
  window_start: string;
  window_end: string;
  enabled: boolean;
  amd: string;
  abandon_window: string;
  settings: Record<string, string>;
  retry: Record<RetryOutcome, { delay_min: string; max_attempts: string }>;
  scheduleStart: string;
  scheduleStop: string;
}

function draftOf(c: Campaign | null, queues: string[]): Draft {
  const s = (c?.settings ?? {}) as unknown as Record<string, unknown>;
  return {
    name: c?.name ?? '',
    type: c?.type ?? 'progressive',
    queue: c?.queue ?? queues[0] ?? '',
    timezone: c?.timezone ?? 'UTC',
    window_start: c?.window_start ?? '09:00',
    window_end: c?.window_end ?? '21:00',
    enabled: c?.enabled ?? false,
    amd: c?.settings.amd ?? 'hangup',
    abandon_window: c?.settings.abandon_window ?? '30d',
    settings: Object.fromEntries(SETTINGS.map((f) => [f.key, s[f.key] === undefined || s[f.key] === null ? '' : String(s[f.key])])),
    retry: Object.fromEntries(
      RETRY_OUTCOMES.map((o) => {
        const r = c?.settings.retry?.[o];
        return [o, { delay_min: r ? String(r.delay_min) : '', max_attempts: r ? String(r.max_attempts) : '' }];
      }),
    ) as Draft['retry'],
    scheduleStart: c?.settings.schedule?.start ?? '',
    scheduleStop: c?.settings.schedule?.stop ?? '',
  };
}

/** A number, or the text itself when it is not one (the API then names the field). */
const num = (s: string): number | string => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s);

function settingsOf(d: Draft): Record<string, unknown> {
  const out: Record<string, unknown> = { amd: d.amd, abandon_window: d.abandon_window };
  for (const f of SETTINGS) {
    const v = d.settings[f.key]!.trim();
    if (v !== '') out[f.key] = f.numeric ? num(v) : v;
  }
  const retry: Record<string, unknown> = {};
  for (const o of RETRY_OUTCOMES) {
    const r = d.retry[o];
    if (r.delay_min.trim() || r.max_attempts.trim()) retry[o] = { delay_min: num(r.delay_min), max_attempts: num(r.max_attempts) };
  }
  out.retry = retry;
  if (d.scheduleStart.trim() || d.scheduleStop.trim()) out.schedule = { start: d.scheduleStart.trim(), stop: d.scheduleStop.trim() };
  return out;
}

export function CampaignForm({ campaign, queues, onSaved }: { campaign: Campaign | null; queues: string[]; onSaved: (c: Campaign) => void }) {
  const [d, setD] = useState<Draft>(() => draftOf(campaign, queues));
  const [saved, setSaved] = useState<string | null>(null);
  const set = (p: Partial<Draft>) => setD((x) => ({ ...x, ...p }));
  const save = useAction(async () => {
    const body = {
      name: d.name.trim(),
      type: d.type,
      queue: d.queue,
      timezone: d.timezone.trim(),
      window_start: d.window_start,
      window_end: d.window_end,
      enabled: d.enabled,
      settings: settingsOf(d),
    };
    const c = campaign ? await patch<Campaign>(`/api/v1/dialer/campaigns/${campaign.id}`, body) : await post<Campaign>('/api/v1/dialer/campaigns', body);
    setSaved(`Saved campaign ${c.name}.`);
    setD(draftOf(c, queues)); // what was stored, defaults filled in
    onSaved(c);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(null);
    void save.run();
  };
  const err = save.error;
  const rest = otherErrors(err, ['name', 'type', 'queue', 'timezone', 'window_start', 'window_end', 'enabled', 'settings']);
  const settingErrors = otherErrors(err, ['name', 'type', 'queue', 'timezone', 'window_start', 'window_end', 'enabled', ...SETTINGS.map((f) => `settings.${f.key}`), 'settings.amd', 'settings.abandon_window', 'settings.retry', 'settings.schedule']).filter(
    (x) => x.startsWith('settings'),
  );
  return (
    <form onSubmit={submit} aria-label={campaign ? `Campaign ${campaign.name}` : 'New campaign'}>
      <div className="form-grid">
        <Field label="Campaign name" error={fieldError(err, 'name')}>
          {(id, desc) => <input id={id} aria-describedby={desc} value={d.name} onChange={(e) => set({ name: e.target.value })} required />}
        </Field>
        <Field label="Mode" error={fieldError(err, 'type')} hint={MODE_HINTS[d.type]}>
          {(id, desc) => (
            <select id={id} aria-describedby={desc} value={d.type} onChange={(e) => set({ type: e.target.value as CampaignType })}>
              {CAMPAIGN_TYPES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Queue" error={fieldError(err, 'queue')} hint="the agents who take the calls">
          {(id, desc) => (
            <select id={id} aria-describedby={desc} value={d.queue} onChange={(e) => set({ queue: e.target.value })} required>
              <option value="">choose a queue</option>
              {[...new Set([d.queue, ...queues])].filter(Boolean).map((q) => (
                <option key={q}>{q}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Time zone" error={fieldError(err, 'timezone')} hint="of the schedule; the window is local to each lead">
          {(id, desc) => <input id={id} aria-describedby={desc} value={d.timezone} onChange={(e) => set({ timezone: e.target.value })} />}
        </Field>
        <Field label="Calling window from" error={fieldError(err, 'window_start')} hint="HH:MM, the lead's local time">
          {(id, desc) => <input id={id} aria-describedby={desc} type="time" value={d.window_start} onChange={(e) => set({ window_start: e.target.value })} required />}
        </Field>
        <Field label="Calling window to" error={fieldError(err, 'window_end')} hint="HH:MM">
          {(id, desc) => <input id={id} aria-describedby={desc} type="time" value={d.window_end} onChange={(e) => set({ window_end: e.target.value })} required />}
        </Field>
        <Field label="AMD" error={fieldError(err, 'settings.amd')} hint="answering machine detection">
          {(id, desc) => (
            <select id={id} aria-describedby={desc} value={d.amd} onChange={(e) => set({ amd: e.target.value })}>
              <option value="off">off (everyone is a person)</option>
              <option value="hangup">hang up on machines</option>
              <option value="message">leave the machine message</option>
            </select>
          )}
        </Field>
        <Field label="Abandon window" error={fieldError(err, 'settings.abandon_window')} hint="30 days (FTC/FCC) or 24 hours (Ofcom)">
          {(id, desc) => (
            <select id={id} aria-describedby={desc} value={d.abandon_window} onChange={(e) => set({ abandon_window: e.target.value })}>
              <option value="30d">30 days</option>
              <option value="24h">24 hours</option>
            </select>
          )}
        </Field>
        {SETTINGS.map((f) => (
          <Field key={f.key} label={f.label} hint={f.hint} error={fieldError(err, `settings.${f.key}`)}>
            {(id, desc) => (
              <input id={id} aria-describedby={desc} value={d.settings[f.key]} placeholder={f.placeholder} inputMode={f.numeric ? 'decimal' : undefined} onChange={(e) => set({ settings: { ...d.settings, [f.key]: e.target.value } })} />
            )}
          </Field>
        ))}
      </div>

      <fieldset>
        <legend>Schedule</legend>
        <p className="muted">Cron expressions in the campaign's time zone that turn it on and off (both or neither), e.g. "0 9 * * 1-5" and "0 17 * * 1-5".</p>
        <FieldError error={err} field="settings.schedule" />
        <div className="row">
          <Field label="Start (cron)" error={fieldError(err, 'settings.schedule.start')}>
            {(id) => <input id={id} value={d.scheduleStart} onChange={(e) => set({ scheduleStart: e.target.value })} placeholder="0 9 * * 1-5" />}
          </Field>
          <Field label="Stop (cron)" error={fieldError(err, 'settings.schedule.stop')}>
            {(id) => <input id={id} value={d.scheduleStop} onChange={(e) => set({ scheduleStop: e.target.value })} placeholder="0 17 * * 1-5" />}
          </Field>
        </div>
      </fieldset>

      <fieldset>
        <legend>Retries per outcome</legend>
        <p className="muted">Minutes before the next attempt, and the attempts after which the outcome stops retrying. Blank = the default shown.</p>
        <table className="data compact">
          <thead>
            <tr>
              <th scope="col">Outcome</th>
              <th scope="col">Delay (min)</th>
              <th scope="col">Max attempts</th>
            </tr>
          </thead>
          <tbody>
            {RETRY_OUTCOMES.map((o) => (
              <tr key={o}>
                <th scope="row">{o.replace('_', ' ')}</th>
                <td>
                  <RetryInput label={`Retry ${o} delay`} value={d.retry[o].delay_min} placeholder={String(DEFAULT_RETRY[o].delay_min)} error={fieldError(err, `settings.retry.${o}.delay_min`)} onChange={(v) => set({ retry: { ...d.retry, [o]: { ...d.retry[o], delay_min: v } } })} />
                </td>
                <td>
                  <RetryInput label={`Retry ${o} max attempts`} value={d.retry[o].max_attempts} placeholder={String(DEFAULT_RETRY[o].max_attempts)} error={fieldError(err, `settings.retry.${o}.max_attempts`)} onChange={(v) => set({ retry: { ...d.retry, [o]: { ...d.retry[o], max_attempts: v } } })} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </fieldset>
      <label>
        <input type="checkbox" checked={d.enabled} onChange={(e) => set({ enabled: e.target.checked })} /> Enabled (dialing)
      </label>
      <FormFooter error={err} rest={[...rest, ...settingErrors]} busy={save.busy} submitLabel={campaign ? 'Save campaign' : 'Create campaign'} saved={saved} />
    </form>
  );
}

const MODE_HINTS: Record<CampaignType, string> = {
  preview: 'agents see the lead first and dial it themselves',
  progressive: 'one line per available agent',
  predictive: 'paced to the answer rate, within the abandonment limit',
  agentless: 'a message to whoever answers; keys confirm or transfer',
};

function RetryInput({ label, value, placeholder, error, onChange }: { label: string; value: string; placeholder: string; error?: string; onChange: (v: string) => void }) {
  return (
    <>
      <input aria-label={label} aria-invalid={error ? true : undefined} value={value} placeholder={placeholder} size={6} inputMode="numeric" onChange={(e) => onChange(e.target.value)} />
      {error && <small className="error">{error}</small>}
    </>
  );
}

function FieldError({ error, field }: { error: ApiError | null; field: string }): ReactNode {
  const msg = fieldError(error, field);
  return msg ? <p className="error">{msg}</p> : null;
}
