/**
 * mod_xml_cdr, as FreeSWITCH 1.10 runs it (mod_xml_cdr.c, switch_ivr_generate_xml_cdr): when a channel is destroyed,
 * its CDR document (<cdr core-uuid switchname> with <channel_data>, <variables> whose values are url-encoded, and
 * <callflow><caller_profile>/<times>) is POSTed as `cdr=<form-encoded document>` (encode=true) to the configured
 * URL, with HTTP Basic credentials. A failed post (no answer, not 2xx) is retried `retries` times, `delay` apart, each
 * retry on the next URL of the list; when every try failed, FreeSWITCH writes the document to its err-log-dir (here:
 * kept in `failed`). The service is the other end (src/cdr/xml-cdr-route.ts): a call that ended while no instance
 * was connected over ESL still gets its CDR this way.
 */
import type { Channel } from './channel';
import type { HostIdentity } from './event-bus';

export interface XmlCdrSettings {
  /** `<param name="url">` entries, tried in order. */
  urls: string[];
  /** `cred`: user:password for HTTP Basic. */
  credentials?: string;
  /** `retries` (default 0 in FreeSWITCH; the shipped freeswitch-conf sets 3). */
  retries?: number;
  /** `delay` between tries (FreeSWITCH: seconds; here ms, default 1000). */
  delayMs?: number;
  /** Request timeout per try (`timeout`, default 10 s). */
  timeoutMs?: number;
}

export interface XmlCdrStats {
  posted: number;
  retried: number;
  /** Documents every try failed for (FreeSWITCH's err-log-dir). */
  failed: number;
  inFlight: number;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function xmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The <cdr> document of a channel at CS_REPORTING (its CDR variables set). */
export function renderXmlCdr(ch: Channel, host: HostIdentity): string {
  const vars: string[] = [];
  for (const [k, v] of ch.vars.entries()) {
    // switch_ivr_set_xml_chan_var: the name is the element; the value url-encoded.
    if (NAME.test(k)) vars.push(`<${k}>${encodeURIComponent(v)}</${k}>`);
  }
  const p = ch.profile;
  const t = p.times;
  const el = (name: string, value: string): string => (value ? `<${name}>${xmlText(value)}</${name}>` : `<${name}></${name}>`);
  const profile = [
    el('username', p.username),
    el('dialplan', p.dialplan),
    el('caller_id_name', p.callerIdName),
    el('ani', p.ani),
    el('network_addr', p.networkAddr),
    el('destination_number', p.destinationNumber),
    el('uuid', ch.uuid),
    el('source', p.source),
    el('context', p.context),
    el('chan_name', ch.name),
    el('caller_id_number', p.callerIdNumber),
    el('callee_id_name', p.calleeIdName),
    el('callee_id_number', p.calleeIdNumber),
  ].join('');
  const times = [
    ['created_time', t.created],
    ['profile_created_time', t.profileCreated],
    ['progress_time', t.progress],
    ['progress_media_time', t.progressMedia],
    ['answered_time', t.answered],
    ['bridged_time', t.bridged],
    ['hangup_time', t.hangup],
  ]
    .map(([k, us]) => `<${k}>${Number(us) || 0}</${k}>`)
    .join('');
  return (
    `<?xml version="1.0"?>\n<cdr core-uuid="${xmlText(host.coreUuid)}" switchname="${xmlText(host.switchname)}">` +
    `<channel_data><state>CS_REPORTING</state><direction>${p.direction}</direction><state_number>11</state_number></channel_data>` +
    `<variables>${vars.join('')}</variables>` +
    `<callflow dialplan="${xmlText(p.dialplan)}" profile_index="1"><caller_profile>${profile}</caller_profile><times>${times}</times></callflow>` +
    `</cdr>`
  );
}

/** Posts each destroyed channel's CDR; one instance per simulator, configured at run time (setXmlCdr). */
export class XmlCdrPoster {
  private settings: XmlCdrSettings | undefined;
  private urlIndex = 0;
  private readonly counts = { posted: 0, retried: 0, failed: 0 };
  private readonly inFlight = new Set<Promise<void>>();
  /** Documents every try failed for, oldest first, with what each try got (bounded: FreeSWITCH writes them to files). */
  readonly failedDocuments: Array<{ doc: string; tries: string[] }> = [];

  constructor(private readonly host: HostIdentity) {}

  configure(settings: XmlCdrSettings | undefined): void {
    if (settings && settings.urls.length === 0) throw new Error('mod_xml_cdr needs at least one url');
    this.settings = settings;
    this.urlIndex = 0;
  }

  onDestroyed(ch: Channel): void {
    const s = this.settings;
    if (!s) return;
    const doc = renderXmlCdr(ch, this.host);
    const p = this.deliver(s, doc).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  stats(): XmlCdrStats {
    return { ...this.counts, inFlight: this.inFlight.size };
  }

  /** Resolves when every post in flight is done (delivered or given up). */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private async deliver(s: XmlCdrSettings, doc: string): Promise<void> {
    const body = `cdr=${encodeURIComponent(doc)}`;
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (s.credentials) headers.authorization = `Basic ${Buffer.from(s.credentials).toString('base64')}`;
    const tries = 1 + Math.max(0, s.retries ?? 0);
    const got: string[] = [];
    for (let i = 0; i < tries; i++) {
      if (i > 0) {
        this.counts.retried++;
        await new Promise((r) => setTimeout(r, s.delayMs ?? 1000));
        // mod_xml_cdr moves on to the next url after a failure.
        this.urlIndex = (this.urlIndex + 1) % s.urls.length;
      }
      const url = s.urls[this.urlIndex % s.urls.length]!;
      try {
        const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(s.timeoutMs ?? 10_000) });
        await res.arrayBuffer().catch(() => undefined);
        if (res.status >= 200 && res.status < 300) {
          this.counts.posted++;
          return;
        }
        got.push(`${url}: HTTP ${res.status}`);
      } catch (err) {
        // connection refused, timeout: the next try
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        got.push(`${url}: ${(err as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`);
      }
    }
    this.counts.failed++;
    this.failedDocuments.push({ doc, tries: got });
    if (this.failedDocuments.length > 1000) this.failedDocuments.shift();
  }
}
