import { describe, expect, it } from 'vitest';
import { child, parseXml } from './xml-reader.js';

describe('xml reader (WinRM replies)', () => {
  it('drops prefixes, decodes entities and CDATA, keeps attributes', () => {
    const doc = parseXml(`<?xml version="1.0"?><!-- c --><s:Envelope xmlns:s="x"><s:Body><a:T k='v &amp; w' a:n="1">x &lt;y&gt; &#x263A;&#65;<![CDATA[<raw>]]></a:T><e/></s:Body></s:Envelope>`);
    expect(doc.name).toBe('Envelope');
    const t = child(doc, 'Body', 'T');
    expect(t?.attrs).toEqual({ k: 'v & w', n: '1' });
    expect(t?.text).toBe('x <y> ☺A<raw>');
    expect(child(doc, 'Body', 'e')).toMatchObject({ name: 'e', children: [] });
  });

  it('refuses DOCTYPE (no entity expansion), mismatched tags and trailing garbage', () => {
    expect(() => parseXml('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')).toThrow(/DOCTYPE/);
    expect(() => parseXml('<a><b></a>')).toThrow();
    expect(() => parseXml('<a></a><b/>')).toThrow(/root/);
    expect(() => parseXml('<html><body>proxy error</body>')).toThrow(/not closed/);
    expect(() => parseXml('not xml')).toThrow();
  });
});
