// S3's XML wire format: a small builder for responses (S3's namespace, escaped text) and a bounded
// parser for request bodies.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { S3Error } from './errors.js';
import { decodeXmlDocumentText, escapeXmlText, strictXmlEntityDecoder } from './xml-chars.js';

export const S3_XML_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** An element's content: text, nested elements, or nothing (skipped when undefined). */
export type XmlContent = string | number | boolean | XmlNode[] | undefined;
export interface XmlNode {
  name: string;
  content: XmlContent;
  /** The text is already escaped (hot paths that know their text, e.g. quoted hex ETags). */
  escaped?: boolean;
  /** Attributes of the start tag, already escaped (an ACL grantee's xsi:type). */
  attributes?: string;
  /** Elements already rendered, one string each (renderedXmlFragments). */
  fragments?: string[];
}

export { escapeXmlText };

export function node(name: string, content: XmlContent): XmlNode {
  return { name, content };
}

/** An S3 ETag element: hex (with "-N" for multipart) inside escaped quotes. */
export function etagNode(etagHex: string): XmlNode {
  return { name: 'ETag', content: `&quot;${etagHex}&quot;`, escaped: true };
}

/**
 * Elements already rendered (hot paths: a listing's thousand Contents built as one string rather
 * than six thousand nodes). The caller escapes every text in it.
 */
export function renderedXml(fragment: string): XmlNode {
  return { name: '', content: fragment, escaped: true };
}

/**
 * Elements already rendered, one string per element (a listing's thousand Contents): xmlDocumentBytes
 * writes each straight into the body's bytes. The caller escapes every text in them.
 */
export function renderedXmlFragments(fragments: string[]): XmlNode {
  return { name: '', content: '', escaped: true, fragments };
}

export function renderNode(entry: XmlNode): string {
  if (entry.fragments !== undefined) return entry.fragments.join('');
  const { name, content } = entry;
  if (content === undefined) return '';
  if (name === '') return content as string;
  if (Array.isArray(content)) {
    let inner = '';
    for (const child of content) inner += renderNode(child);
    return `<${name}${entry.attributes === undefined ? '' : ` ${entry.attributes}`}>${inner}</${name}>`;
  }
  if (typeof content !== 'string') return `<${name}>${String(content)}</${name}>`;
  return `<${name}>${entry.escaped === true ? content : escapeXmlText(content)}</${name}>`;
}

/** A whole XML document with the S3 namespace on its root element. */
export function xmlDocument(rootName: string, content: XmlNode[] | string, namespace: string | null = S3_XML_NAMESPACE): string {
  let inner = '';
  if (typeof content === 'string') inner = escapeXmlText(content);
  else for (const child of content) inner += renderNode(child);
  return `${xmlDocumentOpening(rootName, namespace)}${inner}</${rootName}>`;
}

/** The XML declaration and the root's start tag. */
export function xmlDocumentOpening(rootName: string, namespace: string | null = S3_XML_NAMESPACE): string {
  return `${XML_DECLARATION}<${rootName}${namespace === null ? '' : ` xmlns="${namespace}"`}>`;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  // References are decoded exactly as XML 1.0 does (xml-chars.ts); the library's own decoder
  // leaves numeric references undecoded or silently drops forbidden ones.
  entityDecoder: strictXmlEntityDecoder,
  ignoreDeclaration: true,
});

/**
 * Parses a request body as XML. Anything that is not well-formed XML is S3's MalformedXML.
 * Text values stay strings, untrimmed (a key may begin or end with spaces), with character
 * references decoded; a reference or character XML 1.0 forbids is MalformedXML too.
 */
export function parseXmlBody(body: Buffer): Record<string, unknown> {
  const text = decodeXmlDocumentText(body);
  if (text.trim() === '' || XMLValidator.validate(text) !== true) throw new S3Error('MalformedXML');
  try {
    return parser.parse(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof S3Error) throw error;
    throw new S3Error('MalformedXML');
  }
}

/** A child that may appear once or many times, as an array. */
export function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
