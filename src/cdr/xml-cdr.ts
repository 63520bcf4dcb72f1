/**
 * The second CDR path: FreeSWITCH's mod_xml_cdr posts each leg's XML CDR to POST /freeswitch/xml-cdr (with its own
 * retries and an on-disk fallback, `err-log-dir`, for when no service answers). The document is turned into the same
 * CHANNEL_HANGUP_COMPLETE shape the event path reads (variables as `variable_<name>`, the caller profile as
 * `Caller-*`), so one mapping (./cdr-from-event.ts) makes both paths' rows, and the idempotent INSERT keeps one row
 * per leg whichever path comes first.
 *
 * Body encodings, as mod_xml_cdr 1.10 sends them (its `encode` parameter):
 * - `true` (default): `application/x-www-form-urlencoded`, `cdr=<url-encoded XML>`;
 * - `base64`: `application/x-www-form-base64-encoded`, `cdr=<base64 XML>`;
 * - `false`: `application/x-www-form-plaintext`, `cdr=<XML as is>` (not url-encoded);
 * - `textxml`: `text/xml`, the XML as the body.
 * Inside the document, every variable's value is url-encoded (switch_ivr_set_xml_chan_var).
 */
import type { EslEvent, HeaderValue } from '../esl/types';
import { childrenOf, createParser, tagOf, TEXT, attrsOf, type OrderedNode } from '../dialplan/xml';

export class XmlCdrError extends Error {}

/** The XML document of a mod_xml_cdr request body. */
export function xmlCdrDocument(contentType: string | undefined, body: string): string {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const field = (): string => {
    if (!body.startsWith('cdr=')) throw new XmlCdrError('the body is not cdr=<document>');
    return body.slice('cdr='.length);
  };
  switch (type) {
    case 'application/x-www-form-urlencoded': {
      const cdr = new URLSearchParams(body).get('cdr');
      if (cdr === null) throw new XmlCdrError('the form has no cdr field');
      return cdr;
    }
    case 'application/x-www-form-base64-encoded':
      return Buffer.from(field().replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'application/x-www-form-plaintext':
      return field();
    case 'text/xml':
    case 'application/xml':
      return body;
    default:
      throw new XmlCdrError(`unsupported content type ${type || '(none)'}: set mod_xml_cdr's encode to true, base64, false or textxml`);
  }
}

const MAX_VARIABLES = 2000;

function textOf(node: OrderedNode): string {
  let out = '';
  for (const c of childrenOf(node)) if (TEXT in c) out += String(c[TEXT]);
  return out;
}

function child(node: OrderedNode | undefined, name: string): OrderedNode | undefined {
  return node ? childrenOf(node).find((c) => tagOf(c) === name) : undefined;
}

function decodeValue(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/**
 * A mod_xml_cdr document as the CHANNEL_HANGUP_COMPLETE event the CDR mapping reads, and the switch that sent it
 * (the `switchname` attribute of <cdr>).
 */
export function parseXmlCdr(xml: string): { event: EslEvent; switchName: string | undefined } {
  // FreeSWITCH never sends a DOCTYPE; refusing one rules out entity-expansion documents.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new XmlCdrError('a CDR document must not have a DOCTYPE or entities');
  let nodes: OrderedNode[];
  try {
    nodes = createParser().parse(xml) as OrderedNode[];
  } catch (err) {
    throw new XmlCdrError(`the CDR is not well-formed XML: ${(err as Error).message}`);
  }
  const cdr = nodes.find((n) => tagOf(n) === 'cdr');
  if (!cdr) throw new XmlCdrError('the document has no <cdr> element');
  const headers: Record<string, HeaderValue> = { 'Event-Name': 'CHANNEL_HANGUP_COMPLETE' };
  const variables = child(cdr, 'variables');
  if (!variables) throw new XmlCdrError('the CDR has no <variables>');
  let n = 0;
  for (const v of childrenOf(variables)) {
    const name = tagOf(v);
    if (!name || ++n > MAX_VARIABLES) continue;
    headers[`variable_${name}`] = decodeValue(textOf(v));
  }
  const channelData = child(cdr, 'channel_data');
  const direction = channelData && child(channelData, 'direction');
  if (direction) headers['Call-Direction'] = textOf(direction);
  // The first callflow is the channel's original caller profile (later ones follow transfers).
  const profile = child(child(cdr, 'callflow'), 'caller_profile');
  const fromProfile: Array<[string, string]> = [
    ['uuid', 'Caller-Unique-ID'],
    ['caller_id_number', 'Caller-Caller-ID-Number'],
    ['caller_id_name', 'Caller-Caller-ID-Name'],
    ['ani', 'Caller-ANI'],
    ['destination_number', 'Caller-Destination-Number'],
    ['context', 'Caller-Context'],
    ['chan_name', 'Caller-Channel-Name'],
    ['callee_id_number', 'Caller-Callee-ID-Number'],
    ['callee_id_name', 'Caller-Callee-ID-Name'],
  ];
  for (const [tag, header] of fromProfile) {
    const el = child(profile, tag);
    const value = el && textOf(el);
    if (value) headers[header] = value;
  }
  const uuid = headers.variable_uuid ?? headers['Caller-Unique-ID'];
  if (typeof uuid !== 'string' || uuid === '') throw new XmlCdrError('the CDR has no uuid variable');
  headers['Unique-ID'] = uuid;
  return { event: { name: 'CHANNEL_HANGUP_COMPLETE', headers, format: 'xml' }, switchName: attrsOf(cdr).switchname };
}
