/**
 * Who is signed in, and the live connection that belongs to that sign-in. The token lives in this module's memory
 * (lib/api.ts) and nowhere else: reloading the page asks for the password again, by design.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, currentToken, onUnauthorized, post, setToken } from './api';
import { LiveConnection, type LiveStatus } from './live';

export type Role = 'admin' | 'supervisor' | 'agent';

export interface SessionUser {
  id: number;
  username: string;
  role: Role;
  display_name: string | null;
}

interface LoginResponse {
  token: string;
  expires_at: string;
  user: SessionUser;
}

export interface Session {
  user: SessionUser;
  expiresAt: string;
  live: LiveConnection;
  signOut: (why?: string) => void;
}

interface SessionState {
  session: Session | null;
  /** Why the last session ended (shown on the login page), e.g. "your session expired". */
  endedBecause: string | null;
  signIn: (username: string, password: string) => Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null);
  const [endedBecause, setEndedBecause] = useState<string | null>(null);

  const signOut = useCallback((why?: string) => {
    setSession((s) => {
      s?.live.stop();
      return null;
    });
    setToken(null);
    setEndedBecause(why ?? null);
  }, []);

  useEffect(() => onUnauthorized(() => signOut('Your session has ended (it expired or was revoked); sign in again.')), [signOut]);

  const signIn = useCallback(
    async (username: string, password: string) => {
      const res = await post<LoginResponse>('/api/v1/auth/login', { username, password });
      setToken(res.token);
      const live = new LiveConnection(currentToken, () => signOut('Your session has ended (it expired or was revoked); sign in again.'));
      live.start();
      setEndedBecause(null);
      setSession({ user: res.user, expiresAt: res.expires_at, live, signOut });
    },
    [signOut],
  );

  const value = useMemo(() => ({ session, endedBecause, signIn }), [session, endedBecause, signIn]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSessionState(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSessionState outside SessionProvider');
  return s;
}

/** The signed-in session (pages render only inside one). */
export function useSession(): Session {
  const { session } = useSessionState();
  if (!session) throw new Error('useSession without a session');
  return session;
}

export function useLiveStatus(): LiveStatus {
  const { live } = useSession();
  const [status, setStatus] = useState<LiveStatus>(live.status);
  useEffect(() => {
    setStatus(live.status);
    return live.onStatus(setStatus);
  }, [live]);
  return status;
}

export { ApiError };
