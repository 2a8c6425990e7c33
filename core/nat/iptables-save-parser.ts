/** Splits one iptables-save line into argv, honouring double quotes (comments may contain spaces). */
export function splitRuleLine(line: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
        current += line[++i];
      } else if (ch === '"') {
        quoted = false;
      } else {
        current += ch;
      }
    } else if (ch === '"') {
      quoted = true;
      has = true;
    } else if (ch === ' ' || ch === '\t') {
      if (has || current) out.push(current);
      current = '';
      has = false;
    } else {
      current += ch;
      has = true;
    }
  }
  if (has || current) out.push(current);
  return out;
}

export interface SavedRule {
  table: string;
  chain: string;
  /** The rule's arguments after `-A CHAIN`, ready to pass to `iptables -t T -D CHAIN ...`. */
  spec: string[];
  comment: string | null;
  source: string | null;
  destination: string | null;
  target: string | null;
  toDestination: string | null;
  toSource: string | null;
}

const stripHostPrefix = (v: string | null): string | null => (v && v.endsWith('/32') ? v.slice(0, -3) : v);

/** Parses `iptables-save` output into its rules (all tables present in the text). */
export function parseIptablesSave(text: string): SavedRule[] {
  const rules: SavedRule[] = [];
  let table = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) {
      table = line.slice(1);
      continue;
    }
    if (!line.startsWith('-A ')) continue;
    const argv = splitRuleLine(line);
    const chain = argv[1] ?? '';
    const spec = argv.slice(2);
    const value = (flag: string): string | null => {
      const i = spec.indexOf(flag);
      return i >= 0 ? (spec[i + 1] ?? null) : null;
    };
    rules.push({
      table,
      chain,
      spec,
      comment: value('--comment'),
      source: stripHostPrefix(value('-s')),
      destination: stripHostPrefix(value('-d')),
      target: value('-j'),
      toDestination: value('--to-destination'),
      toSource: value('--to-source'),
    });
  }
  return rules;
}
