/** The agent's own figures of today (GET /acd/me/today: the agent report's definitions). */
import { ProblemMessage } from '../components/problem';
import { get } from '../lib/api';
import { percent, seconds } from '../lib/format';
import { useResource } from '../lib/hooks';
import type { Today } from './types';

export function TodayPanel({ version }: { version: string }) {
  const today = useResource((signal) => get<Today>('/api/v1/acd/me/today', undefined, signal), [version], { intervalMs: 60_000 });
  const t = today.data;
  return (
    <section className="panel" aria-labelledby="today-h">
      <h2 id="today-h">Today</h2>
      <ProblemMessage error={today.error} />
      <div className="figures">
        <div>
          <span className="big" data-testid="today-calls">
            {t ? t.calls_answered : '–'}
          </span>
          <span className="muted">calls</span>
        </div>
        <div>
          <span className="big">{t ? seconds(t.aht_sec) : '–'}</span>
          <span className="muted">AHT</span>
        </div>
        <div>
          <span className="big">{t ? percent(t.occupancy) : '–'}</span>
          <span className="muted">occupancy</span>
        </div>
        <div>
          <span className="big">{t ? seconds(t.logged_in_sec) : '–'}</span>
          <span className="muted">logged in</span>
        </div>
      </div>
    </section>
  );
}
