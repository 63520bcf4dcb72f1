/**
 * How the service rings a person's SIP phone (an agent's for an offer or a manual call, a supervisor's for
 * listen/whisper): one resolver used by the ACD, call control, supervision and the dialer.
 *
 * Why not plain `user/<ext>`: the stock directory's dial-string is `${sofia_contact(...)}`, an API call inside a
 * variable, which FreeSWITCH refuses with api-expansion=false (the README's hardening): every `user/` dial then
 * fails with CHAN_NOT_IMPLEMENTED. `sofia/<profile>/<ext>%<domain>` makes mod_sofia look the registration up itself
 * and needs no API expansion. Sites whose directory serves an expansion-free dial-string (the service's own
 * mod_xml_curl directory does) may keep `user/` with PHONE_DIAL=user.
 *
 * The domain is the one phones register in: SIP_DOMAIN, else each node's `domain` global (vars.xml's
 * `$${domain}`, by default the switch's IP), read once per connection.
 */
import { dialLoopback, dialSofiaUser, dialUser, globalGetVar, type DialString } from '../freeswitch';
import type { NodeApiCluster } from '../freeswitch/cluster';

export interface PhoneDialConfig {
  /** `loopback`: the fault drills' phones (src/faults/drill-switch.ts), legs parked in `loopbackContext`. */
  mode: 'sofia' | 'user' | 'loopback';
  /** sofia profile the phones register on (default `internal`). */
  profile: string;
  /** Fixed registration domain; unset: each node's `domain` global variable. */
  domain?: string;
  /** The context loopback phones are dialled into (PHONE_LOOPBACK_CONTEXT; only for mode loopback). */
  loopbackContext?: string;
}

/** The service cannot build a phone's dial string: a configuration fault, not the agent's. */
export class PhoneDialConfigError extends Error {
  override readonly name = 'PhoneDialConfigError';
}

export class PhoneEndpoints {
  /** Each connected node's domain (learnt at connection); a lookup in flight is in `pending`. */
  private readonly domains = new Map<string, string>();
  private readonly pending = new Map<string, Promise<string>>();
  private unsubscribe?: () => void;

  constructor(
    readonly config: PhoneDialConfig,
    private readonly cluster?: NodeApiCluster,
    private readonly onError?: (err: PhoneDialConfigError) => void,
  ) {
    // Learnt at every connection: a reconnect may be a restarted switch with another vars.xml.
    this.unsubscribe = cluster?.onStatus((node, status) => {
      this.domains.delete(node);
      if (status === 'ready' && this.config.mode === 'sofia' && !this.config.domain) void this.learnDomain(node).catch(() => undefined);
    });
  }

  /**
   * The dial string of `extension`'s phone for a call placed on `node`. Throws PhoneDialConfigError when it cannot
   * be built (no domain known for the node yet, a domain or extension FreeSWITCH would not accept).
   */
  endpoint(extension: string, node: string): DialString {
    try {
      if (this.config.mode === 'user') return dialUser(extension, this.config.domain);
      if (this.config.mode === 'loopback') return dialLoopback(extension, this.config.loopbackContext ?? 'switchboard_drill');
      return dialSofiaUser(this.config.profile, extension, this.domainOf(node));
    } catch (err) {
      if (err instanceof PhoneDialConfigError) throw err;
      throw new PhoneDialConfigError(`cannot dial phone ${JSON.stringify(extension)} on node ${node}: ${(err as Error).message}`);
    }
  }

  /** The registration domain phones use on `node` (throws PhoneDialConfigError while unknown). */
  domainOf(node: string): string {
    if (this.config.domain) return this.config.domain;
    const known = this.domains.get(node);
    if (known) return known;
    void this.learnDomain(node).catch(() => undefined);
    throw new PhoneDialConfigError(`the SIP domain of node ${node} is not known yet (set SIP_DOMAIN to skip the lookup)`);
  }

  /** Reads the node's `domain` global variable (once per connection; concurrent callers share the lookup). */
  learnDomain(node: string): Promise<string> {
    if (this.config.domain) return Promise.resolve(this.config.domain);
    const known = this.domains.get(node);
    if (known) return Promise.resolve(known);
    let p = this.pending.get(node);
    if (!p) {
      p = this.lookUpDomain(node).then(
        (domain) => {
          this.pending.delete(node);
          this.domains.set(node, domain);
          return domain;
        },
        (err: unknown) => {
          this.pending.delete(node);
          if (err instanceof PhoneDialConfigError) this.onError?.(err);
          throw err;
        },
      );
      this.pending.set(node, p);
    }
    return p;
  }

  close(): void {
    this.unsubscribe?.();
  }

  private async lookUpDomain(node: string): Promise<string> {
    if (!this.cluster) throw new PhoneDialConfigError('no SIP domain: set SIP_DOMAIN');
    let body: string;
    try {
      body = (await this.cluster.client(node).api(globalGetVar('domain'))).body.trim();
    } catch (err) {
      throw new PhoneDialConfigError(`cannot read the domain variable of node ${node}: ${(err as Error).message}`);
    }
    if (!body || body.startsWith('-ERR')) {
      throw new PhoneDialConfigError(`node ${node} has no domain variable: set SIP_DOMAIN to the domain phones register in`);
    }
    return body;
  }
}
