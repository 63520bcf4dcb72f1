/**
 * XML plumbing shared by the dialplan validator and the mod_xml_curl responses: one parser configuration (ordered
 * nodes, attributes without a prefix, no value coercion, source offsets for line numbers) and one escaping builder.
 * Every XML document Switchboard sends to FreeSWITCH is built here from values, never by string concatenation.
 */
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

/** A node of fast-xml-parser's `preserveOrder` output: `{ tag: children, ':@': attributes }` or `{ '#text': ... }`. */
export type OrderedNode = Record<string, unknown>;

export const ATTRS = ':@';
export const TEXT = '#text';

export function createParser(): XMLParser {
  return new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    allowBooleanAttributes: false,
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    processEntities: true,
    htmlEntities: false,
    captureMetaData: true,
  });
}

const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

/** The element name of an ordered node (its one key that is not `:@`), or null for text. */
export function tagOf(node: OrderedNode): string | null {
  for (const k of Object.keys(node)) if (k !== ATTRS) return k === TEXT ? null : k;
  return null;
}

export function childrenOf(node: OrderedNode): OrderedNode[] {
  const tag = tagOf(node);
  const c = tag ? node[tag] : undefined;
  return Array.isArray(c) ? (c as OrderedNode[]) : [];
}

export function attrsOf(node: OrderedNode): Record<string, string> {
  const a = node[ATTRS];
  return a && typeof a === 'object' ? (a as Record<string, string>) : {};
}

/** Where the node's start tag begins in the source text (captureMetaData), if known. */
export function startIndexOf(node: OrderedNode): number | undefined {
  const meta = (node as Record<symbol, { startIndex?: number } | undefined>)[META];
  return meta?.startIndex;
}

/** 1-based line of a character offset. */
export function lineAt(text: string, index: number): number {
  return lineIndex(text)(index);
}

/** A line lookup for many offsets into one text: the line starts once, then a binary search per offset. */
export function lineIndex(text: string): (index: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (index: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

const builder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
  processEntities: true,
  format: true,
  indentBy: '  ',
});

/** An element for `buildXml`: name, attributes (string values, escaped by the builder), children. */
export interface XmlElement {
  name: string;
  attrs?: Record<string, string>;
  children?: XmlElement[];
}

function toOrdered(e: XmlElement): OrderedNode {
  const node: OrderedNode = { [e.name]: (e.children ?? []).map(toOrdered) };
  if (e.attrs && Object.keys(e.attrs).length) node[ATTRS] = { ...e.attrs };
  return node;
}

/** Serialises elements with every attribute value escaped (`& < > " '`). */
export function buildXml(root: XmlElement): string {
  return builder.build([toOrdered(root)]).trim() + '\n';
}

/** Serialises ordered nodes as parsed (for re-emitting validated dialplan extensions). */
export function buildOrdered(nodes: OrderedNode[]): string {
  return builder.build(nodes).trim() + '\n';
}

/** FreeSWITCH's "nothing here" answer to a mod_xml_curl request: it then falls back to its static XML. */
export const NOT_FOUND_XML = buildXml({
  name: 'document',
  attrs: { type: 'freeswitch/xml' },
  children: [{ name: 'section', attrs: { name: 'result' }, children: [{ name: 'result', attrs: { status: 'not found' } }] }],
});
