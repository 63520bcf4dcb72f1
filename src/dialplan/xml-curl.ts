/**
 * POST /freeswitch/xml-curl: what mod_xml_curl asks when FreeSWITCH needs a directory user (SIP REGISTER/INVITE
 * authentication, `user/<ext>` dialing) or a dialplan context (each new call). Answers:
 * - section=directory with a user and domain of an enabled SIP account: that user (a1-hash, dial-string, variables);
 * - section=dialplan with a Hunt-Context (or Caller-Context) that is a live stored context: the context's current
 *   version, validated again, as `<section name="dialplan"><context name=...>`;
 * - anything else: FreeSWITCH's "not found" document (it then falls back to its static XML).
 *
 * Authentication: mod_xml_curl sends HTTP Basic credentials from its `gateway-credentials` ("user:password"); the
 * password must be a Switchboard API key of role admin (`sb_...`, created with POST /api/v1/api-keys); the user
 * name is ignored. An `X-API-Key` header is accepted too (for curl). Admin because the answers carry A1 hashes, which
 * are as good as the SIP passwords.
 */
import express, { type Request, type Response } from 'express';
import { DEFAULT_USER_CONTEXT, directoryUserXml } from '../directory/directory-xml';
import { SipAccountService } from '../directory/sip-accounts';
import type { ApiContext } from '../api/context';
import { defineRoute, type AnyRoute } from '../api/registry';
import { CONTEXT_NAME, DialplanService } from './dialplan-service';
import { validateDialplan } from './validate';
import { ATTRS, buildOrdered, NOT_FOUND_XML } from './xml';

export const XML_CURL_PATH = '/freeswitch/xml-curl';

const formParser = express.urlencoded({ extended: false, limit: '256kb', parameterLimit: 2000 });

function parseForm(req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => formParser(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
}

function param(params: Record<string, unknown>, name: string): string | undefined {
  const v = params[name];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s !== '' ? s : undefined;
}

export interface XmlCurlServices {
  dialplans: DialplanService;
  accounts: SipAccountService;
  userContext?: string;
  /** sofia profile of the users' dial-string (SIP_PROFILE). */
  sipProfile?: string;
}

/** The XML answer for one request's parameters (exported for tests). */
export async function xmlCurlAnswer(params: Record<string, unknown>, services: XmlCurlServices): Promise<{ xml: string; found: boolean }> {
  const section = param(params, 'section');
  if (section === 'directory') {
    const purpose = param(params, 'purpose');
    const user = param(params, 'user');
    const domain = param(params, 'domain') ?? (param(params, 'key_name') === 'name' ? param(params, 'key_value') : undefined);
    if (purpose || !user || !domain) return { xml: NOT_FOUND_XML, found: false };
    const row = await services.accounts.findForDirectory(user, domain);
    if (!row) return { xml: NOT_FOUND_XML, found: false };
    return { xml: directoryUserXml(row, { userContext: services.userContext ?? DEFAULT_USER_CONTEXT, sipProfile: services.sipProfile }), found: true };
  }
  if (section === 'dialplan') {
    const context = param(params, 'Hunt-Context') ?? param(params, 'Caller-Context');
    if (!context || !CONTEXT_NAME.test(context)) return { xml: NOT_FOUND_XML, found: false };
    const row = await services.dialplans.latest(context);
    if (!row || row.deleted) return { xml: NOT_FOUND_XML, found: false };
    const v = validateDialplan(row.xml, { context });
    if (!v.ok) return { xml: NOT_FOUND_XML, found: false };
    const xml = buildOrdered([
      {
        document: [
          {
            section: [{ context: v.nodes, [ATTRS]: { name: context } }],
            [ATTRS]: { name: 'dialplan', description: `Switchboard dialplan ${context} version ${row.version}` },
          },
        ],
        [ATTRS]: { type: 'freeswitch/xml' },
      },
    ]);
    return { xml, found: true };
  }
  return { xml: NOT_FOUND_XML, found: false };
}

export function xmlCurlRoutes(ctx: ApiContext): AnyRoute[] {
  const services: XmlCurlServices = {
    dialplans: new DialplanService(ctx.deps.dataSource, { clock: ctx.deps.clock }),
    accounts: new SipAccountService(ctx.deps.dataSource, { clock: ctx.deps.clock }),
    sipProfile: ctx.deps.config.telephony.phoneDial.profile,
  };
  const logger = ctx.logger.child({ module: 'xml-curl' });
  return [
    defineRoute({
      method: 'post',
      path: XML_CURL_PATH,
      operationId: 'freeswitchXmlCurl',
      summary: 'mod_xml_curl gateway: directory users and dialplan contexts for FreeSWITCH',
      description:
        'Called by FreeSWITCH, not by people. Body: application/x-www-form-urlencoded as mod_xml_curl sends it (section, key_name, key_value, user, domain, purpose, Hunt-Context, Caller-Context, Caller-Destination-Number...). ' +
        'Authentication: HTTP Basic (`gateway-credentials` in xml_curl.conf.xml) whose password is an admin API key `sb_...` (the user name is ignored), or `X-API-Key`; 401 without it, 403 for a key of another role. ' +
        'Answers text/xml: the directory user (a1-hash, dial-string, variables) of an enabled SIP account, the current version of a stored dialplan context, or `<result status="not found"/>`.',
      tags: ['freeswitch'],
      access: { kind: 'basic-api-key', roles: ['admin'], realm: 'switchboard-xml-curl', caller: 'mod_xml_curl' },
      responses: {
        200: { description: 'a freeswitch/xml document (possibly the "not found" one)', contentType: 'text/xml' },
        401: { description: 'no or invalid credentials' },
        403: { description: 'the API key is not an admin key' },
      },
      handler: async ({ req, res }) => {
        await parseForm(req, res);
        const params: Record<string, unknown> = { ...(req.query as Record<string, unknown>), ...((req.body as Record<string, unknown> | undefined) ?? {}) };
        const { xml, found } = await xmlCurlAnswer(params, services);
        logger.debug('xml_curl request', {
          section: param(params, 'section'),
          user: param(params, 'user'),
          domain: param(params, 'domain'),
          context: param(params, 'Hunt-Context') ?? param(params, 'Caller-Context'),
          found,
        });
        res.status(200).type('text/xml').send(xml);
      },
    }),
  ];
}

