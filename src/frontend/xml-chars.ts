// XML 1.0's character rules, both ways: decoding request bodies exactly as XML 1.0 does (character
// references, the five predefined entities, the Char production) and escaping response text so
// that the AWS SDKs decode the very same string (keys with \r, \n, U+0085, U+2028, controls).
import { S3Error } from './errors.js';

/** XML 1.0 §2.2 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. */
export function isXmlChar(codePoint: number): boolean {
  if (codePoint >= 0x20) {
    if (codePoint <= 0xd7ff) return true;
    if (codePoint >= 0xe000 && codePoint <= 0xfffd) return true;
    return codePoint >= 0x10000 && codePoint <= 0x10ffff;
  }
  return codePoint === 0x9 || codePoint === 0xa || codePoint === 0xd;
}

/** A literal character a well-formed XML 1.0 document may not contain (lone surrogates included). */
const NON_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

const PREDEFINED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const HEX_REFERENCE = /^#x[0-9A-Fa-f]+$/;
const DECIMAL_REFERENCE = /^#[0-9]+$/;
/** Longer than any legal reference (&#x10FFFF; with leading zeros aside): refuse instead of scanning on. */
const MAX_REFERENCE_LENGTH = 16;

function malformed(): S3Error {
  return new S3Error('MalformedXML');
}

/**
 * A document's text as XML 1.0 reads it: strict UTF-8, only Char characters, and line ends
 * normalised (§2.11: CR LF and a lone CR become LF — a CR survives only as a reference).
 */
export function decodeXmlDocumentText(body: Buffer): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw malformed();
  }
  if (NON_XML_CHAR.test(text)) throw malformed();
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

function referencedText(token: string): string {
  const predefined = PREDEFINED_ENTITIES[token];
  if (predefined !== undefined && Object.hasOwn(PREDEFINED_ENTITIES, token)) return predefined;
  let codePoint: number;
  if (HEX_REFERENCE.test(token)) codePoint = Number.parseInt(token.slice(2), 16);
  else if (DECIMAL_REFERENCE.test(token)) codePoint = Number.parseInt(token.slice(1), 10);
  else throw malformed(); // an undeclared entity: S3 declares none beyond XML's five
  if (!isXmlChar(codePoint)) throw malformed();
  return String.fromCodePoint(codePoint);
}

/** Replaces every reference in a text node; a reference XML 1.0 forbids is MalformedXML. */
export function decodeXmlReferences(text: string): string {
  let at = text.indexOf('&');
  if (at < 0) return text;
  let decoded = '';
  let last = 0;
  while (at >= 0) {
    const end = text.indexOf(';', at + 1);
    if (end < 0 || end - at > MAX_REFERENCE_LENGTH) throw malformed();
    decoded += text.slice(last, at) + referencedText(text.slice(at + 1, end));
    last = end + 1;
    at = text.indexOf('&', last);
  }
  return decoded + text.slice(last);
}

/**
 * The decoder fast-xml-parser calls for text (never for CDATA). A DOCTYPE may not declare
 * entities: S3 accepts none, and it keeps entity expansion (billion laughs) out entirely.
 */
export const strictXmlEntityDecoder = {
  setExternalEntities(entities: Record<string, string>): void {
    if (Object.keys(entities).length > 0) throw malformed();
  },
  addInputEntities(entities: Record<string, string>): void {
    if (Object.keys(entities).length > 0) throw malformed();
  },
  reset(): void {},
  decode: decodeXmlReferences,
  setXmlVersion(version: number): void {
    // Cairn reads XML 1.0 only (S3's bodies are 1.0); 1.1's wider Char set is not accepted.
    if (version !== 1) throw malformed();
  },
};

const ESCAPES: Record<string, string> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;',
  // As the AWS SDKs write them: XML would turn a literal CR into LF, and XML 1.1 readers U+0085/U+2028.
  '\r': '&#x0D;', '\n': '&#x0A;', '\u0085': '&#x85;', '\u2028': '&#x2028;',
};

/** Characters a response escapes: markup, line ends, and what XML 1.0 cannot carry literally. */
const NEEDS_ESCAPE = /[&<>"'\r\n\u0085\u2028\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const NEEDS_ESCAPE_ALL = new RegExp(NEEDS_ESCAPE.source, 'g');

function escapeCharacter(character: string): string {
  // C0 controls and U+FFFE/U+FFFF have no XML 1.0 form at all; S3 writes them as references
  // (`&#x1;`), which the JavaScript SDK decodes. Other SDKs list such keys with encoding-type=url.
  return ESCAPES[character] ?? `&#x${character.charCodeAt(0).toString(16).toUpperCase()};`;
}

export function escapeXmlText(text: string): string {
  // Most text (keys, ETags, dates) needs no escaping: test once rather than run a replacer.
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(NEEDS_ESCAPE_ALL, escapeCharacter);
}
