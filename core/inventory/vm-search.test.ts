import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEngines, type OpenStore } from '../../test/engines.js';
import { commands } from '../contract/commands.js';
import { vmSearchText, vmSearchWords, vmTextMatches } from '../contract/vm-search-text.js';
import type { Sql } from '../db/sql.js';
import { countVms, searchVms } from './vm-search.js';

// Real stores on both engines (an SQLite file; a PostgreSQL database), their own migrations and
// SQL: the VM search's substring semantics are the same on each.

interface Vm {
  name: string;
  ips?: string[];
  hostname?: string | null;
  os?: string | null;
  guestId?: string | null;
}

const fleet: Vm[] = [
  { name: 'vm499', ips: ['10.0.12.7'], hostname: 'vm499.corp.example', os: 'Ubuntu Linux (64-bit)', guestId: 'ubuntu64Guest' },
  { name: 'prod-VM4990', ips: ['110.0.12.1', 'fe80::1'], hostname: 'db1.corp.example', os: 'Microsoft Windows Server 2019 (64-bit)', guestId: 'windows2019srv_64Guest' },
  { name: 'vm49', ips: ['192.168.4.9'], hostname: null, os: null, guestId: null },
  { name: 'web-01', ips: [], hostname: 'frontend', os: 'Debian GNU/Linux 12 (64-bit)', guestId: 'debian12_64Guest' },
  { name: '100% cpu', ips: [], hostname: null, os: null, guestId: null },
  { name: 'snake_case', ips: [], hostname: null, os: null, guestId: null },
  { name: "o'brien \"quoted\"", ips: [], hostname: null, os: null, guestId: null },
  { name: 'back\\slash', ips: [], hostname: null, os: null, guestId: null },
  { name: 'NEAR(x y) AND z*', ips: [], hostname: null, os: null, guestId: null },
  { name: 'Ærø-Ünïcode', ips: [], hostname: null, os: null, guestId: null },
];

let close: (() => Promise<void>) | null = null;
let open: OpenStore | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

/** A fresh store file (the latest schema) holding `vms`. */
async function storeWith(vms: Vm[]): Promise<Sql> {
  const store = await open!();
  close = () => store.close();
  const sql = store.sql;
  const now = '2026-12-06T00:00:00.000Z';
  const site = await sql.run('INSERT INTO sites (name, url, username, created_at) VALUES (?, ?, ?, ?)', ['lab', 'https://vc.lab.invalid/sdk', 'u', now]);
  await sql.transaction(async () => {
    for (const [i, vm] of vms.entries()) {
      await sql.run(
        `INSERT INTO inv_vms (site_id, moref, name, guest_id, guest_full_name, ip_address, ip_addresses, guest_hostname, seen_run, first_seen_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
        [site.lastId, `vm-${i}`, vm.name, vm.guestId ?? null, vm.os ?? null, vm.ips?.[0] ?? null, (vm.ips ?? []).join(' '), vm.hostname ?? null, now, now],
      );
    }
  });
  return sql;
}

const list = (sql: Sql, query: string, limit = 1000) => searchVms(sql, commands['vms.list'].input.parse({ query, limit }));
const names = async (sql: Sql, query: string): Promise<string[]> => (await list(sql, query)).map((v) => v.name).sort();

/** The semantics every side shares (core/contract/vm-search-text.ts), applied to the fleet in JS. */
const expected = (query: string): string[] => {
  const words = vmSearchWords(query);
  return fleet
    .filter((vm) => vmTextMatches(vmSearchText({ name: vm.name, ipAddresses: vm.ips ?? [], hostName: vm.hostname ?? null, guestFullName: vm.os ?? null, guestId: vm.guestId ?? null }), words))
    .map((vm) => vm.name)
    .sort();
};

describeEngines('VM search: substrings of name, IPs, guest host name and guest OS', (openStore) => {
  beforeEach(() => {
    open = openStore;
  });
  it('finds a mid-word fragment ignoring case ("M499" finds vm499 and prod-VM4990, not vm49)', async () => {
    const sql = await storeWith(fleet);
    expect(await names(sql, 'M499')).toEqual(['prod-VM4990', 'vm499']);
    expect(await names(sql, 'm4990')).toEqual(['prod-VM4990']);
    expect(await names(sql, 'rod-v')).toEqual(['prod-VM4990']);
  });

  it('finds IP fragments, guest host names and guest OS by substring', async () => {
    const sql = await storeWith(fleet);
    expect(await names(sql, '0.12.')).toEqual(['prod-VM4990', 'vm499']);
    expect(await names(sql, '110.0')).toEqual(['prod-VM4990']);
    expect(await names(sql, 'fe80::')).toEqual(['prod-VM4990']);
    expect(await names(sql, 'corp.exa')).toEqual(['prod-VM4990', 'vm499']);
    expect(await names(sql, 'rontend')).toEqual(['web-01']);
    expect(await names(sql, 'indows server')).toEqual(['prod-VM4990']); // two words, each a substring
    expect(await names(sql, 'debian12_64')).toEqual(['web-01']); // guest id
    expect(await names(sql, 'LINUX')).toEqual(['vm499', 'web-01']);
  });

  it('queries shorter than 3 characters (no trigram) still find substrings, alone or with longer words', async () => {
    const sql = await storeWith(fleet);
    expect(await names(sql, 'm4')).toEqual(['prod-VM4990', 'vm49', 'vm499']);
    expect(await names(sql, '9')).toEqual(expected('9'));
    expect(await names(sql, 'db')).toEqual(['prod-VM4990']); // its guest host name
    expect(await names(sql, 'vm 0.1')).toEqual(['prod-VM4990', 'vm499']);
    expect(await names(sql, 'Ær')).toEqual(['Ærø-Ünïcode']); // non-ASCII: as typed (SQLite's LIKE folds ASCII only)
    expect(await names(sql, 'ÜNÏ')).toEqual(['Ærø-Ünïcode']); // 3+ characters: the trigram index folds every case
  });

  it('treats %, _, \\, quotes and FTS5 syntax as text: no injection, no error', async () => {
    const sql = await storeWith(fleet);
    expect(await names(sql, '%')).toEqual(['100% cpu']);
    expect(await names(sql, '0%')).toEqual(['100% cpu']);
    expect(await names(sql, '_')).toEqual(['prod-VM4990', 'snake_case', 'web-01']); // two guest ids hold one too
    expect(await names(sql, 'e_c')).toEqual(['snake_case']);
    expect(await names(sql, '\\')).toEqual(['back\\slash']);
    expect(await names(sql, 'k\\s')).toEqual(['back\\slash']);
    expect(await names(sql, "o'b")).toEqual(["o'brien \"quoted\""]);
    expect(await names(sql, '"quoted"')).toEqual(["o'brien \"quoted\""]);
    expect(await names(sql, '"')).toEqual(["o'brien \"quoted\""]);
    expect(await names(sql, 'NEAR(x')).toEqual(['NEAR(x y) AND z*']);
    expect(await names(sql, 'z*')).toEqual(['NEAR(x y) AND z*']);
    for (const q of ['vm*', '^vm', 'name:vm499', 'vm OR web', 'NOT vm', 'AND', '"; DROP TABLE inv_vms; --', '(', ')', '*', ':', '-vm']) {
      expect(await names(sql, q), q).toEqual(expected(q));
    }
    expect(await names(sql, 'vm OR web')).toEqual([]); // every word must match: "or" is a word, not an operator
  });

  it('the store and the shared JS matcher (the Inventory table) agree on every query', async () => {
    const sql = await storeWith(fleet);
    const queries = ['vm', 'VM49', '49', '4', '.', '::', '64', '(64-bit)', 'srv_64', 'server 2019', 'corp', 'example vm499', 'ünï', 'ÆRØ-', 'x y', 'cpu 100', 'e', '12'];
    for (const q of queries) expect(await names(sql, q), q).toEqual(expected(q));
  });

  it('every match is reachable: no ceiling but the caller\'s limit, and the count agrees', async () => {
    const many = Array.from({ length: 700 }, (_, i): Vm => ({ name: `node-${i}-x${i % 2 ? 'odd' : 'even'}` }));
    const sql = await storeWith(many);
    expect(await list(sql, 'xodd', 100_000)).toHaveLength(350);
    expect(await list(sql, 'de-', 100_000)).toHaveLength(700);
    expect(await list(sql, 'x', 100_000)).toHaveLength(700);
    expect(await countVms(sql, { query: 'xeve', includeRemoved: false })).toBe(350);
    expect(await countVms(sql, { query: '9', includeRemoved: false })).toBe(many.filter((v) => v.name.includes('9')).length);
  });

  it('pages (limit after offset) cover every VM once, in the order of one answer; with a search, every match once', async () => {
    const sql = await storeWith(fleet);
    const page = async (query: string, limit: number, offset = 0) => (await searchVms(sql, commands['vms.list'].input.parse({ query, limit, offset }))).map((v) => v.moref);
    for (const query of ['', 'e']) {
      const whole = await page(query, 1000);
      const paged: string[] = [];
      for (let offset = 0; offset < whole.length + 3; offset += 3) paged.push(...(await page(query, 3, offset)));
      expect(whole.length).toBeGreaterThan(3);
      // Without a search the pages are the name order (the table's first page is its first screen).
      if (query === '') expect(paged).toEqual(whole);
      else expect([...paged].sort()).toEqual([...whole].sort());
    }
  });

  it('the index follows inserts, renames, IP changes and deletes (triggers)', async () => {
    const sql = await storeWith(fleet);
    await sql.run("UPDATE inv_vms SET name = 'renamed-alpha' WHERE name = 'snake_case'");
    await sql.run("UPDATE inv_vms SET ip_addresses = '172.31.99.5' WHERE name = 'web-01'");
    await sql.run("DELETE FROM inv_vms WHERE name = 'vm49'");
    await sql.run(
      "INSERT INTO inv_vms (site_id, moref, name, ip_addresses, seen_run, first_seen_at, updated_at) VALUES (1, 'vm-new', 'fresh-gamma', '', 1, '2026-12-06T00:00:00Z', '2026-12-06T00:00:00Z')",
    );
    expect(await names(sql, 'ed-alp')).toEqual(['renamed-alpha']);
    expect(await names(sql, 'snake')).toEqual([]);
    expect(await names(sql, '31.99')).toEqual(['web-01']);
    expect(await names(sql, '192.168')).toEqual([]);
    expect(await names(sql, 'sh-gam')).toEqual(['fresh-gamma']);
  });
});
