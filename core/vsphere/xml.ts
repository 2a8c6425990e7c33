import { XMLParser } from 'fast-xml-parser';
import { OutpostError } from '../contract/errors.js';

/** A managed object reference: `<_this type="VirtualMachine">vm-42</_this>`. */
export interface MoRef {
  type: string;
  value: string;
}

/** A parsed XML element: child elements by tag, attributes as `@name`, text as `#text`. */
export type XmlNode = { [key: string]: XmlValue };
export type XmlValue = string | XmlNode | XmlValue[];

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text and attribute values; every value a caller or operator gives goes through it. */
export function escapeXml(text: string): string {
  // XML 1.0 cannot carry most control characters at all, even escaped: refuse rather than corrupt.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point here
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(text)) {
    throw new OutpostError('VALIDATION', 'Text sent to vCenter may not contain control characters.');
  }
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
}

/** `<name>text</name>`, escaped. */
export function el(name: string, text: string | number | boolean): string {
  return `<${name}>${escapeXml(String(text))}</${name}>`;
}

/** `<name type="T">value</name>` for a managed object reference. */
export function refEl(name: string, ref: MoRef): string {
  return `<${name} type="${escapeXml(ref.type)}">${escapeXml(ref.value)}</${name}>`;
}

/** `<name xsi:type="T">...</name>` for a polymorphic data object. */
export function typedEl(name: string, type: string, inner: string): string {
  return `<${name} xsi:type="${escapeXml(type)}">${inner}</${name}>`;
}

export function soapEnvelope(body: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`
  );
}

/** Parser settings, shared with the parsing workers (xml-parser-pool.ts): plain data only. */
export const PARSER_OPTIONS = {
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  // Values are typed by their xsi:type (decodeValue), never guessed from how they look.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  processEntities: true,
  // Also decodes numeric character references (&#34;), which Go's encoder (vcsim) writes for
  // quotes; without it a value with a quote came back as "&#34;". Costs nothing measurable.
  htmlEntities: true,
  // Callbacks get a matcher instead of a jPath string: building that string per tag costs ~10%.
  jPath: false,
} as const;

const parser = new XMLParser(PARSER_OPTIONS);

/** Parses a SOAP response document; anything that is not XML is a protocol error. */
export function parseXml(text: string): XmlNode {
  try {
    return parser.parse(text) as XmlNode; // no validation pass: completeness is checked by the transport
  } catch (err) {
    throw notXml((err as Error).message);
  }
}

export function notXml(reason: string): OutpostError {
  return new OutpostError('VCENTER_PROTOCOL', `vCenter sent a response that is not well-formed XML (${reason.split('\n')[0]}). Retry; if it persists, check for a proxy in the path.`);
}

/** A decoded property value seen as XML again (data objects stay nodes after decodeValue). */
export function asXml(value: unknown): XmlValue | undefined {
  return typeof value === 'string' || (typeof value === 'object' && value !== null) ? (value as XmlValue) : undefined;
}

export function asArray(value: XmlValue | undefined): XmlValue[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export function isNode(value: XmlValue | undefined): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The items of an ArrayOf* property value, each as an XML node: decoded as an array, or (no
 * xsi:type to say it is one) the node's element children.
 */
export function arrayItems(value: unknown): XmlValue[] {
  if (Array.isArray(value)) return value.filter((v): v is XmlValue => isNode(asXml(v)));
  const node = asXml(value);
  if (!isNode(node)) return [];
  return Object.keys(node)
    .filter((k) => !k.startsWith('@') && k !== '#text')
    .flatMap((k) => asArray(node[k]));
}

/** The text of an element, whether it parsed as a string or as a node with attributes. */
export function text(value: XmlValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return text(value[0]);
  const t = value['#text'];
  return typeof t === 'string' ? t : t === undefined ? '' : text(t);
}

export function child(node: XmlValue | undefined, name: string): XmlValue | undefined {
  return isNode(node) ? node[name] : undefined;
}

export function toRef(value: XmlValue | undefined): MoRef | undefined {
  if (!isNode(value)) return undefined;
  const type = value['@type'];
  const v = text(value);
  return typeof type === 'string' && v !== undefined ? { type, value: v } : undefined;
}

/** The element name without its namespace prefix (`soapenv:Body` -> `Body`). */
export function localName(key: string): string {
  const i = key.indexOf(':');
  return i === -1 ? key : key.slice(i + 1);
}

export function findLocal(node: XmlNode, name: string): XmlValue | undefined {
  for (const key of Object.keys(node)) if (localName(key) === name) return node[key];
  return undefined;
}

/**
 * The xsi:type of an element. Matched by local name, not by prefix: Go's encoder (vcsim) writes
 * `XMLSchema-instance:type`, vCenter writes `xsi:type`. A plain `type` attribute is a moref's.
 */
export function xsiType(node: XmlValue | undefined): string | undefined {
  if (!isNode(node)) return undefined;
  for (const key in node) {
    if (key.charCodeAt(0) === 64 /* @ */ && key.endsWith(':type') && !key.startsWith('@xmlns')) {
      const v = node[key];
      return typeof v === 'string' ? v.replace(/^[^:]*:(?=[A-Z])/, '') : undefined;
    }
  }
  return undefined;
}

const NUMERIC = new Set(['xsd:int', 'xsd:long', 'xsd:short', 'xsd:byte', 'xsd:float', 'xsd:double']);

/**
 * Turns a property value into plain data by its xsi:type: numbers and booleans typed, managed
 * object references as MoRef, ArrayOf* as arrays; data objects stay nodes (read by the mapper).
 */
export function decodeValue(value: XmlValue | undefined): unknown {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(decodeValue);
  const type = xsiType(value);
  if (type !== undefined) {
    if (type === 'xsd:string' || type === 'xsd:dateTime') return text(value) ?? '';
    if (NUMERIC.has(type)) return Number(text(value));
    if (type === 'xsd:boolean') return text(value) === 'true';
    if (type === 'ManagedObjectReference') return toRef(value);
    if (type.startsWith('ArrayOf')) {
      const items: unknown[] = [];
      for (const key of Object.keys(value)) {
        if (key.startsWith('@') || key === '#text') continue;
        for (const item of asArray(value[key])) items.push(decodeItem(type.slice('ArrayOf'.length), item));
      }
      return items;
    }
    // An enum (VirtualMachinePowerState, ...) has only text; a data object has child elements.
    const keys = Object.keys(value).filter((k) => !k.startsWith('@'));
    if (keys.length === 1 && keys[0] === '#text') return text(value);
    if (keys.length === 0) return '';
  } else if (typeof value['@type'] === 'string' && '#text' in value) {
    return toRef(value);
  }
  return value;
}

function decodeItem(itemType: string, item: XmlValue): unknown {
  if (itemType === 'ManagedObjectReference') return toRef(item);
  if (itemType === 'String') return text(item) ?? '';
  if (itemType === 'Int' || itemType === 'Long' || itemType === 'Short' || itemType === 'Byte') return Number(text(item));
  if (itemType === 'Boolean') return text(item) === 'true';
  return decodeValue(item);
}
