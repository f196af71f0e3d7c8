// XML 1.0's character rules as Cairn applies them (src/frontend/xml-chars.ts): every reference and
// literal character XML 1.0 allows is decoded, every one it forbids is MalformedXML, and response
// text escapes what the AWS SDKs escape.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { S3Error } from '../../src/frontend/errors.js';
import { escapeXmlText, isXmlChar } from '../../src/frontend/xml-chars.js';
import { parseXmlBody } from '../../src/frontend/xml.js';

function keyOf(xml: string): unknown {
  return parseXmlBody(Buffer.from(`<K>${xml}</K>`))['K'];
}

function refused(xml: string | Buffer): void {
  assert.throws(() => parseXmlBody(Buffer.isBuffer(xml) ? xml : Buffer.from(xml)), (error: unknown) => error instanceof S3Error && error.code === 'MalformedXML', String(xml));
}

describe('XML 1.0 characters', () => {
  it('decodes decimal, hexadecimal and the five predefined references', () => {
    assert.equal(keyOf('a&#10;b&#x0D;c&#x85;d&#x2028;e&#9;'), 'a\nb\rc\u0085d\u2028e\t');
    assert.equal(keyOf('&#x20AC;&#8364;&#x1F600;&#128512;'), '€€😀😀');
    assert.equal(keyOf('&lt;&gt;&amp;&quot;&apos;'), '<>&"\'');
    assert.equal(keyOf('&amp;#60;'), '&#60;', 'decoded once, not twice');
    assert.equal(keyOf('<![CDATA[&#10;&amp;]]>'), '&#10;&amp;', 'CDATA is literal');
    assert.equal(keyOf('&#xD7FF;&#xE000;&#xFFFD;&#x10000;&#x10FFFF;'), '\uD7FF\uE000\uFFFD\u{10000}\u{10FFFF}');
  });

  it('normalises literal line ends as XML 1.0 §2.11 does; a CR survives only as a reference', () => {
    assert.equal(keyOf('a\r\nb\rc'), 'a\nb\nc');
    assert.equal(keyOf('a&#13;&#10;b'), 'a\r\nb');
  });

  it('refuses references to characters outside Char, unknown entities and unterminated references', () => {
    for (const reference of ['&#0;', '&#x0;', '&#x1;', '&#31;', '&#xD800;', '&#xDFFF;', '&#xFFFE;', '&#xFFFF;', '&#x110000;', '&#99999999999;', '&nbsp;', '&euro;', '&#x41', '&#;', '&#x;', '&#-1;', '&#x 41;']) {
      refused(`<K>a${reference}b</K>`);
    }
  });

  it('refuses literal characters outside Char, bytes that are not UTF-8, entity declarations and XML 1.1', () => {
    refused('<K>a\u0001b</K>');
    refused('<K>a\uFFFEb</K>');
    refused(Buffer.from([...Buffer.from('<K>a'), 0xc3, 0x28, ...Buffer.from('</K>')]));
    refused(Buffer.from([...Buffer.from('<K>a'), 0xed, 0xa0, 0x80, ...Buffer.from('</K>')]));
    refused('<!DOCTYPE K [<!ENTITY e "x">]><K>&e;</K>');
    refused('<?xml version="1.1"?><K>a</K>');
  });

  it('isXmlChar is the Char production', () => {
    assert.deepEqual([0x0, 0x8, 0x9, 0xa, 0xb, 0xd, 0x1f, 0x20, 0xd7ff, 0xd800, 0xe000, 0xfffd, 0xfffe, 0x10ffff, 0x110000].map(isXmlChar),
      [false, false, true, true, false, true, false, true, true, false, true, true, false, true, false]);
  });

  it('escapes markup, line ends, U+0085, U+2028 and C0 controls as the SDKs and S3 write them', () => {
    assert.equal(escapeXmlText('plain/key 😀'), 'plain/key 😀');
    assert.equal(escapeXmlText('<&>"\''), '&lt;&amp;&gt;&quot;&apos;');
    assert.equal(escapeXmlText('a\r\nb\u0085c\u2028d\te'), 'a&#x0D;&#x0A;b&#x85;c&#x2028;d\te');
    assert.equal(escapeXmlText('\u0000\u0001\u001F\uFFFF'), '&#x0;&#x1;&#x1F;&#xFFFF;');
    for (const key of ['line\nbreak', 'cr\rkey', 'nel\u0085key', 'ls\u2028key', 'x&y<z', 'tab\there']) {
      assert.equal(keyOf(escapeXmlText(key)), key, 'what Cairn writes, Cairn reads back');
    }
  });
});
