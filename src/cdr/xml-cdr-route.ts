/**
 * POST /freeswitch/xml-cdr: mod_xml_cdr's CDR posts (./xml-cdr.ts), FreeSWITCH's own path for CDRs, independent of
 * the event socket: a leg that ended while no service instance was connected still gets its row, from FreeSWITCH's
 * retries or its err-log-dir files replayed later. Authentication as for mod_xml_curl: HTTP Basic (`cred` in
 * xml_cdr.conf.xml) with an admin API key as the password. 200 only once the CDR is queued (in memory, or in the
 * local spool while the database is down); anything else makes mod_xml_cdr retry and then keep the file.
 */
import express, { type Request, type Response } from 'express';
import type { ApiContext } from '../api/context';
import { HttpProblem } from '../api/problem';
import { defineRoute, type AnyRoute } from '../api/registry';
import { parseXmlCdr, xmlCdrDocument, XmlCdrError } from './xml-cdr';

export const XML_CDR_PATH = '/freeswitch/xml-cdr';
const bodyParser = express.text({ type: () => true, limit: '4mb' });

function readBody(req: Request, res: Response): Promise<string> {
  return new Promise((resolve, reject) => bodyParser(req, res, (err?: unknown) => (err ? reject(err) : resolve(typeof req.body === 'string' ? req.body : ''))));
}

export function xmlCdrRoutes(ctx: ApiContext): AnyRoute[] {
  const nodes = new Set(ctx.deps.config.freeswitch.nodes.map((n) => n.name));
  return [
    defineRoute({
      method: 'post',
      path: XML_CDR_PATH,
      operationId: 'freeswitchXmlCdr',
      summary: "mod_xml_cdr's CDR posts: the second, independent CDR path",
      description:
        'Called by FreeSWITCH, not by people. Body as mod_xml_cdr sends it (encode true: form `cdr=<url-encoded XML>`; base64; false: `cdr=<XML>` as application/x-www-form-plaintext; textxml). ' +
        '`?node=<name>` names the FREESWITCH_NODES node it comes from (default: the `switchname` of the document). One row per leg whichever path, event or this, writes it first. ' +
        'Authentication: HTTP Basic (`cred` in xml_cdr.conf.xml) whose password is an admin API key; 401 without it, 403 for a key of another role, 400 for a document that is not a CDR, 503 while no CDR writer runs.',
      tags: ['freeswitch'],
      access: { kind: 'basic-api-key', roles: ['admin'], realm: 'switchboard-xml-cdr', caller: 'mod_xml_cdr' },
      responses: {
        200: { description: 'written to the database or the local spool', contentType: 'text/plain' },
        400: { description: 'not a mod_xml_cdr document' },
        401: { description: 'no or invalid credentials' },
        403: { description: 'the API key is not an admin key' },
        503: { description: 'no CDR writer is running here' },
      },
      handler: async ({ req, res }) => {
        const ingest = ctx.deps.ingestCdrEvent;
        if (!ingest) throw new HttpProblem(503, 'no CDR writer runs in this process');
        let parsed: ReturnType<typeof parseXmlCdr>;
        try {
          parsed = parseXmlCdr(xmlCdrDocument(req.headers['content-type'], await readBody(req, res)));
        } catch (err) {
          if (err instanceof XmlCdrError) throw new HttpProblem(400, err.message);
          throw err;
        }
        const asked = typeof req.query.node === 'string' ? req.query.node : undefined;
        const node = [asked, parsed.switchName].find((n) => n !== undefined && nodes.has(n)) ?? asked ?? parsed.switchName ?? 'unknown';
        if (!ingest(node, parsed.event)) throw new HttpProblem(400, 'the CDR has no usable leg data');
        // Answered once it is on disk or in the database: a process killed after the answer loses nothing.
        await ctx.deps.cdrPersisted?.();
        res.status(200).type('text/plain').send('ok\n');
      },
    }),
  ];
}
