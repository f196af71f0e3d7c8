// Large XML documents written straight into bytes. A 1,000-entry listing built as one string is a
// rope of ~15,000 pieces that Buffer.from must flatten and then encode; writing each entry's own
// short string into a buffer costs 40 % less (docs/performance.md, "Small objects (session 8)").
import { renderNode, xmlDocumentOpening, S3_XML_NAMESPACE, type XmlNode } from './xml.js';

/** A UTF-16 code unit becomes at most 3 bytes of UTF-8 (a surrogate pair, 2 units, becomes 4). */
const UTF8_BYTES_PER_CODE_UNIT_MAX = 3;
const INITIAL_CAPACITY_BYTES = 64 * 1024;

/** Appends strings as UTF-8 to one buffer, doubling it when a string might not fit. */
class Utf8Appender {
  private buffer = Buffer.allocUnsafe(INITIAL_CAPACITY_BYTES);
  private lengthBytes = 0;

  append(text: string): void {
    const neededBytes = this.lengthBytes + text.length * UTF8_BYTES_PER_CODE_UNIT_MAX;
    if (neededBytes > this.buffer.byteLength) {
      let capacityBytes = this.buffer.byteLength * 2;
      while (capacityBytes < neededBytes) capacityBytes *= 2;
      const grown = Buffer.allocUnsafe(capacityBytes);
      this.buffer.copy(grown, 0, 0, this.lengthBytes);
      this.buffer = grown;
    }
    this.lengthBytes += this.buffer.write(text, this.lengthBytes, 'utf8');
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.lengthBytes);
  }
}

/** The same document as xmlDocument(rootName, content, namespace), as UTF-8 bytes. */
export function xmlDocumentBytes(rootName: string, content: XmlNode[], namespace: string | null = S3_XML_NAMESPACE): Buffer {
  const appender = new Utf8Appender();
  appender.append(xmlDocumentOpening(rootName, namespace));
  for (const child of content) {
    if (child.fragments === undefined) appender.append(renderNode(child));
    else for (const fragment of child.fragments) appender.append(fragment);
  }
  appender.append(`</${rootName}>`);
  return appender.bytes();
}
