/** Routes live in the URL hash (`#/admin/flows/main-menu`), so the service serves one index.html for every page. */
import { useEffect, useState } from 'react';

export function currentRoute(): string {
  const h = location.hash.replace(/^#/, '');
  return h.startsWith('/') ? h : '/';
}

export function navigate(to: string): void {
  if (currentRoute() !== to) location.hash = to;
}

export function useRoute(): string {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const on = () => setRoute(currentRoute());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** `match('/admin/flows/:name', '/admin/flows/main')` -> { name: 'main' }; null when it does not match. */
export function match(pattern: string, route: string): Record<string, string> | null {
  const p = pattern.split('/');
  const r = route.split('?')[0]!.split('/');
  if (p.length !== r.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i]!.startsWith(':')) out[p[i]!.slice(1)] = decodeURIComponent(r[i]!);
    else if (p[i] !== r[i]) return null;
  }
  return out;
}
