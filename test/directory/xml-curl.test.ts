/**
 * POST /freeswitch/xml-curl as mod_xml_curl calls it (form-urlencoded, HTTP Basic with an API key), on SQLite and
 * MariaDB: directory users with their A1 hash, dialplan contexts, "not found" for the rest, escaping, 401/403.
 */
import { XMLParser } from 'fast-xml-parser';
import { SipAccountSchema, type SipAccountRow } from '../../src/db/entities/sip-account';
import { importShippedDialplans } from '../../src/dialplan/import';
import { NOT_FOUND_XML } from '../../src/dialplan/xml';
import { validateDialplan } from '../../src/dialplan/validate';
import { directoryDialString } from '../../src/directory/directory-xml';
import { describeEachEngine } from '../helpers/databases';
import { SHIPPED_DIALPLANS, startEngineApi, type EngineApi } from '../dialplan/helpers';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['param', 'variable', 'extension', 'action'].includes(name) });

interface DirectoryDoc {
  document: {
    type: string;
    section: {
      name: string;
      domain: {
        name: string;
        user: {
          id: string;
          params: { param: Array<{ name: string; value: string }> };
          variables: { variable: Array<{ name: string; value: string }> };
        };
      };
    };
  };
}

describeEachEngine('mod_xml_curl endpoint', (engine) => {
  let api: EngineApi;
  let basic: string;

  beforeAll(async () => {
    api = await startEngineApi(engine);
    basic = 'Basic ' + Buffer.from(`freeswitch:${api.apiKeys.admin}`).toString('base64');
    await importShippedDialplans(api.ds, SHIPPED_DIALPLANS);
  });
  afterAll(() => api?.close());

  /** What mod_xml_curl sends: a form body with the request parameters. */
  function xmlCurl(params: Record<string, string>, authorization: string | null = basic): Promise<Response> {
    const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
    if (authorization) headers.Authorization = authorization;
    return api.fetch('/freeswitch/xml-curl', { method: 'POST', headers, body: new URLSearchParams(params).toString() });
  }

  async function createAccount(body: Record<string, unknown>): Promise<{ id: number; password: string }> {
    const res = await api.fetch('/api/v1/sip-accounts', { method: 'POST', token: api.tokens.admin, json: body });
    expect(res.status).toBe(201);
    const out = (await res.json()) as { sip_account: { id: number }; password: string };
    return { id: out.sip_account.id, password: out.password };
  }

  const directoryParams = (user: string, domain = 'pbx.example.com') => ({
    hostname: 'fs1',
    section: 'directory',
    tag_name: 'domain',
    key_name: 'name',
    key_value: domain,
    'Event-Name': 'REQUEST_PARAMS',
    action: 'sip_auth',
    sip_profile: 'internal',
    sip_user_agent: 'Yealink',
    sip_auth_username: user,
    sip_auth_realm: domain,
    user,
    domain,
  });

  it('refuses requests without credentials, with a bad key, or with a non-admin key', async () => {
    const none = await xmlCurl(directoryParams('1001'), null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm="switchboard-xml-curl"/);
    const bad = await xmlCurl(directoryParams('1001'), 'Basic ' + Buffer.from('freeswitch:sb_' + 'x'.repeat(43)).toString('base64'));
    expect(bad.status).toBe(401);
    const bearer = await xmlCurl(directoryParams('1001'), `Bearer ${api.tokens.admin}`);
    expect(bearer.status).toBe(401);
    const agentKey = await xmlCurl(directoryParams('1001'), 'Basic ' + Buffer.from(`fs:${api.apiKeys.agent}`).toString('base64'));
    expect(agentKey.status).toBe(403);
  });

  it('answers a directory request with the user, its a1-hash, dial-string and variables', async () => {
    const { id, password } = await createAccount({ extension: '1001', domain: 'pbx.example.com', display_name: 'Alice Agent', user_id: api.ids.agent });
    const res = await xmlCurl(directoryParams('1001'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/xml/);
    const text = await res.text();
    const doc = parser.parse(text) as DirectoryDoc;
    expect(doc.document.type).toBe('freeswitch/xml');
    expect(doc.document.section.name).toBe('directory');
    expect(doc.document.section.domain.name).toBe('pbx.example.com');
    const user = doc.document.section.domain.user;
    expect(user.id).toBe('1001');
    const params = Object.fromEntries(user.params.param.map((p) => [p.name, p.value]));
    const stored = await api.ds.getRepository<SipAccountRow>(SipAccountSchema).findOneByOrFail({ id });
    expect(params).toEqual({ 'a1-hash': stored.a1_hash, 'dial-string': directoryDialString('internal') });
    // No API call inside: it works with api-expansion=false (README hardening).
    expect(params['dial-string']).not.toMatch(/\$\{[a-z_]+\(/);
    expect(params['dial-string']).toContain('sofia/internal/${dialed_user}%${dialed_domain}');
    expect(params['a1-hash']).toMatch(/^[0-9a-f]{32}$/);
    expect(text).not.toContain(password);
    const vars = Object.fromEntries(user.variables.variable.map((v) => [v.name, v.value]));
    expect(vars).toEqual({
      user_context: 'default',
      effective_caller_id_name: 'Alice Agent',
      effective_caller_id_number: '1001',
      switchboard_sip_account_id: String(id),
      switchboard_user_id: String(api.ids.agent),
    });
  });

  it('escapes hostile display names so they cannot change the document', async () => {
    const hostile = `Eve"/><user id="666"><params><param name="password" value="x"/></params></user><x a="&amp;'`;
    const { id } = await createAccount({ extension: '1002', domain: 'pbx.example.com', display_name: hostile.slice(0, 80) });
    // Also a name written to the database behind the API's back.
    const res = await xmlCurl(directoryParams('1002'));
    const text = await res.text();
    const doc = parser.parse(text) as DirectoryDoc;
    const user = doc.document.section.domain.user;
    expect(user.id).toBe('1002');
    const vars = Object.fromEntries(user.variables.variable.map((v) => [v.name, v.value]));
    expect(vars.effective_caller_id_name).toBe(hostile.slice(0, 80));
    expect(text.match(/<user /g)).toHaveLength(1);
    expect(text).toContain('&quot;/&gt;&lt;user id=&quot;666&quot;');

    await api.ds.getRepository<SipAccountRow>(SipAccountSchema).update({ id }, { display_name: '${system(id)}' });
    const doc2 = parser.parse(await (await xmlCurl(directoryParams('1002'))).text()) as DirectoryDoc;
    const vars2 = Object.fromEntries(doc2.document.section.domain.user.variables.variable.map((v) => [v.name, v.value]));
    expect(vars2.effective_caller_id_name).toBe('1002');
  });

  it('answers "not found" for unknown, disabled or other-domain users and for gateway lookups', async () => {
    expect(await (await xmlCurl(directoryParams('9999'))).text()).toBe(NOT_FOUND_XML);
    expect(await (await xmlCurl(directoryParams('1001', 'other.example.com'))).text()).toBe(NOT_FOUND_XML);
    expect(await (await xmlCurl({ section: 'directory', tag_name: '', key_name: '', key_value: '', purpose: 'gateways', profile: 'external' })).text()).toBe(NOT_FOUND_XML);
    const { id } = await createAccount({ extension: '1003', domain: 'pbx.example.com', enabled: false });
    expect(await (await xmlCurl(directoryParams('1003'))).text()).toBe(NOT_FOUND_XML);
    await api.fetch(`/api/v1/sip-accounts/${id}`, { method: 'PATCH', token: api.tokens.admin, json: { enabled: true } });
    expect(await (await xmlCurl(directoryParams('1003'))).text()).toContain('<user id="1003">');
    const notFound = parser.parse(NOT_FOUND_XML) as { document: { type: string; section: { name: string; result: { status: string } } } };
    expect(notFound.document).toEqual({ type: 'freeswitch/xml', section: { name: 'result', result: { status: 'not found' } } });
  });

  it('answers a dialplan request with the current version of the hunted context', async () => {
    const res = await xmlCurl({
      section: 'dialplan',
      tag_name: '',
      key_name: '',
      key_value: '',
      'Event-Name': 'REQUEST_PARAMS',
      'Caller-Context': 'public',
      'Hunt-Context': 'public',
      'Caller-Destination-Number': '18005550100',
      'Hunt-Destination-Number': '18005550100',
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    const doc = parser.parse(text) as {
      document: { type: string; section: { name: string; context: { name: string; extension: Array<{ name: string; condition: { field: string; expression: string; action: Array<{ application: string; data?: string }> } }> } } };
    };
    expect(doc.document.type).toBe('freeswitch/xml');
    expect(doc.document.section.name).toBe('dialplan');
    const ctx = doc.document.section.context;
    expect(ctx.name).toBe('public');
    expect(ctx.extension.map((e) => e.name)).toEqual(['switchboard_inbound']);
    expect(ctx.extension[0]!.condition.expression).toBe('^\\+?(\\d{3,15})$');
    expect(ctx.extension[0]!.condition.action.map((a) => a.application)).toEqual(['multiset', 'park']);
    // The context inside is a valid dialplan in its own right.
    const inner = text.slice(text.indexOf('<context'), text.lastIndexOf('</context>') + '</context>'.length);
    expect(validateDialplan(inner, { context: 'public' }).ok).toBe(true);

    // A new version is served at once; a deleted or unknown context is "not found".
    const xml = (await (await api.fetch('/api/v1/dialplans/public', { token: api.tokens.admin })).json()) as { xml: string };
    const v2 = xml.xml.replace('switchboard_inbound', 'switchboard_inbound_v2');
    expect((await api.fetch('/api/v1/dialplans/public', { method: 'PUT', token: api.tokens.admin, json: { xml: v2 } })).status).toBe(200);
    expect(await (await xmlCurl({ section: 'dialplan', 'Hunt-Context': 'public' })).text()).toContain('name="switchboard_inbound_v2"');
    expect(await (await xmlCurl({ section: 'dialplan', 'Hunt-Context': 'nosuch' })).text()).toBe(NOT_FOUND_XML);
    expect(await (await xmlCurl({ section: 'dialplan', 'Caller-Context': 'public' })).text()).toContain('<context name="public">');
    expect((await api.fetch('/api/v1/dialplans/public', { method: 'DELETE', token: api.tokens.admin })).status).toBe(200);
    expect(await (await xmlCurl({ section: 'dialplan', 'Hunt-Context': 'public' })).text()).toBe(NOT_FOUND_XML);
  });

  it('answers "not found" for other sections and for an empty body', async () => {
    expect(await (await xmlCurl({ section: 'configuration', key_name: 'name', key_value: 'sofia.conf' })).text()).toBe(NOT_FOUND_XML);
    const empty = await api.fetch('/freeswitch/xml-curl', { method: 'POST', headers: { Authorization: basic } });
    expect(empty.status).toBe(200);
    expect(await empty.text()).toBe(NOT_FOUND_XML);
    // X-API-Key works too (handy with curl).
    const viaHeader = await api.fetch('/freeswitch/xml-curl', { method: 'POST', headers: { 'X-API-Key': api.apiKeys.admin, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'section=directory&user=1001&domain=pbx.example.com' });
    expect(await viaHeader.text()).toContain('<user id="1001">');
  });
});
