import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { migrations } from '../core/db/migrations/index.js';

// One owner per table (DESIGN.md): every table the migrations create is declared by exactly one
// `*-store.ts` ("// Owns tables: a, b."), and a store's SQL names only its own tables, except the
// read-only joins listed here, each with its reason. Writes to another store's table never pass.
const READ_JOINS: Record<string, Record<string, string>> = {
  'core/enrollment/cmdb-store.ts': { sites: 'each record shows its site by name' },
  'core/inventory/event-log-store.ts': { sites: 'each event shows its site by name; removed sites hide theirs' },
  'core/inventory/inventory-store.ts': {
    sites: 'VM rows show their site by name; one statement per page of 200 search results',
    cmdb_records: 'the "enrolled" filter of the VM search is a per-row EXISTS',
  },
  'core/inventory/inventory-view-store.ts': {
    sites: 'the RVTools-style views and the navigation tree show each row with its site',
    inv_vms: 'read-only: the views and tree read the inventory store\'s VM rows (one query per page of 2,000)',
    inv_hosts: 'read-only: vHost, and each VM with its host, cluster and datacenter',
    inv_clusters: 'read-only: each VM and host with its cluster; the tree\'s cluster nodes',
    inv_datacenters: 'read-only: each row with its datacenter; the tree\'s datacenter nodes',
    inv_datastores: 'read-only: vDatastore',
  },
  'core/nat/nat-policy-store.ts': { firewalls: 'each allow-list entry and forward shows its firewall by name' },
  'core/upgrades/upgrade-store.ts': {
    sites: 'plans show their site by name',
    inv_hosts: 'the host build report joins each live host to the build a plan wants for it',
    inv_clusters: 'the host build report shows each host with its cluster',
  },
};

const root = join(import.meta.dirname, '..');

function storeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return storeFiles(path);
    return e.name.endsWith('-store.ts') ? [relative(root, path).split('\\').join('/')] : [];
  });
}

const tables = [...new Set(migrations.flatMap((m) => [...m.sql.matchAll(/CREATE (?:VIRTUAL )?TABLE (\w+)/g)].map((x) => x[1]!)))].sort();
const stores = storeFiles(join(root, 'core')).map((file) => {
  const text = readFileSync(join(root, file), 'utf8');
  const declared = /^\/\/ Owns tables: ([\w, ]+)\./m.exec(text)?.[1]?.split(',').map((t) => t.trim()) ?? [];
  const named = (re: RegExp): Set<string> => new Set([...text.matchAll(re)].map((x) => x[1]!));
  return {
    file,
    declared,
    reads: named(/\b(?:FROM|JOIN)\s+(\w+)/g),
    writes: named(/\b(?:INTO|UPDATE|DELETE\s+FROM)\s+(\w+)/g),
  };
});

describe('one owner per table (migrations vs. *-store.ts files)', () => {
  it('finds the migrations\' tables and the store files', () => {
    expect(tables).toContain('sites');
    expect(tables).toContain('cmdb_records');
    expect(stores.length).toBeGreaterThan(10);
  });

  it('has exactly one store declaring each table', () => {
    const owners = Object.fromEntries(tables.map((t) => [t, stores.filter((s) => s.declared.includes(t)).map((s) => s.file)]));
    const wrong = Object.entries(owners).filter(([, files]) => files.length !== 1);
    expect(wrong, 'tables with no owner or with several').toEqual([]);
    const unknown = stores.flatMap((s) => s.declared.filter((t) => !tables.includes(t)).map((t) => `${s.file}: ${t}`));
    expect(unknown, 'declared tables no migration creates').toEqual([]);
  });

  it('lets a store write only its own tables and read others only through the listed joins', () => {
    const problems: string[] = [];
    for (const s of stores) {
      for (const t of s.writes) if (tables.includes(t) && !s.declared.includes(t)) problems.push(`${s.file} writes ${t}`);
      for (const t of s.reads) {
        if (tables.includes(t) && !s.declared.includes(t) && !READ_JOINS[s.file]?.[t]) problems.push(`${s.file} reads ${t} (not its table, not a listed join)`);
      }
    }
    expect(problems).toEqual([]);
  });
});
