/**
 * A small, strict reader for the SOAP documents WinRM returns: elements, attributes, text,
 * CDATA, comments, processing instructions, the five predefined entities and numeric character
 * references. Namespace prefixes are dropped (servers differ in prefixes, not in local names).
 * DOCTYPE is refused, so no entity expansion or external reference can happen.
 *
 * Written here rather than taken from npm because the project's installed tree is shared and a
 * parser dependency disappeared from it while this was built; WS-Man replies need nothing more.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element. */
  text: string;
}

export class XmlError extends Error {}

const local = (qname: string): string => qname.slice(qname.indexOf(':') + 1);

function decode(raw: string): string {
  return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (_m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[e]!;
  });
}

export function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let i = 0;
  const n = xml.length;
  while (i < n) {
    const lt = xml.indexOf('<', i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i) {
      const text = xml.slice(i, textEnd);
      if (stack.length === 1) {
        if (text.trim()) throw new XmlError('text outside the root element');
      } else stack[stack.length - 1]!.text += decode(text);
    }
    if (lt < 0) break;
    if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt + 4);
      if (end < 0) throw new XmlError('unterminated comment');
      i = end + 3;
    } else if (xml.startsWith('<![CDATA[', lt)) {
      const end = xml.indexOf(']]>', lt + 9);
      if (end < 0) throw new XmlError('unterminated CDATA');
      if (stack.length > 1) stack[stack.length - 1]!.text += xml.slice(lt + 9, end);
      i = end + 3;
    } else if (xml.startsWith('<?', lt)) {
      const end = xml.indexOf('?>', lt + 2);
      if (end < 0) throw new XmlError('unterminated processing instruction');
      i = end + 2;
    } else if (xml.startsWith('<!', lt)) {
      throw new XmlError('DOCTYPE and declarations are not accepted');
    } else if (xml.startsWith('</', lt)) {
      const end = xml.indexOf('>', lt);
      if (end < 0) throw new XmlError('unterminated end tag');
      const name = local(xml.slice(lt + 2, end).trim());
      const open = stack.pop();
      if (!open || stack.length === 0 || open.name !== name) throw new XmlError(`unexpected </${name}>`);
      i = end + 1;
    } else {
      const tag = /^<([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(xml.slice(lt, lt + 65_536));
      if (!tag) throw new XmlError(`malformed tag at offset ${lt}`);
      const el: XmlElement = { name: local(tag[1]!), attrs: {}, children: [], text: '' };
      for (const a of tag[2]!.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        if (a[1]!.startsWith('xmlns')) continue;
        el.attrs[local(a[1]!)] = decode(a[2] ?? a[3] ?? '');
      }
      const parent = stack[stack.length - 1]!;
      if (parent === root && root.children.length > 0) throw new XmlError('more than one root element');
      parent.children.push(el);
      if (!tag[3]) stack.push(el);
      i = lt + tag[0].length;
    }
  }
  if (stack.length !== 1) throw new XmlError(`<${stack[stack.length - 1]!.name}> is not closed`);
  const top = root.children[0];
  if (!top) throw new XmlError('no root element');
  return top;
}

/** The first descendant-or-self path match: child('Body', 'Fault', 'Code'). */
export function child(el: XmlElement | undefined, ...path: string[]): XmlElement | undefined {
  let at = el;
  for (const name of path) at = at?.children.find((c) => c.name === name);
  return at;
}

export function children(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}
