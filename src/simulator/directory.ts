/**
 * `user/<ext>[@<domain>]` as mod_dptools resolves it: the directory user's `dial-string` is expanded and dialled.
 * The simulator has one dial-string for every user (a stock install has one per domain, in directory/default.xml).
 *
 * What real FreeSWITCH does that matters here (user_outgoing_channel, mod_dptools.c; switch_channel_expand_variables):
 * with `api-expansion=false` in switch.conf.xml, a `${func(args)}` inside the dial-string is not run but replaced by
 * `<API execute Permission Denied>`, so the stock `${sofia_contact(...)}` dial-string names an endpoint type that does
 * not exist: "Cannot create outgoing channel of type [<API execute Permission Denied>]", cause CHAN_NOT_IMPLEMENTED,
 * whether or not the phone is registered. A dial-string without API calls (`sofia/<profile>/${dialed_user}%
 * ${dialed_domain}`, as the service's mod_xml_curl directory serves) works either way.
 */
import type { LegDriver } from './originate';

/** The vanilla directory/default.xml dial-string of FreeSWITCH 1.10. */
export const STOCK_DIAL_STRING =
  '{^^:sip_invite_domain=${dialed_domain}:presence_id=${dialed_user}@${dialed_domain}}${sofia_contact(*/${dialed_user}@${dialed_domain})},${verto_contact(${dialed_user}@${dialed_domain})}';

const API_CALL = /\$\{[A-Za-z_][A-Za-z0-9_]*\(/;

export interface DirectoryDialing {
  /** The users' dial-string. */
  dialString(): string;
  /** switch.conf.xml api-expansion (FreeSWITCH's default: on). */
  apiExpansion(): boolean;
  domain: string;
  /** Rings a registered phone by its contact (what `${sofia_contact()}` finds). */
  contactDriver: LegDriver;
  /** The `sofia/...` endpoint (`<profile>/<target>`). */
  sofiaDriver: LegDriver;
}

export function userDriver(d: DirectoryDialing): LegDriver {
  return (target, ctx, report) => {
    const at = target.indexOf('@');
    const user = at >= 0 ? target.slice(0, at) : target;
    const domain = at >= 0 ? target.slice(at + 1) : d.domain;
    const ds = d.dialString();
    if (API_CALL.test(ds) && !d.apiExpansion()) {
      report({ failed: 'CHAN_NOT_IMPLEMENTED' });
      return { cancel: () => undefined };
    }
    if (ds.includes('${sofia_contact(')) return d.contactDriver(target, ctx, report);
    const expanded = ds
      .replaceAll('${dialed_user}', user)
      .replaceAll('${dialed_domain}', domain)
      .replace(/^\{[^}]*\}/, '')
      .split(',')[0]!
      .trim();
    if (expanded.startsWith('sofia/')) return d.sofiaDriver(expanded.slice('sofia/'.length), ctx, report);
    report({ failed: 'CHAN_NOT_IMPLEMENTED' });
    return { cancel: () => undefined };
  };
}
