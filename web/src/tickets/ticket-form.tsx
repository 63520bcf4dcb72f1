/**
 * A new ticket: category (the tree, active ones only), priority, subject, description, caller number, assignee (an
 * agent or a team). Opened from the tickets page (no call) or from the agent desktop's call panel and wrap-up, which
 * prefill the caller's number, the call and the caller's profile.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { Field } from '../components/field';
import { ProblemMessage } from '../components/problem';
import { ApiError, get, post } from '../lib/api';
import { useAction, useResource } from '../lib/hooks';
import { categoryTree, effectiveSla, minutesText } from './categories';
import { TICKET_PRIORITIES, type Category, type DirectoryAgent, type Ticket, type TicketPrefill } from './types';

interface ProfileSummary {
  id: number;
  name: string | null;
  phone_e164: string;
  vip_level: number;
}

/** The caller's profile by number (null when the number has none or is not a valid number). */
export async function profileByNumber(number: string): Promise<ProfileSummary | null> {
  try {
    return await get<ProfileSummary>(`/api/v1/profiles/by-number/${encodeURIComponent(number)}`);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 400)) return null;
    throw err;
  }
}

const fieldError = (error: ApiError | null, field: string) => error?.fieldErrors().find((f) => f.field === field)?.detail;

export function TicketForm({ prefill = {}, onCreated, onCancel, title = 'New ticket' }: { prefill?: TicketPrefill; onCreated: (t: Ticket) => void; onCancel?: () => void; title?: string }) {
  const categories = useResource((s) => get<{ items: Category[] }>('/api/v1/tickets/categories', undefined, s), []);
  const directory = useResource((s) => get<{ agents: DirectoryAgent[] }>('/api/v1/acd/directory', undefined, s).catch(() => ({ agents: [] as DirectoryAgent[] })), []);
  const [categoryId, setCategoryId] = useState('');
  const [priority, setPriority] = useState('normal');
  const [subject, setSubject] = useState('');
  const [description, setDescription] = useState('');
  const [caller, setCaller] = useState(prefill.callerNumber ?? '');
  const [team, setTeam] = useState('');
  const [agentId, setAgentId] = useState('');
  const [profile, setProfile] = useState<ProfileSummary | null>(null);
  const [profileId, setProfileId] = useState<number | null>(prefill.profileId ?? null);

  const tree = categoryTree(categories.data?.items ?? []).filter((n) => n.category.active);
  useEffect(() => {
    if (!categoryId && tree.length) setCategoryId(String(tree[0]!.category.id));
  }, [categoryId, tree.length]); // eslint-disable-line react-hooks/exhaustive-deps

  // The caller's profile follows the number (unless the call already named one).
  const lookUp = async (number: string) => {
    if (prefill.profileId) return;
    const p = number.trim() ? await profileByNumber(number.trim()).catch(() => null) : null;
    setProfile(p);
    setProfileId(p?.id ?? null);
  };
  useEffect(() => {
    if (prefill.profileId) {
      get<ProfileSummary>(`/api/v1/profiles/${prefill.profileId}`).then(setProfile, () => setProfile(null));
    } else if (prefill.callerNumber) void lookUp(prefill.callerNumber);
  }, [prefill.profileId, prefill.callerNumber]); // eslint-disable-line react-hooks/exhaustive-deps

  const create = useAction(async () => {
    const t = await post<Ticket>('/api/v1/tickets', {
      category_id: Number(categoryId),
      priority,
      subject,
      description,
      caller_number: caller.trim() || null,
      profile_id: profileId,
      call_uuid: prefill.fromCurrentCall ? null : (prefill.callUuid ?? null),
      from_current_call: !!prefill.fromCurrentCall,
      assignee_team: team.trim() || null,
      assignee_agent_id: agentId ? Number(agentId) : null,
    });
    onCreated(t);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void create.run();
  };
  const sla = categoryId ? effectiveSla(categories.data?.items ?? [], Number(categoryId), priority) : null;
  const err = create.error;

  return (
    <form className="panel ticket-form" onSubmit={submit} aria-label={title}>
      <h2>{title}</h2>
      {(prefill.callUuid || prefill.fromCurrentCall) && (
        <p className="muted small" data-testid="ticket-call-link">
          Linked to {prefill.fromCurrentCall ? 'the call you are on' : 'the call'} {prefill.callUuid ? <code>{prefill.callUuid}</code> : null}
        </p>
      )}
      <ProblemMessage error={categories.error} />
      {categories.data && tree.length === 0 && <p className="notice">No active ticket category exists yet: an admin creates them under Admin · Ticket categories.</p>}
      <div className="form-grid">
        <Field label="Category" error={fieldError(err, 'category_id')} hint={sla ? `due in ${minutesText(sla.minutes)} (SLA of ${sla.from.name})` : 'no SLA: no due time'}>
          {(id, d) => (
            <select id={id} aria-describedby={d} value={categoryId} onChange={(e) => setCategoryId(e.target.value)} required>
              {tree.map((n) => (
                <option key={n.category.id} value={n.category.id}>
                  {'\u00a0\u00a0'.repeat(n.depth)}
                  {n.path}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Priority" error={fieldError(err, 'priority')}>
          {(id) => (
            <select id={id} value={priority} onChange={(e) => setPriority(e.target.value)}>
              {TICKET_PRIORITIES.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Caller number" error={fieldError(err, 'caller_number')} hint={profile ? `profile: ${profile.name ?? profile.phone_e164}${profile.vip_level ? ` (VIP ${profile.vip_level})` : ''}` : undefined}>
          {(id, d) => <input id={id} aria-describedby={d} value={caller} inputMode="tel" maxLength={64} onChange={(e) => setCaller(e.target.value)} onBlur={(e) => void lookUp(e.target.value)} placeholder="+14155550100" />}
        </Field>
        <Field label="Assignee team" error={fieldError(err, 'assignee_team')}>
          {(id) => <input id={id} value={team} onChange={(e) => setTeam(e.target.value)} maxLength={64} placeholder="e.g. billing" />}
        </Field>
        <Field label="Assignee agent" error={fieldError(err, 'assignee_agent_id')}>
          {(id) => (
            <select id={id} value={agentId} onChange={(e) => setAgentId(e.target.value)}>
              <option value="">Nobody</option>
              {(directory.data?.agents ?? []).map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name} ({a.extension})
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Field label="Subject" error={fieldError(err, 'subject')}>
        {(id) => <input id={id} value={subject} onChange={(e) => setSubject(e.target.value)} required maxLength={255} />}
      </Field>
      <Field label="Description" error={fieldError(err, 'description')}>
        {(id) => <textarea id={id} rows={4} value={description} onChange={(e) => setDescription(e.target.value)} maxLength={20000} />}
      </Field>
      <ProblemMessage error={err} onDismiss={create.clear} />
      <div className="row">
        <button type="submit" className="primary" disabled={create.busy || !categoryId || !subject.trim()}>
          {create.busy ? 'Creating…' : 'Create ticket'}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
