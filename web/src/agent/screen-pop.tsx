/**
 * The screen pop of a call: who is calling (number, name, VIP), how they got here (IVR path), what the CRM knows
 * (the call's variables) and their previous calls. Every value is caller- or CRM-supplied: React text only.
 */
import { dateTime } from '../lib/format';
import type { ScreenPop } from './types';

/** CRM variables that mean "VIP" when set to a true-ish value. */
const VIP_KEYS = ['crm_vip', 'vip', 'is_vip'];

export function isVip(pop: ScreenPop): boolean {
  return VIP_KEYS.some((k) => /^(1|true|yes|y|vip)$/i.test(pop.data[k] ?? ''));
}

interface PathStep {
  node?: unknown;
  nodeType?: unknown;
  event?: unknown;
  digits?: unknown;
}

function stepText(s: unknown): string {
  if (!s || typeof s !== 'object') return String(s);
  const p = s as PathStep;
  const parts = [p.node, p.event].filter((x) => typeof x === 'string' && x) as string[];
  if (typeof p.digits === 'string' && p.digits) parts.push(`pressed ${p.digits}`);
  return parts.join(' · ') || JSON.stringify(s);
}

export function CallerHeadline({ pop }: { pop: ScreenPop }) {
  return (
    <div className="caller-line">
      <span className="caller-name" data-testid="caller-name">
        {pop.caller_name ?? pop.data.crm_name ?? 'Unknown caller'}
      </span>{' '}
      <span className="caller-number" data-testid="caller-number">
        {pop.caller_number ?? 'no number'}
      </span>
      {isVip(pop) && <span className="pill vip">VIP</span>}
      {pop.queue && <span className="pill">{pop.queue}</span>}
    </div>
  );
}

export function ScreenPopView({ pop, headingLevel = 3, headline = true }: { pop: ScreenPop; headingLevel?: 2 | 3; headline?: boolean }) {
  const H = `h${headingLevel}` as 'h2' | 'h3';
  const data = Object.entries(pop.data).filter(([k]) => !k.startsWith('sb_'));
  const path = (pop.ivr_path ?? []).filter((s) => !s || typeof s !== 'object' || !['played', 'entered'].includes(String((s as PathStep).event)));
  return (
    <div className="screen-pop" data-testid="screen-pop">
      {headline && <CallerHeadline pop={pop} />}
      <div className="pop-grid">
        <section aria-label="CRM data">
          <H>CRM data</H>
          {data.length ? (
            <dl className="kv">
              {data.map(([k, v]) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd>{v}</dd>
                </div>
              ))}
            </dl>
          ) : (
            <p className="muted">No CRM data.</p>
          )}
        </section>
        <section aria-label="IVR path">
          <H>IVR path</H>
          {path.length ? (
            <ol className="ivr-path">
              {path.slice(-12).map((s, i) => (
                <li key={i}>{stepText(s)}</li>
              ))}
            </ol>
          ) : (
            <p className="muted">No IVR path for this call.</p>
          )}
        </section>
      </div>
      <section aria-label="Previous calls">
        <H>Previous calls</H>
        {pop.previous_queue_calls.length ? (
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">Date</th>
                  <th scope="col">Queue</th>
                  <th scope="col">Agent</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Disposition</th>
                  <th scope="col">Notes</th>
                </tr>
              </thead>
              <tbody>
                {pop.previous_queue_calls.map((c) => (
                  <tr key={c.id}>
                    <td>{dateTime(c.entered_at)}</td>
                    <td>{c.queue}</td>
                    <td>{c.agent_name ?? (c.agent_id !== null ? `#${c.agent_id}` : '–')}</td>
                    <td>{c.outcome ?? '–'}</td>
                    <td>{c.disposition ?? '–'}</td>
                    <td className="notes">{c.notes ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="muted">No previous queue calls from this number.</p>
        )}
      </section>
    </div>
  );
}
