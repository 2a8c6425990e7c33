import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: root });

/** Lints source text as if it were the named file, with the project's real config. */
async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'outpost/layer-imports').map((m) => m.message);
}

describe('import boundaries (eslint outpost/layer-imports)', () => {
  it('fails a renderer file that imports ssh2', async () => {
    const errors = await layerErrors('renderer/views/bad-fixture.tsx', "import { Client } from 'ssh2';\nexport const c = Client;\n");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('may not import "ssh2"');
  });

  it('fails renderer imports of Node, Electron and core services, including dynamic ones', async () => {
    const code = [
      "import { readFileSync } from 'node:fs';",
      "import { ipcRenderer } from 'electron';",
      "import { openDatabase } from '../core/db/database.js';",
      "export const lazy = () => import('better-sqlite3');",
      'export const all = [readFileSync, ipcRenderer, openDatabase];',
    ].join('\n');
    expect(await layerErrors('renderer/bad-fixture.ts', code)).toHaveLength(4);
  });

  it('allows the renderer the contract and its UI packages', async () => {
    const code = [
      "import { createClient } from '../core/contract/index.js';",
      "import { create } from 'zustand';",
      "import { useState } from 'react';",
      'export const all = [createClient, create, useState];',
    ].join('\n');
    expect(await layerErrors('renderer/good-fixture.ts', code)).toEqual([]);
  });

  it('keeps the renderer design system (ui/) and data hooks (data/) free of features', async () => {
    expect(await layerErrors('renderer/ui/bad-fixture.tsx', "import { X } from '../views/inventory/VmTable';\nexport const x = X;\n")).toHaveLength(1);
    expect(await layerErrors('renderer/ui/bad-fixture.tsx', "import { useVmSearch } from '../data/use-vm-search';\nexport const x = useVmSearch;\n")).toHaveLength(1);
    expect(await layerErrors('renderer/data/bad-fixture.ts', "import { DataTable } from '../ui/DataTable';\nimport { y } from '../views/audit/x';\nexport const x = [DataTable, y];\n")).toHaveLength(2);
    expect(await layerErrors('renderer/parts/bad-fixture.tsx', "import { X } from '../views/inventory/VmTable';\nexport const x = X;\n")).toHaveLength(1);
    expect(await layerErrors('renderer/parts/good-fixture.tsx', "import { FilterSelect } from '../ui/FilterSelect';\nimport { useVmSearch } from '../data/use-vm-search';\nexport const x = [FilterSelect, useVmSearch];\n")).toEqual([]);
    const fine = "import { DataTable } from '../../ui/DataTable';\nimport { useVmSearch } from '../../data/use-vm-search';\nexport const x = [DataTable, useVmSearch];\n";
    expect(await layerErrors('renderer/views/fanout/good-fixture.tsx', fine)).toEqual([]);
  });

  it('keeps core free of electron and React, and the contract pure', async () => {
    expect(await layerErrors('core/vault/bad-fixture.ts', "import { safeStorage } from 'electron';\nexport const s = safeStorage;\n")).toHaveLength(1);
    expect(await layerErrors('core/db/bad-fixture.ts', "import React from 'react';\nexport const r = React;\n")).toHaveLength(1);
    expect(await layerErrors('core/contract/bad-fixture.ts', "import { openDatabase } from '../db/database.js';\nexport const o = openDatabase;\n")).toHaveLength(1);
    expect(await layerErrors('core/contract/bad-fixture2.ts', "import { readFileSync } from 'node:fs';\nexport const o = readFileSync;\n")).toHaveLength(1);
  });

  it('keeps electron/ out of the renderer code', async () => {
    expect(await layerErrors('electron/bad-fixture.ts', "import { App } from '../renderer/app/App.js';\nexport const a = App;\n")).toHaveLength(1);
    expect(await layerErrors('electron/good-fixture.ts', "import { createOutpostCore } from '../core/server/core.js';\nexport const c = createOutpostCore;\n")).toEqual([]);
  });

  describe('layers inside core/ (lint/core-layers.js)', () => {
    it('fails a back-edge from a foundation up to a domain, a plain import or a type-only one', async () => {
      const plain = await layerErrors('core/db/bad-fixture.ts', "import { EnrollmentService } from '../enrollment/enrollment-service.js';\nexport const e = EnrollmentService;\n");
      expect(plain).toHaveLength(1);
      expect(plain[0]).toContain('core/db/ (foundation) may import only contract');
      const typeOnly = await layerErrors('core/procedures/bad-fixture.ts', "import type { EnrollmentService } from '../enrollment/enrollment-service.js';\nexport type E = EnrollmentService;\n");
      expect(typeOnly).toHaveLength(1);
      expect(typeOnly[0]).toContain('core/enrollment/ is a domain that imports it (a cycle)');
      const importType = await layerErrors('core/events/bad-fixture.ts', "export type Core = typeof import('../server/core.js');\n");
      expect(importType).toHaveLength(1);
    });

    it('fails a domain that reaches into the composition root or a transport, and a domain-to-domain back-edge', async () => {
      expect(await layerErrors('core/audit/bad-fixture.ts', "import type { Services } from '../server/services.js';\nexport type S = Services;\n")).toHaveLength(1);
      expect(await layerErrors('core/nat/bad-fixture.ts', "import { buildProgram } from '../cli/program.js';\nexport const p = buildProgram;\n")).toHaveLength(1);
      expect(await layerErrors('core/ipam/bad-fixture.ts', "export { NatService } from '../nat/nat-service.js';\n")).toHaveLength(1);
      expect(await layerErrors('core/host/bad-fixture.ts', "import { buildProgram } from '../cli/program.js';\nexport const p = buildProgram;\n")).toHaveLength(1);
    });

    it('keeps the protocol clients below the endpoint layer, and the endpoint layer below its users', async () => {
      // core/ssh and core/winrm are pure protocol clients: they never reach up to core/endpoints.
      expect(await layerErrors('core/ssh/bad-fixture.ts', "import { Endpoints } from '../endpoints/endpoints.js';\nexport const e = Endpoints;\n")).toHaveLength(1);
      expect(await layerErrors('core/winrm/bad-fixture.ts', "import { winrmClient } from '../endpoints/winrm-endpoint.js';\nexport const w = winrmClient;\n")).toHaveLength(1);
      // core/endpoints may not import its users (remote, terminal, enrollment): a cycle.
      const up = await layerErrors('core/endpoints/bad-fixture.ts', "import { RemoteAccessService } from '../remote/remote-access-service.js';\nexport const r = RemoteAccessService;\n");
      expect(up[0]).toContain('core/remote/ is a domain that imports it (a cycle)');
      const code = "import { Endpoints } from '../endpoints/endpoints.js';\nexport const e = Endpoints;\n";
      for (const user of ['remote', 'terminal', 'enrollment', 'upgrades', 'cli', 'server']) expect(await layerErrors(`core/${user}/good-fixture.ts`, code), user).toEqual([]);
    });

    it('fails a folder that has no row in the table, both ways', async () => {
      const errors = await layerErrors('core/newthing/bad-fixture.ts', "import { EventBus } from '../events/event-bus.js';\nexport const b = EventBus;\n");
      expect(errors[0]).toContain('core/newthing/ has no row in lint/core-layers.js');
      expect(await layerErrors('core/nat/bad-fixture.ts', "import { x } from '../newthing/x.js';\nexport const y = x;\n")).toHaveLength(1);
    });

    it('allows the edges the table lists, and tests that wire the whole core', async () => {
      const code = ["import { ProcedureEngine } from '../procedures/engine.js';", "import type { EventBus } from '../events/event-bus.js';", "import { Ipam } from '../ipam/ipam.js';", 'export const all = [ProcedureEngine, Ipam];', 'export type B = EventBus;'].join('\n');
      expect(await layerErrors('core/enrollment/good-fixture.ts', code)).toEqual([]);
      expect(await layerErrors('core/server/good-fixture.ts', "import { natAdd } from '../nat/nat-add.procedure.js';\nexport const n = natAdd;\n")).toEqual([]);
      expect(await layerErrors('core/enrollment/good-fixture.test.ts', "import { createOutpostCore } from '../server/core.js';\nexport const c = createOutpostCore;\n")).toEqual([]);
    }, 120_000); // type-aware lint builds the whole core's program for the last file: slow on a busy machine
  });
});

/** Messages of the one-owner-per-table rule for source text linted as the named file. */
async function sqlErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'outpost/store-sql').map((m) => m.message);
}

describe('SQL only in store files (eslint outpost/store-sql)', () => {
  const query = [
    "import type { Db } from '../db/database.js';",
    'export function count(db: Db): unknown {',
    "  return db.prepare('SELECT count(*) AS n FROM sites WHERE removed_at IS NULL').get();",
    '}',
  ].join('\n');

  it('fails a service, a CLI file or electron/ that prepares SQL itself', async () => {
    for (const file of ['core/inventory/bad-fixture.ts', 'core/cli/bad-fixture.ts', 'electron/bad-fixture.ts']) {
      const errors = await sqlErrors(file, query);
      expect(errors, file).toHaveLength(2);
      expect(errors[0]).toContain('.prepare() on a database outside a store');
      expect(errors[1]).toContain('SQL outside a store');
    }
  });

  it('fails transactions, pragmas, SQL passed to exec and SQL kept in a constant outside stores', async () => {
    const code = [
      'export function f(db: { transaction(fn: () => void): () => void; pragma(s: string): unknown; exec(s: string): void }): void {',
      '  db.transaction(() => undefined)();',
      "  db.pragma('user_version');",
      "  db.exec('DELETE FROM audit_log');",
      '}',
      'export const UPDATE = `UPDATE sites SET name = ? WHERE id = ?`;',
      "export const insert = 'INSERT OR IGNORE INTO trusted_cas (pem) VALUES (?)';",
    ].join('\n');
    expect(await sqlErrors('core/upgrades/bad-fixture.ts', code)).toHaveLength(6);
  });

  it('allows SQL in a *-store.ts file and in core/db/, and leaves RegExp#exec and prose alone', async () => {
    expect(await sqlErrors('core/sites/good-fixture-store.ts', query)).toEqual([]);
    expect(await sqlErrors('core/db/good-fixture.ts', query)).toEqual([]);
    const prose = [
      "export const m = /-d (\\S+)/.exec('-d 1.2.3.4');",
      "export const hint = 'Select a site from the list, then update the settings and delete what you do not need.';",
    ].join('\n');
    expect(await sqlErrors('core/enrollment/good-fixture.ts', prose)).toEqual([]);
  });
});

describe('the SQLite engine stays behind core/db (eslint no-restricted-imports)', () => {
  const engineImports = [
    "import Database from 'better-sqlite3';",
    "import { openDatabase } from '../db/database.js';",
    "import { sqliteSql } from '../db/sqlite-sql.js';",
    'export const handles = [Database, openDatabase, sqliteSql];',
  ].join('\n');
  const restricted = async (filePath: string, code: string): Promise<string[]> => {
    const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
    return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  };

  it('fails a service, the composition root, electron/ and a benchmark that import better-sqlite3 or the engine files', async () => {
    for (const file of ['core/inventory/bad-fixture.ts', 'core/server/bad-fixture.ts', 'electron/bad-fixture.ts', 'bench/bad-fixture.ts']) {
      const errors = await restricted(file, engineImports);
      expect(errors, file).toHaveLength(3);
      expect(errors[0]).toContain('Only core/db/ talks to the SQLite engine');
    }
  });

  it('allows them inside core/db/, and openStore with the Sql interface everywhere', async () => {
    expect(await restricted('core/db/good-fixture.ts', engineImports)).toEqual([]);
    const neutral = ["import { openStore } from '../db/store.js';", "import type { Sql } from '../db/sql.js';", 'export const f = (s: Sql) => [openStore, s];'].join('\n');
    expect(await restricted('core/inventory/good-fixture.ts', neutral)).toEqual([]);
  });
});
