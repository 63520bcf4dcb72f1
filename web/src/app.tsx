import { Suspense, useEffect, useMemo, useState } from 'react';
import { agentPages } from './agent';
import { adminPages } from './admin';
import { match, navigate, useRoute } from './lib/router';
import { useLiveStatus, useSession, useSessionState, type Role } from './lib/session';
import { LoginPage } from './login';
import type { PageDef } from './pages';
import { supervisorPages } from './supervisor';
import { ticketPages } from './tickets';
import { profilePages } from './profiles';
import { alertPages } from './alerts';
import { periodReportPages } from './reports';

const ALL_PAGES: PageDef[] = [...agentPages, ...supervisorPages, ...adminPages, ...ticketPages, ...profilePages, ...alertPages, ...periodReportPages];

/** Where each role lands after signing in. */
const HOME: Record<Role, string> = { agent: '/agent', supervisor: '/supervisor/wallboard', admin: '/supervisor/wallboard' };

export function App() {
  const { session } = useSessionState();
  return session ? <Shell /> : <LoginPage />;
}

/** The agent id of the signed-in user, from the live feed's hello (null: no agent row; undefined: not known yet). */
function useOwnAgentId(): number | null | undefined {
  const { live } = useSession();
  const [id, setId] = useState<number | null | undefined>(() => (live.hello ? ((live.hello.agent_id as number | null) ?? null) : undefined));
  useEffect(() => live.onMessage((m) => m.type === 'hello' && setId((m.agent_id as number | null) ?? null)), [live]);
  return id;
}

function Shell() {
  const { user, signOut } = useSession();
  const route = useRoute();
  const ownAgentId = useOwnAgentId();
  const pages = useMemo(() => ALL_PAGES.filter((p) => p.roles.includes(user.role)), [user.role]);
  const found = useMemo(() => {
    for (const p of pages) {
      const params = match(p.route, route);
      if (params) return { page: p, params };
    }
    return null;
  }, [pages, route]);
  const forbidden = !found && ALL_PAGES.some((p) => match(p.route, route));

  useEffect(() => {
    if (route === '/' || (!found && !forbidden)) navigate(HOME[user.role]);
  }, [route, found, forbidden, user.role]);

  useEffect(() => {
    document.title = found ? `${found.page.title} · Switchboard` : 'Switchboard';
  }, [found]);

  const listed = (p: PageDef) => !p.hidden && !(p.agentRowOnly && user.role !== 'agent' && ownAgentId == null);
  const groups = (['Agent', 'Supervisor', 'Admin'] as const).map((g) => ({ g, items: pages.filter((p) => p.group === g && listed(p)) })).filter((x) => x.items.length);
  const Page = found?.page.component;
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Switchboard</span>
        <nav aria-label="Main">
          {groups.map(({ g, items }) => (
            <span key={g} className="nav-group">
              {groups.length > 1 && <span className="nav-title">{g}</span>}
              {items.map((p) => (
                <a key={p.route} href={`#${p.route}`} aria-current={found?.page === p ? 'page' : undefined}>
                  {p.title}
                </a>
              ))}
            </span>
          ))}
        </nav>
        <LiveBadge />
        <span className="who" title={`${user.username} (${user.role})`}>
          {user.display_name ?? user.username} · {user.role}
        </span>
        <button type="button" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {Page ? (
          <Suspense fallback={<p className="muted">Loading…</p>}>
            <Page params={found.params} />
          </Suspense>
        ) : forbidden ? (
          <div className="problem" role="alert">
            <strong>Not allowed:</strong> this page needs another role than {user.role}.
          </div>
        ) : null}
      </main>
    </div>
  );
}

/** "live" while the WebSocket is up; "reconnecting" while it is not (what is shown may be stale until it is). */
function LiveBadge() {
  const status = useLiveStatus();
  const text = status === 'live' ? 'live' : status === 'closed' ? 'offline' : status === 'connecting' ? 'connecting' : 'reconnecting';
  return (
    <span className={`live-badge ${status}`} role="status" aria-live="polite" data-testid="live-status">
      {text}
    </span>
  );
}
