/** An ACD agent as a form: the user, extension, skills with proficiency 1-10, teams, queues with tiers, enabled. */
import { useState, type FormEvent } from 'react';
import { Field } from '../../components/field';
import { patch, post } from '../../lib/api';
import { useAction } from '../../lib/hooks';
import type { AcdAgent, User } from './types';
import { fieldError, FormFooter, otherErrors, splitList } from './ui';

interface Draft {
  userId: string;
  name: string;
  extension: string;
  skills: Array<{ skill: string; proficiency: string }>;
  teams: string;
  queues: Array<{ queue: string; tier: string }>;
  enabled: boolean;
}

function draftOf(a: AcdAgent | null): Draft {
  if (!a) return { userId: '', name: '', extension: '', skills: [], teams: '', queues: [], enabled: true };
  return {
    userId: String(a.user_id),
    name: a.name,
    extension: a.extension,
    skills: Object.entries(a.skills).map(([skill, p]) => ({ skill, proficiency: String(p) })),
    teams: a.teams.join(', '),
    queues: a.queues.map((q) => ({ queue: q.queue, tier: String(q.tier) })),
    enabled: a.enabled,
  };
}

/** Blank or non-numeric stays a string, so the API names the field rather than the console guessing. */
const num = (s: string): number | string => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s);

export function AgentForm({ agent, users, queueNames, onSaved }: { agent: AcdAgent | null; users: User[]; queueNames: string[]; onSaved: (a: AcdAgent) => void }) {
  const [d, setD] = useState<Draft>(() => draftOf(agent));
  const [saved, setSaved] = useState<string | null>(null);
  const set = (p: Partial<Draft>) => setD((x) => ({ ...x, ...p }));
  const save = useAction(async () => {
    const body = {
      ...(d.name.trim() ? { name: d.name.trim() } : {}),
      extension: d.extension.trim(),
      skills: Object.fromEntries(d.skills.filter((s) => s.skill.trim()).map((s) => [s.skill.trim(), num(s.proficiency)])),
      teams: splitList(d.teams),
      queues: d.queues.filter((q) => q.queue).map((q) => ({ queue: q.queue, tier: num(q.tier) })),
      enabled: d.enabled,
    };
    const a = agent ? await patch<AcdAgent>(`/api/v1/acd/agents/${agent.id}`, body) : await post<AcdAgent>('/api/v1/acd/agents', { user_id: num(d.userId), ...body });
    setSaved(`Saved agent ${a.name} (${a.extension}).`);
    setD(draftOf(a)); // what was stored, defaults filled in (the name from the user's display name)
    onSaved(a);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(null);
    void save.run();
  };
  const err = save.error;
  const rest = otherErrors(err, ['user_id', 'name', 'extension', 'skills', 'teams', 'queues', 'enabled']);
  return (
    // noValidate: the API is the one validator; its messages show at the fields (the browser's would stop the submit).
    <form onSubmit={submit} aria-label={agent ? `Agent ${agent.name}` : 'New agent'} noValidate>
      <div className="form-grid">
        <Field label="User" error={fieldError(err, 'user_id')} hint={agent ? 'the user cannot change' : 'one agent per user'}>
          {(id, desc) => (
            <select id={id} aria-describedby={desc} value={d.userId} onChange={(e) => set({ userId: e.target.value })} disabled={agent !== null} required>
              <option value="">choose a user</option>
              {users.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.username}
                  {u.display_name ? ` (${u.display_name})` : ''}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Agent name" error={fieldError(err, 'name')} hint="blank: the user's display name">
          {(id, desc) => <input id={id} aria-describedby={desc} value={d.name} onChange={(e) => set({ name: e.target.value })} />}
        </Field>
        <Field label="Agent extension" error={fieldError(err, 'extension')} hint="the SIP extension of the agent's phone">
          {(id, desc) => <input id={id} aria-describedby={desc} value={d.extension} onChange={(e) => set({ extension: e.target.value })} required />}
        </Field>
        <Field label="Teams" error={fieldError(err, 'teams', { prefix: true })} hint="comma-separated; supervisors see their teams">
          {(id, desc) => <input id={id} aria-describedby={desc} value={d.teams} onChange={(e) => set({ teams: e.target.value })} />}
        </Field>
      </div>

      <fieldset>
        <legend>Skills and proficiency</legend>
        {fieldError(err, 'skills') && <p className="error">{fieldError(err, 'skills')}</p>}
        {d.skills.map((s, i) => (
          <div className="row" key={i}>
            <Field label={`Skill ${i + 1}`} error={s.skill ? fieldError(err, `skills.${s.skill.trim()}`) : undefined}>
              {(id) => <input id={id} value={s.skill} onChange={(e) => set({ skills: d.skills.map((x, j) => (j === i ? { ...x, skill: e.target.value } : x)) })} />}
            </Field>
            <Field label={`Proficiency ${i + 1}`} hint="1-10">
              {(id, desc) => (
                <input id={id} aria-describedby={desc} type="number" min={1} max={10} value={s.proficiency} onChange={(e) => set({ skills: d.skills.map((x, j) => (j === i ? { ...x, proficiency: e.target.value } : x)) })} />
              )}
            </Field>
            <button type="button" onClick={() => set({ skills: d.skills.filter((_, j) => j !== i) })} aria-label={`Remove skill ${i + 1}`}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" onClick={() => set({ skills: [...d.skills, { skill: '', proficiency: '5' }] })}>
          Add skill
        </button>
      </fieldset>

      <fieldset>
        <legend>Queues and tiers</legend>
        {fieldError(err, 'queues') && <p className="error">{fieldError(err, 'queues')}</p>}
        {d.queues.map((q, i) => (
          <div className="row" key={i}>
            <Field label={`Queue ${i + 1}`} error={fieldError(err, `queues.${i}.queue`)}>
              {(id) => (
                <select id={id} value={q.queue} onChange={(e) => set({ queues: d.queues.map((x, j) => (j === i ? { ...x, queue: e.target.value } : x)) })}>
                  <option value="">choose</option>
                  {[...new Set([q.queue, ...queueNames])].filter(Boolean).map((n) => (
                    <option key={n}>{n}</option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={`Tier ${i + 1}`} hint="1 = first (top_down)" error={fieldError(err, `queues.${i}.tier`)}>
              {(id, desc) => <input id={id} aria-describedby={desc} type="number" min={1} max={100} value={q.tier} onChange={(e) => set({ queues: d.queues.map((x, j) => (j === i ? { ...x, tier: e.target.value } : x)) })} />}
            </Field>
            <button type="button" onClick={() => set({ queues: d.queues.filter((_, j) => j !== i) })} aria-label={`Remove queue ${i + 1}`}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" onClick={() => set({ queues: [...d.queues, { queue: queueNames.find((n) => !d.queues.some((q) => q.queue === n)) ?? '', tier: '1' }] })}>
          Add queue
        </button>
      </fieldset>
      <label>
        <input type="checkbox" checked={d.enabled} onChange={(e) => set({ enabled: e.target.checked })} /> Enabled
      </label>
      <FormFooter error={err} rest={rest} busy={save.busy} submitLabel={agent ? 'Save agent' : 'Create agent'} saved={saved} />
    </form>
  );
}
