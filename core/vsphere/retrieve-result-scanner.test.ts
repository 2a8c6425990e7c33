import { describe, expect, it } from 'vitest';
import { objectContent } from './property-collector.js';
import { decodeEntities, scanRetrieveResult } from './retrieve-result-scanner.js';
import { asArray, child, findLocal, parseXml, text, type XmlNode } from './xml.js';

// vcsim (Go) writes XMLSchema-instance:type with a namespace declaration on each value; vCenter writes xsi:type.
const go = (type: string, inner: string, extra = ''): string =>
  `<val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="${type}"${extra}>${inner}</val>`;
const vc = (type: string, inner: string, extra = ''): string => `<val xsi:type="${type}"${extra}>${inner}</val>`;
const prop = (name: string, val: string): string => `<propSet><name>${name}</name>${val}</propSet>`;

function envelope(method: string, returnval: string, ws = ''): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>${ws}<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">${ws}` +
    `<soapenv:Body>${ws}<${method}Response xmlns="urn:vim25">${ws}${returnval}${ws}</${method}Response>${ws}</soapenv:Body>${ws}</soapenv:Envelope>`
  );
}

const VM_OBJECT =
  '<objects><obj type="VirtualMachine">vm-1</obj>' +
  prop('name', go('xsd:string', 'web &amp; db &lt;01&gt; &quot;a&quot; &apos;b&apos;')) +
  prop('parent', go('ManagedObjectReference', 'group-v3', ' type="Folder"')) +
  prop('config.annotation', go('xsd:string', '')) +
  prop('runtime.powerState', go('VirtualMachinePowerState', 'poweredOn')) +
  prop('summary.config.numCpu', go('xsd:int', '4')) +
  prop('summary.config.memorySizeMB', vc('xsd:long', '8192')) +
  prop('runtime.inMaintenanceMode', vc('xsd:boolean', 'false')) +
  prop('datastore', vc('ArrayOfManagedObjectReference', '<ManagedObjectReference type="Datastore">ds-1</ManagedObjectReference><ManagedObjectReference type="Datastore">ds-2</ManagedObjectReference>')) +
  prop('tags', vc('ArrayOfString', '<string>a</string>')) +
  prop(
    'guest.net',
    go(
      'ArrayOfGuestNicInfo',
      '<GuestNicInfo><network>VM Network</network><ipAddress>10.0.0.1</ipAddress><ipAddress>fd00::1</ipAddress><connected>true</connected></GuestNicInfo>' +
        '<GuestNicInfo><network>back &amp; end</network><ipAddress>10.1.0.1</ipAddress></GuestNicInfo>',
    ),
  ) +
  prop('summary.runtime', vc('VirtualMachineRuntimeInfo', '<powerState>poweredOff</powerState><host type="HostSystem">host-9</host>')) +
  '<missingSet><path>guest.hostName</path><fault><fault xsi:type="NoPermission"></fault></fault></missingSet>' +
  '</objects>';
const HOST_OBJECT = `<objects><obj type="HostSystem">host-9</obj>${prop('name', vc('xsd:string', 'esx-9.lab'))}</objects>`;

/** What the general path gives for the same text: fast-xml-parser, then objectContent. */
function general(raw: string, method: string): { token: string | undefined; objects: unknown[] } {
  const body = findLocal(findLocal(parseXml(raw), 'Envelope') as XmlNode, 'Body') as XmlNode;
  const rv = child(body[`${method}Response`], 'returnval');
  return { token: text(child(rv, 'token')), objects: asArray(child(rv, 'objects')).map(objectContent) };
}

describe('RetrieveResult scanner', () => {
  it('gives exactly what the general parser gives: every value type, escapes, data objects, missingSet skipped, token', () => {
    for (const ws of ['', '\n  ']) {
      const raw = envelope('RetrievePropertiesEx', `<returnval>${ws}<token>tok-&amp;-1</token>${ws}${VM_OBJECT}${ws}${HOST_OBJECT}${ws}</returnval>`, ws);
      const scanned = scanRetrieveResult(raw, 'RetrievePropertiesEx');
      expect(scanned).toEqual(general(raw, 'RetrievePropertiesEx'));
      const vm = scanned!.objects[0]!;
      expect(vm.ref).toEqual({ type: 'VirtualMachine', value: 'vm-1' });
      expect(vm.props.get('name')).toBe(`web & db <01> "a" 'b'`);
      expect(vm.props.get('config.annotation')).toBe('');
      expect(vm.props.get('summary.config.numCpu')).toBe(4);
      expect(vm.props.get('runtime.inMaintenanceMode')).toBe(false);
      expect(vm.props.get('datastore')).toEqual([
        { type: 'Datastore', value: 'ds-1' },
        { type: 'Datastore', value: 'ds-2' },
      ]);
      expect(vm.props.get('tags')).toEqual(['a']);
      expect(vm.props.has('guest.hostName')).toBe(false);
      expect(scanned!.token).toBe('tok-&-1');
    }
  });

  it('reads a continuation page and a last page without token or objects', () => {
    const raw = envelope('ContinueRetrievePropertiesEx', `<returnval>${HOST_OBJECT}</returnval>`);
    expect(scanRetrieveResult(raw, 'ContinueRetrievePropertiesEx')).toEqual(general(raw, 'ContinueRetrievePropertiesEx'));
    expect(scanRetrieveResult(envelope('RetrievePropertiesEx', ''), 'RetrievePropertiesEx')).toEqual({ token: undefined, objects: [] });
  });

  it('leaves a fault (or another answer) to the general path', () => {
    const fault =
      '<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="s"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>gone</faultstring>' +
      '<detail><NotAuthenticatedFault xmlns="urn:vim25" xsi:type="NotAuthenticated"></NotAuthenticatedFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>';
    expect(scanRetrieveResult(fault, 'RetrievePropertiesEx')).toBeNull();
    expect(scanRetrieveResult(envelope('RetrieveProperties', ''), 'RetrievePropertiesEx')).toBeNull();
    expect(scanRetrieveResult('<?xml version="1.0"?><html><body>proxy</body></html>', 'RetrievePropertiesEx')).toBeNull();
  });

  it('resolves character references and CDATA, which the general path handles differently or not at all', () => {
    expect(decodeEntities('caf&#233; &#x1F600; &#10;')).toBe('café 😀 \n');
    const raw = envelope('RetrievePropertiesEx', `<returnval><objects><obj type="VirtualMachine">vm-2</obj>${prop('name', vc('xsd:string', 'x<![CDATA[<b>&</b>]]>y&#38;'))}</objects></returnval>`);
    expect(scanRetrieveResult(raw, 'RetrievePropertiesEx')!.objects[0]!.props.get('name')).toBe('x<b>&</b>y&');
  });

  it('a page cut off anywhere is an error, never a shorter result', () => {
    const raw = envelope('RetrievePropertiesEx', `<returnval><token>t1</token>${VM_OBJECT}${HOST_OBJECT}</returnval>`);
    expect(scanRetrieveResult(raw, 'RetrievePropertiesEx')!.objects).toHaveLength(2);
    for (let cut = 0; cut < raw.length; cut++) {
      let outcome: unknown;
      try {
        outcome = scanRetrieveResult(raw.slice(0, cut), 'RetrievePropertiesEx');
      } catch (err) {
        outcome = err;
      }
      expect(outcome, `cut at ${cut}`).toMatchObject({ code: 'VCENTER_PROTOCOL' });
    }
  });

  it('refuses what is not well-formed XML', () => {
    const page = (val: string, after = ''): string => envelope('RetrievePropertiesEx', `<returnval><objects><obj type="VirtualMachine">vm-3</obj>${prop('name', val)}</objects></returnval>`) + after;
    const bad = [
      page(vc('xsd:string', 'a &foo; b')), // unknown entity
      page(vc('xsd:string', 'a & b')), // bare ampersand
      page(vc('xsd:string', '&#0;')), // not an XML character
      page('<val xsi:type="xsd:string" note="a<b">x</val>'), // < in an attribute
      page('<val xsi:type="xsd:string" note=x>x</val>'), // unquoted attribute
      page('<val xsi:type="xsd:string">x</vals>'), // mismatched end tag
      page(vc('xsd:string', 'x'), '<extra/>'), // content after the envelope
      page(vc('xsd:string', 'x')).replace('<propSet>', 'stray text<propSet>'), // text where only elements may be
      page(vc('xsd:string', 'x')).replace('<?xml version="1.0" encoding="UTF-8"?>', '<!DOCTYPE x [<!ENTITY a "b">]>'), // DOCTYPE
    ];
    for (const raw of bad) expect(() => scanRetrieveResult(raw, 'RetrievePropertiesEx'), raw).toThrow(expect.objectContaining({ code: 'VCENTER_PROTOCOL' }));
  });

  it('an object without a reference is a protocol error', () => {
    const raw = envelope('RetrievePropertiesEx', `<returnval><objects>${prop('name', vc('xsd:string', 'x'))}</objects></returnval>`);
    expect(() => scanRetrieveResult(raw, 'RetrievePropertiesEx')).toThrow(expect.objectContaining({ code: 'VCENTER_PROTOCOL' }));
  });
});
