import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { osRuleSchema, type OsRule } from '../contract/enrollment.js';
import { OutpostError } from '../contract/errors.js';

const RULES_FILE = join('resources', 'enrollment', 'os-requirements.json');

const rulesFileSchema = z.object({ rules: z.array(osRuleSchema).min(1) });

/**
 * Where the OS rules live: OUTPOST_ENROLLMENT_RULES, else `resources/enrollment/os-requirements.json`
 * found upwards from the app's resources, the entry script or the working folder.
 */
export function defaultRulesPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OUTPOST_ENROLLMENT_RULES) return resolve(env.OUTPOST_ENROLLMENT_RULES);
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  // A packaged app unpacks resources/enrollment next to app.asar, so ansible-playbook can read the
  // playbook; the CLI, the host and tests find it above their entry script or the working folder.
  const starts = [...(resourcesPath ? [join(resourcesPath, 'app.asar.unpacked')] : []), ...(process.argv[1] ? [dirname(process.argv[1])] : []), process.cwd()];
  for (const start of starts) {
    let dir = start;
    for (let i = 0; i < 6; i++) {
      const candidate = join(dir, RULES_FILE);
      if (existsSync(candidate)) return candidate;
      dir = dirname(dir);
    }
  }
  return resolve(RULES_FILE);
}

/** Reads and validates the rules file; a broken file is one clear error naming the file. */
export function loadOsRules(path: string): OsRule[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new OutpostError('NOT_FOUND', `Cannot read the enrollment OS rules at ${path}: ${(err as Error).message}.`, { path });
  }
  const parsed = rulesFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new OutpostError('VALIDATION', `The enrollment OS rules at ${path} are invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, { path });
  }
  for (const rule of parsed.data.rules) {
    for (const pattern of [rule.guestIdPattern, rule.guestFullNamePattern]) {
      if (pattern === null) continue;
      try {
        new RegExp(pattern, 'i');
      } catch {
        throw new OutpostError('VALIDATION', `Rule ${rule.id} in ${path} has an invalid pattern: ${pattern}`, { path });
      }
    }
  }
  return parsed.data.rules;
}

/** The first rule whose guestId or guestFullName pattern matches what vCenter reports. */
export function ruleForVm(rules: readonly OsRule[], vm: { guestId: string | null; guestFullName: string | null }): OsRule | null {
  for (const rule of rules) {
    if (rule.guestIdPattern && vm.guestId && new RegExp(rule.guestIdPattern, 'i').test(vm.guestId)) return rule;
    if (rule.guestFullNamePattern && vm.guestFullName && new RegExp(rule.guestFullNamePattern, 'i').test(vm.guestFullName)) return rule;
  }
  return null;
}

/** Compares dotted versions numerically ("20.04" < "22.04", "10.0.14393" < "10.0.17763"); non-numeric parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.\-_]/).map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split(/[.\-_]/).map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}
