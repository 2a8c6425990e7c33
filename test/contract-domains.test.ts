import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { commandNames } from '../core/contract/commands.js';
import { createOutpostCore, type OutpostCore } from '../core/server/core.js';
import type { Services } from '../core/server/services.js';
import { tempDir } from './temp-dir.js';

const root = join(import.meta.dirname, '..');
const contractDir = join(root, 'core', 'contract');
const handlersDir = join(root, 'core', 'server', 'handlers');
const cliDir = join(root, 'core', 'cli');
const ts = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'));

/** The `*Commands` objects a contract file exports (a domain file exports exactly one). */
async function contractDomains(): Promise<Map<string, string[]>> {
  const domains = new Map<string, string[]>();
  for (const file of ts(contractDir)) {
    if (file === 'commands.ts' || file === 'index.ts') continue; // the union of all domains, the barrel
    const mod: Record<string, unknown> = await import(join(contractDir, file));
    const objects = Object.entries(mod).filter(([name, value]) => name.endsWith('Commands') && typeof value === 'object' && value !== null);
    if (objects.length === 0) continue; // shapes only: errors, events, wire, bridge, ...
    expect(objects.map(([name]) => name), `core/contract/${file} exports more than one command object`).toHaveLength(1);
    domains.set(file.replace(/\.ts$/, ''), Object.keys(objects[0]![1] as object).sort());
  }
  return domains;
}

describe('contract <-> handlers <-> CLI by domain', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;
  beforeAll(async () => {
    dir = tempDir();
    core = await createOutpostCore({ dataDir: dir.path, transport: 'test' });
  });
  afterAll(async () => {
    await core.close();
    dir.remove();
  });

  it('every contract command lives in exactly one core/contract/<domain>.ts', async () => {
    const domains = await contractDomains();
    const all = [...domains.values()].flat();
    expect(all.filter((name, i) => all.indexOf(name) !== i)).toEqual([]);
    expect(all.sort()).toEqual([...commandNames].sort());
  });

  it('every contract command has exactly one handler, in core/server/handlers/<domain>.ts of its domain', async () => {
    const domains = await contractDomains();
    const handlerFiles = ts(handlersDir).filter((f) => f !== 'index.ts').map((f) => f.replace(/\.ts$/, ''));
    expect(handlerFiles.sort()).toEqual([...domains.keys()].sort());
    for (const [domain, names] of domains) {
      const mod: Record<string, unknown> = await import(join(handlersDir, `${domain}.ts`));
      const factories = Object.entries(mod).filter(([name, value]) => name.endsWith('Handlers') && typeof value === 'function');
      expect(factories.map(([name]) => name), `core/server/handlers/${domain}.ts`).toHaveLength(1);
      const handlers = (factories[0]![1] as (s: Services) => Record<string, unknown>)(core.services);
      expect(Object.keys(handlers).sort(), `handlers in core/server/handlers/${domain}.ts`).toEqual(names);
    }
  });

  it('no CLI file can be mistaken for a contract file: CLI files are named *-cli.ts (or are CLI plumbing)', () => {
    const plumbing = new Set(['main.ts', 'program.ts', 'cli-context.ts', 'cli-error.ts', 'output.ts', 'base-program.ts', 'exec-program.ts', 'ssh-cli-options.ts']);
    const contract = new Set(ts(contractDir));
    for (const file of ts(cliDir)) {
      expect(contract.has(file), `core/cli/${file} has the name of a contract file`).toBe(false);
      if (!plumbing.has(file)) expect(file, 'a CLI domain file').toMatch(/-cli\.ts$/);
    }
  });
});
