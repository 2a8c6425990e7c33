/** Seed 004's controller ports: SSH, proxy, Keystone, ..., the Keystone admin port. */
export const CONTROLLER_PORTS = [22, 3128, 5000, 8080, 8777, 9292, 9696, 35357] as const;

export interface PreflightTarget {
  host: string;
  port: number;
}

export interface ParsedTargets {
  targets: PreflightTarget[];
  /** One sentence per word that is not HOST:PORT, naming its line. */
  problems: string[];
}

const TARGET = /^(?:\[([^\]]+)\]|([^\s:[\]]+)):(\d{1,5})$/;

/**
 * Reads pasted targets: HOST:PORT separated by new lines, spaces or commas; an IPv6 address in
 * brackets ([2001:db8::1]:22). Repeats are kept once; '#' starts a comment.
 */
export function parseTargets(text: string): ParsedTargets {
  const targets: PreflightTarget[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    for (const word of raw.replace(/#.*/, '').split(/[\s,]+/).filter(Boolean)) {
      const match = TARGET.exec(word);
      const port = match ? Number(match[3]) : 0;
      if (!match || port < 1 || port > 65535) {
        problems.push(`Line ${i + 1}: “${word}” is not HOST:PORT (port 1–65535).`);
        continue;
      }
      const host = (match[1] ?? match[2])!;
      const key = `${host.toLowerCase()}|${port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      targets.push({ host, port });
    }
  });
  return { targets, problems };
}

export const targetText = ({ host, port }: PreflightTarget): string => `${host.includes(':') ? `[${host}]` : host}:${port}`;

export const targetsText = (targets: readonly PreflightTarget[]): string => targets.map(targetText).join('\n');

/** Appends the controller ports for `host` that the text does not list yet. */
export function withControllerPreset(text: string, host: string): string {
  const present = new Set(parseTargets(text).targets.map((t) => `${t.host.toLowerCase()}|${t.port}`));
  const added = CONTROLLER_PORTS.filter((port) => !present.has(`${host.toLowerCase()}|${port}`)).map((port) => targetText({ host, port }));
  if (added.length === 0) return text;
  const base = text.replace(/\s+$/, '');
  return `${base}${base ? '\n' : ''}${added.join('\n')}`;
}
