import { OutpostError } from '../contract/errors.js';
import type { ObjectContent } from './property-collector.js';
import { decodeValue, localName, notXml, type MoRef, type XmlNode, type XmlValue } from './xml.js';

/**
 * A targeted, strict reader for the one large answer a full sync gets: a SOAP envelope whose body is
 * `<RetrievePropertiesExResponse>` / `<ContinueRetrievePropertiesExResponse>` holding a
 * RetrieveResult (`token`, `objects` of `obj` + `propSet`s). It walks the text once with indexOf and
 * builds ObjectContent directly, so a 3 MB page costs tens of milliseconds instead of a generic
 * object tree (fast-xml-parser) that is then walked again.
 *
 * It gives exactly what `objectContent(parseXml(...))` gives (values decoded by xsi:type, data
 * objects as XmlNode in fast-xml-parser's shape), and it is strict where that parser is lenient:
 * unbalanced or cut-off markup, an unknown entity, a bare `&`, `<` in an attribute, text where only
 * elements may be, a DOCTYPE, or anything after the envelope is a VCENTER_PROTOCOL error. Anything
 * that is not the expected response (a SOAP fault, another envelope shape) returns null, so the
 * caller takes the general path, which turns faults into typed errors.
 */
export interface ScannedRetrieveResult {
  token: string | undefined;
  objects: ObjectContent[];
}

interface Tag {
  name: string;
  /** Flat [name, value, name, value, ...] with entities decoded, or null when there are none. */
  attrs: string[] | null;
  selfClosing: boolean;
}

const LT = 60; // <
const GT = 62; // >
const SLASH = 47; // /
const BANG = 33; // !
const QUESTION = 63; // ?
const EQ = 61; // =
const AMP = 38; // &

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

const NUMERIC = new Set(['xsd:int', 'xsd:long', 'xsd:short', 'xsd:byte', 'xsd:float', 'xsd:double']);

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Resolves the five predefined entities and character references; anything else is an error. */
export function decodeEntities(s: string): string {
  if (s.indexOf('&') === -1) return s;
  return s.replace(/&(?:(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]*);)?/g, (whole, ref: string | undefined) => {
    if (ref === undefined) throw notXml(`a bare "&" near "${s.slice(0, 40)}"`);
    if (ref.charCodeAt(0) === 35 /* # */) {
      const cp = ref.charCodeAt(1) === 120 /* x */ ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      const allowed = cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
      if (!allowed) throw notXml(`the character reference ${whole} is not an XML character`);
      return String.fromCodePoint(cp);
    }
    const v = PREDEFINED[ref];
    if (v === undefined) throw notXml(`the unknown entity ${whole}`);
    return v;
  });
}

class Scanner {
  i = 0;
  constructor(readonly s: string) {}

  cutOff(what: string): OutpostError {
    return notXml(`the answer ends inside ${what}`);
  }

  /** Skips the XML declaration, comments, processing instructions and whitespace before the root. */
  prolog(): void {
    const s = this.s;
    if (s.charCodeAt(0) === 0xfeff) this.i = 1;
    for (;;) {
      this.spaces();
      if (s.startsWith('<?', this.i)) {
        const end = s.indexOf('?>', this.i + 2);
        if (end === -1) throw this.cutOff('the XML declaration');
        this.i = end + 2;
      } else if (s.startsWith('<!--', this.i)) {
        this.comment();
      } else if (s.startsWith('<!', this.i)) {
        throw notXml('a DOCTYPE or other declaration, which vCenter never sends');
      } else {
        return;
      }
    }
  }

  /** After the root element: only whitespace and comments. */
  epilog(): void {
    const s = this.s;
    for (;;) {
      this.spaces();
      if (this.i >= s.length) return;
      if (s.startsWith('<!--', this.i)) this.comment();
      else throw notXml('content after the end of the SOAP envelope');
    }
  }

  private spaces(): void {
    const s = this.s;
    while (this.i < s.length && isSpace(s.charCodeAt(this.i))) this.i++;
  }

  private comment(): void {
    const end = this.s.indexOf('-->', this.i + 4);
    if (end === -1) throw this.cutOff('a comment');
    this.i = end + 3;
  }

  /** Reads `<name attr="v" ...>` or `<name .../>` at the cursor. */
  openTag(): Tag {
    const s = this.s;
    if (s.charCodeAt(this.i) !== LT) throw this.i >= s.length ? this.cutOff('an element') : notXml(`text where an element was expected at offset ${this.i}`);
    const start = ++this.i;
    this.nameEnd();
    const name = s.slice(start, this.i);
    checkName(name);
    let attrs: string[] | null = null;
    for (;;) {
      const before = this.i;
      this.spaces();
      if (this.i >= s.length) throw this.cutOff(`the tag <${name}>`);
      const c = s.charCodeAt(this.i);
      if (c === GT) {
        this.i++;
        return { name, attrs, selfClosing: false };
      }
      if (c === SLASH) {
        if (s.charCodeAt(this.i + 1) !== GT) throw notXml(`a broken tag <${name}>`);
        this.i += 2;
        return { name, attrs, selfClosing: true };
      }
      if (this.i === before) throw notXml(`attributes without space between them in <${name}>`);
      const attrStart = this.i;
      this.nameEnd();
      const attrName = s.slice(attrStart, this.i);
      checkName(attrName);
      this.spaces();
      if (s.charCodeAt(this.i) !== EQ) throw this.i >= s.length ? this.cutOff(`the tag <${name}>`) : notXml(`the attribute ${attrName} of <${name}> has no value`);
      this.i++;
      this.spaces();
      const quote = s.charCodeAt(this.i);
      if (quote !== 34 && quote !== 39) throw this.i >= s.length ? this.cutOff(`the tag <${name}>`) : notXml(`the attribute ${attrName} of <${name}> is not quoted`);
      const end = s.indexOf(quote === 34 ? '"' : "'", this.i + 1);
      if (end === -1) throw this.cutOff(`the attribute ${attrName} of <${name}>`);
      const raw = s.slice(this.i + 1, end);
      if (raw.indexOf('<') !== -1) throw notXml(`"<" in the attribute ${attrName} of <${name}>`);
      (attrs ??= []).push(attrName, decodeEntities(raw));
      this.i = end + 1;
    }
  }

  /** Moves to the end of a name; characters that can never be in one are an error. */
  private nameEnd(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (isSpace(c) || c === GT || c === SLASH || c === EQ) return;
      if (c === LT || c === AMP || c === 34 || c === 39) throw notXml(`a broken name at offset ${this.i}`);
      this.i++;
    }
  }

  /** Character data up to the next tag: entities resolved, CDATA sections and comments inside taken in. */
  text(): string {
    const s = this.s;
    let out = '';
    for (;;) {
      const lt = s.indexOf('<', this.i);
      if (lt === -1) throw this.cutOff('character data');
      if (lt > this.i) out += decodeEntities(s.slice(this.i, lt));
      this.i = lt;
      if (s.charCodeAt(lt + 1) !== BANG) return out;
      if (s.startsWith('<![CDATA[', lt)) {
        const end = s.indexOf(']]>', lt + 9);
        if (end === -1) throw this.cutOff('a CDATA section');
        out += s.slice(lt + 9, end);
        this.i = end + 3;
      } else if (s.startsWith('<!--', lt)) {
        this.comment();
      } else {
        throw notXml(`a declaration inside an element at offset ${lt}`);
      }
    }
  }

  /** At `</`: reads the end tag of `name`. */
  closeTag(name: string): void {
    const s = this.s;
    if (s.charCodeAt(this.i) !== LT || s.charCodeAt(this.i + 1) !== SLASH) throw notXml(`<${name}> is not closed where expected`);
    if (!s.startsWith(name, this.i + 2)) throw this.i + 2 + name.length > s.length ? this.cutOff(`<${name}>`) : notXml(`<${name}> is closed by another tag`);
    this.i += 2 + name.length;
    this.spaces();
    if (s.charCodeAt(this.i) !== GT) throw this.i >= s.length ? this.cutOff(`</${name}>`) : notXml(`<${name}> is closed by another tag`);
    this.i++;
  }

  /** In element-only content: the next child's tag, or null after reading the parent's end tag. */
  nextChild(parent: Tag): Tag | null {
    if (parent.selfClosing) return null;
    const t = this.text();
    if (!isBlank(t)) throw notXml(`text inside <${parent.name}>, where only elements may be`);
    if (this.s.charCodeAt(this.i + 1) === SLASH) {
      this.closeTag(parent.name);
      return null;
    }
    return this.openTag();
  }

  /** The text content of an element that holds only text. */
  leafText(tag: Tag): string {
    if (tag.selfClosing) return '';
    const t = this.text();
    if (this.s.charCodeAt(this.i + 1) !== SLASH) throw notXml(`<${tag.name}> holds elements where text was expected`);
    this.closeTag(tag.name);
    return t;
  }

  /** Any element as fast-xml-parser (xml.ts PARSER_OPTIONS) would give it. */
  node(tag: Tag): XmlValue {
    let node: XmlNode | null = null;
    if (tag.attrs) {
      node = {};
      for (let k = 0; k < tag.attrs.length; k += 2) node[`@${tag.attrs[k]}`] = tag.attrs[k + 1]!;
    }
    if (tag.selfClosing) return node ?? '';
    let text = '';
    let children = false;
    let lists: Set<string> | null = null; // children seen more than once: their values are arrays
    for (;;) {
      text += this.text();
      if (this.s.charCodeAt(this.i + 1) === SLASH) break;
      const child = this.openTag();
      const value = this.node(child);
      node ??= {};
      const existing = node[child.name];
      if (existing === undefined) node[child.name] = value;
      else if (lists?.has(child.name)) (existing as XmlValue[]).push(value);
      else {
        node[child.name] = [existing, value];
        (lists ??= new Set()).add(child.name);
      }
      children = true;
    }
    this.closeTag(tag.name);
    if (!node) return text;
    if (text !== '' && !(children && isBlank(text))) node['#text'] = text;
    return node;
  }

  /** Skips an element and everything in it (well-formedness still checked). */
  skip(tag: Tag): void {
    if (tag.selfClosing) return;
    for (;;) {
      this.text();
      if (this.s.charCodeAt(this.i + 1) === SLASH) break;
      this.skip(this.openTag());
    }
    this.closeTag(tag.name);
  }
}

function isBlank(t: string): boolean {
  for (let k = 0; k < t.length; k++) if (!isSpace(t.charCodeAt(k))) return false;
  return true;
}

function checkName(name: string): void {
  if (name === '') throw notXml('an element or attribute without a name');
  // nameEnd already refused markup characters inside a name.
  const c = name.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 45 || c === 46 || c === BANG || c === QUESTION) throw notXml(`the name "${name.slice(0, 40)}" is not an XML name`);
}

function attr(tag: Tag, name: string): string | undefined {
  const a = tag.attrs;
  if (!a) return undefined;
  for (let k = 0; k < a.length; k += 2) if (a[k] === name) return a[k + 1];
  return undefined;
}

/** The xsi:type, matched as xml.ts xsiType does (any prefix but xmlns, the value's prefix dropped before a type name). */
function xsiTypeOf(tag: Tag): string | undefined {
  const a = tag.attrs;
  if (!a) return undefined;
  for (let k = 0; k < a.length; k += 2) {
    const n = a[k]!;
    if (n.endsWith(':type') && !n.startsWith('xmlns')) return a[k + 1]!.replace(/^[^:]*:(?=[A-Z])/, '');
  }
  return undefined;
}

/** A `<val>`: leaf values decoded here directly, anything with child elements through decodeValue. */
function readValue(sc: Scanner, tag: Tag): unknown {
  const type = xsiTypeOf(tag);
  if (type === undefined || type.startsWith('ArrayOf')) return decodeValue(sc.node(tag));
  const start = sc.i;
  if (!tag.selfClosing) {
    const t = sc.text();
    if (sc.s.charCodeAt(sc.i + 1) !== SLASH) {
      // A data object: read it again as a node (rare in a page; the text so far was blank).
      sc.i = start;
      return decodeValue(sc.node(tag));
    }
    sc.closeTag(tag.name);
    return leaf(tag, type, t);
  }
  return leaf(tag, type, '');
}

function leaf(tag: Tag, type: string, t: string): unknown {
  if (type === 'xsd:string' || type === 'xsd:dateTime') return t;
  if (NUMERIC.has(type)) return Number(t);
  if (type === 'xsd:boolean') return t === 'true';
  if (type === 'ManagedObjectReference') {
    const refType = attr(tag, 'type');
    return refType !== undefined ? ({ type: refType, value: t } satisfies MoRef) : undefined;
  }
  return t; // an enum, or a data object without fields ('')
}

function readObject(sc: Scanner, tag: Tag): ObjectContent {
  let ref: MoRef | undefined;
  const props = new Map<string, unknown>();
  for (let c = sc.nextChild(tag); c; c = sc.nextChild(tag)) {
    const local = localName(c.name);
    if (local === 'obj') {
      const type = attr(c, 'type');
      const value = sc.leafText(c);
      if (type !== undefined) ref = { type, value };
    } else if (local === 'propSet') {
      let name: string | undefined;
      let value: unknown;
      for (let p = sc.nextChild(c); p; p = sc.nextChild(c)) {
        const pl = localName(p.name);
        if (pl === 'name') name = sc.leafText(p);
        else if (pl === 'val') value = readValue(sc, p);
        else sc.skip(p);
      }
      if (name) props.set(name, value);
    } else {
      sc.skip(c); // missingSet: a property vCenter could not read is left out, as objectContent does
    }
  }
  if (!ref) throw new OutpostError('VCENTER_PROTOCOL', 'An object in the result has no reference.');
  return { ref, props };
}

/**
 * Reads a whole `<method>Response` envelope. Returns null when the body holds something else (a
 * fault): the caller then parses it the general way.
 */
export function scanRetrieveResult(raw: string, method: string): ScannedRetrieveResult | null {
  const sc = new Scanner(raw);
  sc.prolog();
  const envelope = sc.openTag();
  if (localName(envelope.name) !== 'Envelope') return null;
  let result: ScannedRetrieveResult | null = null;
  let sawBody = false;
  for (let c = sc.nextChild(envelope); c; c = sc.nextChild(envelope)) {
    if (localName(c.name) !== 'Body' || sawBody) {
      sc.skip(c);
      continue;
    }
    sawBody = true;
    const response = sc.nextChild(c);
    if (!response || localName(response.name) !== `${method}Response`) return null;
    result = { token: undefined, objects: [] };
    for (let r = sc.nextChild(response); r; r = sc.nextChild(response)) {
      if (localName(r.name) !== 'returnval') {
        sc.skip(r);
        continue;
      }
      for (let f = sc.nextChild(r); f; f = sc.nextChild(r)) {
        const local = localName(f.name);
        if (local === 'token') result.token = sc.leafText(f);
        else if (local === 'objects') result.objects.push(readObject(sc, f));
        else sc.skip(f);
      }
    }
    if (sc.nextChild(c) !== null) return null; // a second element in the body: not the shape we know
  }
  sc.epilog();
  return result;
}
