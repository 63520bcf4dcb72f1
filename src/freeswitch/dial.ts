/**
 * Dial strings: only these constructors make one, so a raw `sofia/...` or a string with `,` `|` `[` `{` (parallel
 * legs, failover, injected variables) can never reach originate or bridge.
 */
import { UnsafeValueError } from './errors';
import { dialVarValue } from './escape';
import { channelVarName, contextName, dialplanName, domain, extension, gatewayName, phoneNumber, profileName, safeText } from './values';

declare const dialBrand: unique symbol;

/** One endpoint (`user/1001`, `sofia/internal/1001%example.com`, `sofia/gateway/gw/15551234`, `loopback/...`) built below. */
export type DialString = string & { readonly [dialBrand]: true };

/** A channel variable value as callers give it; numbers and booleans are written the way FreeSWITCH reads them. */
export type VarValue = string | number | boolean;

/** `user/<ext>[@<domain>]`: a directory user (FreeSWITCH finds its registration). */
export function dialUser(ext: string, userDomain?: string): DialString {
  const e = extension(ext, 'extension');
  return (userDomain === undefined ? `user/${e}` : `user/${e}@${domain(userDomain, 'domain')}`) as DialString;
}

/**
 * `sofia/<profile>/<user>%<domain>`: the phone registered as user@domain on that profile. mod_sofia looks the contact
 * up itself, so this needs no API expansion (unlike a stock `user/` dial-string, `${sofia_contact()}`); without a
 * registration it fails with NO_ROUTE_DESTINATION.
 */
export function dialSofiaUser(profile: string, user: string, userDomain: string): DialString {
  const p = profileName(profile, 'profile');
  if (p.toLowerCase() === 'gateway') throw new UnsafeValueError('profile', 'must not be "gateway" (that is sofia/gateway/...)', p);
  return `sofia/${p}/${extension(user, 'extension')}%${domain(userDomain, 'domain')}` as DialString;
}

/** `sofia/gateway/<gateway>/<number>`: a number through a configured gateway. */
export function dialGateway(gateway: string, number: string): DialString {
  return `sofia/gateway/${gatewayName(gateway, 'gateway')}/${phoneNumber(number, 'number')}` as DialString;
}

/** `loopback/<exten>/<context>[/<dialplan>]`: a leg that runs the local dialplan (tests, queues). */
export function dialLoopback(exten: string, context = 'default', dialplan?: string): DialString {
  const base = `loopback/${extension(exten, 'extension')}/${contextName(context, 'context')}`;
  return (dialplan === undefined ? base : `${base}/${dialplanName(dialplan, 'dialplan')}`) as DialString;
}

const ENDPOINT = new RegExp(
  '^(?:user/[A-Za-z0-9][A-Za-z0-9_.-]*(?:@[A-Za-z0-9.-]+)?' +
    '|sofia/gateway/[A-Za-z0-9][A-Za-z0-9_.-]*/\\+?[0-9*#]+' +
    '|sofia/(?!gateway/)[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*%[A-Za-z0-9.-]+' +
    '|loopback/[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*(?:/[A-Za-z][A-Za-z0-9_]*)?)$',
);

/** Re-checks that a DialString was built here (a cast from an arbitrary string is caught at run time). */
export function assertDialString(value: unknown, field = 'endpoint'): DialString {
  if (typeof value !== 'string' || !ENDPOINT.test(value)) {
    throw new UnsafeValueError(field, 'not a dial string built by dialUser/dialSofiaUser/dialGateway/dialLoopback', typeof value === 'string' ? value : undefined);
  }
  return value as DialString;
}

/** A variable value as text: strings pass `safeText`; numbers must be finite; booleans become true/false. */
export function varValueText(field: string, value: unknown): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new UnsafeValueError(field, 'number is not finite', String(value));
    return String(value);
  }
  return safeText(field, value);
}

/**
 * `{a=1,b=x\,y}<endpoint>`: the endpoint with variables for all its legs, as switch_ivr_originate reads it.
 * Pairs are written in the given order; with no pairs the endpoint is returned alone.
 */
export function renderDialString(endpoint: DialString, pairs: ReadonlyArray<readonly [string, VarValue]>): string {
  const ep = assertDialString(endpoint);
  if (!pairs.length) return ep;
  const seen = new Set<string>();
  const body = pairs.map(([name, value]) => {
    const n = channelVarName(name, `vars.${String(name).slice(0, 64)}`);
    const key = n.toLowerCase();
    if (seen.has(key)) throw new UnsafeValueError(`vars.${n}`, 'variable given twice');
    seen.add(key);
    return `${n}=${dialVarValue(`vars.${n}`, varValueText(`vars.${n}`, value))}`;
  });
  return `{${body.join(',')}}${ep}`;
}
