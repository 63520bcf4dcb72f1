import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Simulator } from './simulator';

export interface ControlApi {
  url: string;
  close(): Promise<void>;
}

type Handler = (sim: Simulator, params: string[], body: Record<string, unknown>) => unknown | Promise<unknown>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const str = (v: unknown, name: string, required = true): string => {
  if (typeof v === 'string' && v.length > 0) return v;
  if (!required && v === undefined) return '';
  throw new HttpError(400, `${name} must be a non-empty string`);
};
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * The HTTP control API (JSON in, JSON out) for the demo and manual testing: inject calls, press keys, drive
 * softphones and the gateway, read channels/audio routes/recordings, drop ESL connections.
 */
const ROUTES: Route[] = [
  { method: 'GET', pattern: /^\/health$/, handler: (s) => ({ ok: true, eslPort: s.port }) },
  { method: 'GET', pattern: /^\/stats$/, handler: (s) => s.stats() },
  { method: 'GET', pattern: /^\/channels$/, handler: (s) => s.channels() },
  {
    method: 'GET',
    pattern: /^\/channels\/([^/]+)$/,
    handler: (s, [uuid]) => {
      const c = s.channel(uuid!);
      if (!c) throw new HttpError(404, 'no such channel');
      return c;
    },
  },
  {
    method: 'POST',
    pattern: /^\/calls\/inbound$/,
    handler: (s, _p, b) => ({
      uuid: s.injectInboundCall({
        from: str(b.from, 'from'),
        to: str(b.to, 'to'),
        fromName: typeof b.fromName === 'string' ? b.fromName : undefined,
        variables: (b.variables as Record<string, string> | undefined) ?? undefined,
      }),
    }),
  },
  {
    method: 'POST',
    pattern: /^\/channels\/([^/]+)\/dtmf$/,
    handler: (s, [uuid], b) => {
      if (!s.pressDigits(uuid!, str(b.digits, 'digits'), { intervalMs: num(b.intervalMs) })) throw new HttpError(404, 'no such channel');
      return { ok: true };
    },
  },
  {
    method: 'POST',
    pattern: /^\/channels\/([^/]+)\/hangup$/,
    handler: (s, [uuid], b) => {
      if (!s.hangup(uuid!, typeof b.cause === 'string' ? b.cause : undefined)) throw new HttpError(404, 'no such channel');
      return { ok: true };
    },
  },
  {
    method: 'GET',
    pattern: /^\/softphones$/,
    handler: (s) =>
      s.softphones.list().map((p) => ({ ext: p.ext, registered: p.registered, behavior: p.behavior, calls: [...p.calls], ip: p.ip })),
  },
  {
    method: 'PUT',
    pattern: /^\/softphones\/([^/]+)$/,
    handler: (s, [ext], b) => {
      s.registerSoftphone(ext!, b);
      return { ok: true };
    },
  },
  {
    method: 'PATCH',
    pattern: /^\/softphones\/([^/]+)$/,
    handler: (s, [ext], b) => {
      if (!s.setSoftphoneBehavior(ext!, b)) throw new HttpError(404, 'no such softphone');
      return { ok: true };
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/softphones\/([^/]+)$/,
    handler: (s, [ext]) => ({ ok: s.unregisterSoftphone(ext!) }),
  },
  {
    method: 'POST',
    pattern: /^\/softphones\/([^/]+)\/hangup$/,
    handler: (s, [ext], b) => ({ hungUp: s.softphoneHangup(ext!, typeof b.cause === 'string' ? b.cause : undefined) }),
  },
  {
    method: 'POST',
    pattern: /^\/softphones\/([^/]+)\/answer$/,
    handler: (s, [ext]) => {
      if (!s.softphoneAnswer(ext!)) throw new HttpError(409, 'softphone is not ringing');
      return { ok: true };
    },
  },
  {
    method: 'POST',
    pattern: /^\/softphones\/([^/]+)\/dtmf$/,
    handler: (s, [ext], b) => {
      if (!s.softphoneDigits(ext!, str(b.digits, 'digits'))) throw new HttpError(404, 'softphone has no call');
      return { ok: true };
    },
  },
  {
    method: 'PUT',
    pattern: /^\/gateway\/numbers\/([^/]+)$/,
    handler: (s, [number], b) => {
      const outcome = str(b.outcome, 'outcome');
      if (!['answer', 'busy', 'noAnswer', 'machine', 'invalid', 'failure'].includes(outcome)) throw new HttpError(400, 'bad outcome');
      s.setGatewayOutcome(number!, {
        outcome: outcome as never,
        ringMs: num(b.ringMs),
        hangupAfterMs: num(b.hangupAfterMs),
        beepAfterMs: num(b.beepAfterMs),
      });
      return { ok: true };
    },
  },
  {
    method: 'PUT',
    pattern: /^\/gateway\/probabilities$/,
    handler: (s, _p, b) => {
      s.setGatewayProbabilities(b as Record<string, number>);
      return { ok: true };
    },
  },
  {
    method: 'PUT',
    pattern: /^\/dids\/([^/]+)$/,
    handler: (s, [did], b) => {
      const action = str(b.action, 'action');
      if (!['park', 'playback', 'echo', 'hangup'].includes(action)) throw new HttpError(400, 'bad action');
      s.setDidRoute(did!, b as never);
      return { ok: true };
    },
  },
  { method: 'GET', pattern: /^\/audio-routes$/, handler: (s) => s.audioRoutes() },
  { method: 'GET', pattern: /^\/recordings$/, handler: (s) => s.recordings() },
  { method: 'GET', pattern: /^\/events\/counters$/, handler: (s) => s.eventCounters() },
  { method: 'POST', pattern: /^\/connections\/drop$/, handler: (s) => ({ dropped: s.dropConnections() }) },
  {
    // mod_xml_cdr's settings (xml_cdr.conf.xml): urls, cred, retries, delay; {"urls": []} unloads it.
    method: 'PUT',
    pattern: /^\/xml-cdr$/,
    handler: (s, _p, b) => {
      const urls = Array.isArray(b.urls) ? b.urls.filter((u): u is string => typeof u === 'string' && /^https?:\/\//.test(u)) : [];
      if (Array.isArray(b.urls) && urls.length !== b.urls.length) throw new HttpError(400, 'urls must be http(s) URLs');
      s.setXmlCdr(
        urls.length
          ? { urls, credentials: typeof b.credentials === 'string' ? b.credentials : undefined, retries: num(b.retries), delayMs: num(b.delayMs) }
          : undefined,
      );
      return { ok: true };
    },
  },
  { method: 'GET', pattern: /^\/xml-cdr$/, handler: (s) => s.xmlCdr.stats() },
  {
    method: 'POST',
    pattern: /^\/api$/,
    handler: async (s, _p, b) => ({ output: await s.apiAsync(str(b.command, 'command'), typeof b.args === 'string' ? b.args : '') }),
  },
  {
    method: 'POST',
    pattern: /^\/clock\/advance$/,
    handler: (s, _p, b) => {
      const clock = s.clock as { advance?: (ms: number) => void };
      if (typeof clock.advance !== 'function') throw new HttpError(409, 'the simulator runs on the system clock');
      clock.advance(num(b.ms) ?? 0);
      return { now: s.clock.now() };
    },
  },
];

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1024 * 1024) throw new HttpError(413, 'body too large');
    chunks.push(chunk as Buffer);
  }
  if (!size) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'body must be a JSON object');
  }
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function startControlApi(sim: Simulator, port: number, host: string): Promise<ControlApi> {
  const server = createServer((req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://sim');
        const route = ROUTES.find((r) => r.method === req.method && r.pattern.test(url.pathname));
        if (!route) throw new HttpError(404, `no route ${req.method} ${url.pathname}`);
        const params = (route.pattern.exec(url.pathname) ?? []).slice(1).map((p) => decodeURIComponent(p));
        const body = req.method === 'GET' || req.method === 'DELETE' ? {} : await readBody(req);
        send(res, 200, await route.handler(sim, params, body));
      } catch (err) {
        const status = err instanceof HttpError ? err.status : 500;
        send(res, status, { error: (err as Error).message });
      }
    })();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      const p = typeof addr === 'object' && addr ? addr.port : port;
      resolve({
        url: `http://${host}:${p}`,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections?.();
            server.close(() => r());
          }),
      });
    });
  });
}
