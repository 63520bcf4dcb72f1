/**
 * The simulator's mod_xml_cdr: each destroyed channel's CDR document is POSTed (cdr=<form-encoded>, HTTP Basic),
 * retried on the next URL when a try fails, kept as failed when every try did; the document is what the service's
 * parser reads (src/cdr/xml-cdr.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseXmlCdr, xmlCdrDocument } from '../../src/cdr/xml-cdr';
import { header } from '../../src/esl/types';
import { startSimulator, type Simulator } from '../../src/simulator';

interface Received {
  auth: string | undefined;
  doc: string;
}

async function server(status: number): Promise<{ url: string; got: Received[]; close: () => Promise<void> }> {
  const got: Received[] = [];
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      got.push({ auth: req.headers.authorization, doc: xmlCdrDocument(req.headers['content-type'], body) });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/cdr`;
  return { url, got, close: () => new Promise((r) => srv.close(() => r())) };
}

describe('simulator mod_xml_cdr', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({ password: 'x', seed: 3, heartbeatMs: 0 });
  });
  afterEach(() => sim.close());

  it('posts the CDR of an ended call; a failed try moves to the next url', async () => {
    const down = await server(503);
    const up = await server(200);
    sim.setXmlCdr({ urls: [down.url, up.url], credentials: 'fs:key123', retries: 2, delayMs: 10 });
    const uuid = sim.injectInboundCall({ from: '+14155550100', to: '+18005550100' });
    await new Promise((r) => setTimeout(r, 50));
    sim.hangup(uuid, 'NORMAL_CLEARING');
    await sim.xmlCdr.settled();
    expect(down.got).toHaveLength(1);
    expect(up.got).toHaveLength(1);
    expect(up.got[0]!.auth).toBe(`Basic ${Buffer.from('fs:key123').toString('base64')}`);
    const { event } = parseXmlCdr(up.got[0]!.doc);
    expect(header(event, 'Unique-ID')).toBe(uuid);
    expect(header(event, 'variable_hangup_cause')).toBe('NORMAL_CLEARING');
    expect(header(event, 'Caller-Caller-ID-Number')).toBe('+14155550100');
    expect(sim.xmlCdr.stats()).toMatchObject({ posted: 1, retried: 1, failed: 0 });
    await down.close();
    await up.close();
  });

  it('keeps the document when every try failed (err-log-dir), and posts nothing when unloaded', async () => {
    const down = await server(500);
    sim.setXmlCdr({ urls: [down.url], retries: 1, delayMs: 5 });
    sim.hangup(sim.injectInboundCall({ from: '+14155550101', to: '+18005550100' }));
    await sim.xmlCdr.settled();
    expect(sim.xmlCdr.stats()).toMatchObject({ posted: 0, failed: 1 });
    expect(sim.xmlCdr.failedDocuments[0]!.doc).toContain('<cdr core-uuid=');
    expect(sim.xmlCdr.failedDocuments[0]!.tries).toEqual([`${down.url}: HTTP 500`, `${down.url}: HTTP 500`]);
    sim.setXmlCdr(undefined);
    sim.hangup(sim.injectInboundCall({ from: '+14155550102', to: '+18005550100' }));
    await sim.xmlCdr.settled();
    expect(down.got).toHaveLength(2);
    await down.close();
  });
});
