import type { SipAccountRow } from '../db/entities/sip-account';
import { buildXml, type XmlElement } from '../dialplan/xml';
import { profileName } from '../freeswitch';
import { displayNameProblem } from './sip-accounts';

/**
 * The dial-string of every directory user: the INVITE goes to the user's registration on `profile`, with the dialed
 * domain and a presence id. Unlike the stock directory's `${sofia_contact(...)}` (an API call inside a variable,
 * refused when switch.conf has api-expansion=false: every `user/` dial then fails with CHAN_NOT_IMPLEMENTED),
 * `sofia/<profile>/<user>%<domain>` lets mod_sofia find the contact itself, so `user/<ext>` works with the hardening.
 */
export function directoryDialString(profile = 'internal'): string {
  return `{^^:sip_invite_domain=\${dialed_domain}:presence_id=\${dialed_user}@\${dialed_domain}}sofia/${profileName(profile, 'profile')}/\${dialed_user}%\${dialed_domain}`;
}

/** The dialplan context calls from agents' phones start in (user_context). */
export const DEFAULT_USER_CONTEXT = 'default';

/**
 * The mod_xml_curl directory answer for one SIP account: `<domain><user id><params>` with the A1 hash (never a
 * password) and the dial-string, and `<variables>` with user_context and the caller id. Every value goes through
 * the escaping builder, so no display name can change the document's structure.
 */
export function directoryUserXml(row: SipAccountRow, options: { userContext?: string; sipProfile?: string } = {}): string {
  const name = row.display_name && !displayNameProblem(row.display_name) ? row.display_name : row.extension;
  const variables: Array<[string, string]> = [
    ['user_context', options.userContext ?? DEFAULT_USER_CONTEXT],
    ['effective_caller_id_name', name],
    ['effective_caller_id_number', row.extension],
    ['switchboard_sip_account_id', String(row.id)],
  ];
  if (row.user_id !== null && row.user_id !== undefined) variables.push(['switchboard_user_id', String(row.user_id)]);
  const param = (n: string, v: string): XmlElement => ({ name: 'param', attrs: { name: n, value: v } });
  const doc: XmlElement = {
    name: 'document',
    attrs: { type: 'freeswitch/xml' },
    children: [
      {
        name: 'section',
        attrs: { name: 'directory' },
        children: [
          {
            name: 'domain',
            attrs: { name: row.domain },
            children: [
              {
                name: 'user',
                attrs: { id: row.extension },
                children: [
                  { name: 'params', children: [param('a1-hash', row.a1_hash), param('dial-string', directoryDialString(options.sipProfile))] },
                  { name: 'variables', children: variables.map(([n, v]) => ({ name: 'variable', attrs: { name: n, value: v } })) },
                ],
              },
            ],
          },
        ],
      },
    ],
  };
  return buildXml(doc);
}
