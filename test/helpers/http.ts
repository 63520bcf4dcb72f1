/** A request to the API under test: a bearer token or an API key, and a body given as JSON. */
export type ApiRequestInit = RequestInit & { token?: string; apiKey?: string; json?: unknown };

/** fetch() bound to a server's base URL that turns `token`, `apiKey` and `json` into headers and a body. */
export function apiFetcher(base: string): (pathname: string, init?: ApiRequestInit) => Promise<Response> {
  return (pathname, init = {}) => {
    const { token, apiKey, json, headers, ...rest } = init;
    const h = new Headers(headers);
    if (token) h.set('Authorization', `Bearer ${token}`);
    if (apiKey) h.set('X-API-Key', apiKey);
    let body = rest.body;
    if (json !== undefined) {
      h.set('Content-Type', 'application/json');
      body = JSON.stringify(json);
    }
    return fetch(base + pathname, { ...rest, headers: h, body });
  };
}
