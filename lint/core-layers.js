// The layers inside core/ (DESIGN.md, "The shape"): which core/ folder may import which. This table
// is the one place the layering is written down; `outpost/layer-imports` enforces it on every
// import, `import type` and `import('…')` type included, and test/core-layers.test.ts proves the
// table and the real import graph have no cycle. A folder that is not listed here may not be
// imported by, nor import, any other: add it to the table when you add it.
//
// Test files (*.test.ts) are exempt from the table: nothing imports a test, so a test cannot close
// a cycle, and an integration test in a domain folder may wire the whole core (createOutpostCore).

/** Foundations: pure shapes, the store, the bus, protocol clients. They know no domain. */
const FOUNDATIONS = {
  contract: [], // the wire contract: zod and itself only (the renderer imports it too)
  events: ['contract'], // the event bus every domain publishes to
  db: ['contract'], // store engines and migrations
  trust: ['contract'], // TLS trust decisions (pinned fingerprints, imported CAs)
  exec: ['contract'], // the shapes execution takes (CommandRunner, TerminalSession) and child processes' env
  winrm: ['contract'], // WS-Management protocol client
  vsphere: ['contract', 'trust'], // vim25 SOAP protocol client
  vault: ['contract', 'db'], // secrets at rest
  audit: ['contract', 'db', 'events'], // the append-only audit log
  ssh: ['contract', 'db', 'audit', 'exec'], // SSH protocol client, known-hosts store
  certificates: ['contract', 'db', 'audit', 'trust'], // Outpost's own CAs (trust store), certificate files
  procedures: ['contract', 'db', 'events', 'audit'], // the durable engine, generic over its services
  metrics: ['contract', 'db'], // counters, gauges, histograms; their snapshots for `outpost metrics`
};

/** Domains: each owns its tables and its procedures (`<domain>/*.procedure.ts`). */
const DOMAINS = {
  settings: ['contract', 'db', 'events', 'audit'],
  ipam: ['contract', 'db', 'audit'],
  nat: ['contract', 'db', 'audit', 'exec', 'ipam', 'procedures'],
  sites: ['contract', 'db', 'vault', 'vsphere', 'certificates'],
  inventory: ['contract', 'db', 'audit', 'trust', 'vault', 'vsphere', 'certificates', 'sites'],
  networking: ['contract', 'db', 'audit', 'vault', 'vsphere', 'procedures', 'sites'],
  'vm-access': ['contract', 'db', 'audit', 'vault', 'vsphere', 'sites', 'inventory'], // inventory: VMs by name (its store owns inv_vms)
  remote: ['contract', 'db', 'audit', 'exec', 'trust', 'vault', 'ssh', 'winrm', 'certificates', 'nat'],
  terminal: ['contract', 'audit', 'exec', 'ssh', 'winrm', 'remote'],
  helpers: ['contract', 'db', 'exec', 'ipam', 'nat'], // the operator's own workstation
  enrollment: ['contract', 'db', 'events', 'audit', 'exec', 'vault', 'vsphere', 'ssh', 'winrm', 'procedures', 'ipam', 'nat', 'sites', 'remote', 'inventory'],
  upgrades: ['contract', 'db', 'events', 'audit', 'exec', 'vault', 'vsphere', 'ssh', 'procedures', 'ipam', 'sites', 'remote', 'inventory', 'enrollment'],
  tasks: ['contract', 'db', 'events', 'procedures'], // the Recent Tasks feed (procedures: runner identity, to tell an interrupted task)
  update: ['contract', 'db', 'audit', 'exec'], // Outpost's own offline updates (bundle signature, install, rollback)
};

const BELOW_ROOT = [...Object.keys(FOUNDATIONS), ...Object.keys(DOMAINS)];

/** The composition root wires every service and registers every domain's procedures. */
const ROOT = { server: BELOW_ROOT };

/** Transports: serve the contract (host, and electron/ outside core/) or drive it (cli). Never each other. */
const TRANSPORTS = {
  host: [...BELOW_ROOT, 'server'],
  cli: [...BELOW_ROOT, 'server'],
};

/** core/<folder> -> the core/ folders its files may import (besides itself). */
export const CORE_LAYERS = { ...FOUNDATIONS, ...DOMAINS, ...ROOT, ...TRANSPORTS };

/** Which tier a folder is in, for messages. */
export function coreTier(folder) {
  if (folder in FOUNDATIONS) return 'foundation';
  if (folder in DOMAINS) return 'domain';
  if (folder in ROOT) return 'composition root';
  if (folder in TRANSPORTS) return 'transport';
  return 'unlisted';
}

/** The core/ folder of a repo-relative path ('core/nat/drivers/x.ts' -> 'nat'), or null outside core/. */
export function coreFolderOf(rel) {
  const m = /^core\/([^/]+)\//.exec(rel);
  return m ? m[1] : null;
}

export const isTestFile = (rel) => /\.test\.tsx?$/.test(rel);

/**
 * Why `fromFolder` may not import `toFolder`, or null when it may. Same-folder imports are always
 * fine; a folder missing from the table is refused so that a new folder gets a row.
 */
export function coreLayerVerdict(fromFolder, toFolder) {
  if (fromFolder === toFolder) return null;
  const allowed = CORE_LAYERS[fromFolder];
  if (!allowed) return `core/${fromFolder}/ has no row in lint/core-layers.js; add one saying what it may import`;
  if (!(toFolder in CORE_LAYERS)) return `core/${toFolder}/ has no row in lint/core-layers.js; add one before importing it`;
  if (allowed.includes(toFolder)) return null;
  return `core/${fromFolder}/ (${coreTier(fromFolder)}) may import only ${allowed.length ? allowed.join(', ') : 'itself'} (lint/core-layers.js); core/${toFolder}/ is a ${coreTier(toFolder)}${CORE_LAYERS[toFolder].includes(fromFolder) ? ' that imports it (a cycle)' : ''}`;
}

/** Strongly connected components with more than one node (each one is a cycle) of a graph Map<node, Set<node>>. */
export function cycles(graph) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.has(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** The table as a graph, to prove it has no cycle. */
export function tableGraph() {
  return new Map(Object.entries(CORE_LAYERS).map(([folder, allowed]) => [folder, new Set(allowed)]));
}
