import { describe, expect, it } from 'vitest';
import { faultName, vsphereFault } from './faults.js';
import { decodeValue, escapeXml, parseXml, xsiType, type XmlNode } from './xml.js';

const val = (xml: string): unknown => decodeValue((parseXml(`<r xmlns:xsi="x">${xml}</r>`)['r'] as XmlNode)['val']);

describe('vim25 XML', () => {
  it('escapes every markup character and refuses control characters', () => {
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    expect(() => escapeXml('bad\u0001')).toThrow(/control characters/);
  });

  it('decodes values by xsi:type whatever the prefix (vCenter xsi:, Go XMLSchema-instance:)', () => {
    expect(val('<val xsi:type="xsd:int">42</val>')).toBe(42);
    expect(val('<val XMLSchema-instance:type="xsd:boolean">true</val>')).toBe(true);
    expect(val('<val xsi:type="xsd:string">  spaced &amp; kept </val>')).toBe('  spaced & kept ');
    expect(val('<val xsi:type="ManagedObjectReference" type="HostSystem">host-1</val>')).toEqual({ type: 'HostSystem', value: 'host-1' });
    expect(val('<val xsi:type="VirtualMachinePowerState">poweredOn</val>')).toBe('poweredOn');
    expect(val('<val xsi:type="ArrayOfString"><string>a</string><string>b</string></val>')).toEqual(['a', 'b']);
    expect(val('<val xsi:type="ArrayOfString"><string>only</string></val>')).toEqual(['only']);
    expect(val('<val xsi:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="Folder">f-1</ManagedObjectReference></val>')).toEqual([{ type: 'Folder', value: 'f-1' }]);
    expect(xsiType({ '@type': 'HostSystem', '#text': 'h' })).toBeUndefined();
  });

  it('decodes numeric character references (Go writes quotes as &#34;) exactly once', () => {
    expect(val('<val xsi:type="xsd:string">{&#34;ip&#34;:&#34;10.0.0.5&#34;} &#x41; &quot;</val>')).toBe('{"ip":"10.0.0.5"} A "');
    expect(val('<val xsi:type="xsd:string">&amp;#34; stays text</val>')).toBe('&#34; stays text');
  });

  it('names SOAP faults by their vim25 type and maps them to stable codes', () => {
    const doc = parseXml(
      '<soapenv:Fault xmlns:soapenv="s"><faultcode>ServerFaultCode</faultcode><faultstring>Cannot complete login</faultstring><detail><InvalidLoginFault xmlns="urn:vim25" xsi:type="InvalidLogin"></InvalidLoginFault></detail></soapenv:Fault>',
    );
    const fault = doc['soapenv:Fault']!;
    expect(faultName(fault)).toBe('InvalidLogin');
    expect(vsphereFault('Login', fault)).toMatchObject({ code: 'VCENTER_AUTH', details: { fault: 'InvalidLogin', method: 'Login' } });
    const other = parseXml('<F><faultstring>gone</faultstring><detail><ManagedObjectNotFoundFault/></detail></F>')['F']!;
    expect(vsphereFault('DestroyView', other)).toMatchObject({ code: 'VCENTER_FAULT', details: { fault: 'ManagedObjectNotFound' } });
  });

  it('reports a broken tag as a protocol error (cut-off bodies are caught by the transport)', () => {
    expect(() => parseXml('<a><b>1</b></a')).toThrow(expect.objectContaining({ code: 'VCENTER_PROTOCOL' }));
  });
});
