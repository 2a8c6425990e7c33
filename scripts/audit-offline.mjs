// Runtime dependencies against known advisories, offline.
//
//   node scripts/audit-offline.mjs            (npm run audit:offline)  checks, no network
//   node scripts/audit-offline.mjs --refresh  (npm run audit:refresh)  online: runs `npm audit`
//
// The refresh (on a machine with registry access) runs `npm audit --omit=dev --json` and commits
// what it found to security/npm-audit-snapshot.json together with the exact runtime package set
// (name@version from package-lock.json) it audited. The offline check proves two things without
// a network: the runtime packages in package-lock.json are exactly the audited set (a bumped or
// added package fails until the snapshot is refreshed), and every advisory found then is either
// fixed or accepted in the snapshot's "accepted" map with a reason. It cannot know advisories
// published after the refresh date, which it prints: refresh before a release.
//
// Options for tests: --lock <package-lock.json> --snapshot <file>.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const lockPath = option('--lock', join(root, 'package-lock.json'));
const snapshotPath = option('--snapshot', join(root, 'security', 'npm-audit-snapshot.json'));

/** name@version of every package installed for production (not dev, not dev-only optional). */
function runtimePackages(lock) {
  const out = new Set();
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (!path || entry.dev || entry.devOptional || entry.link) continue;
    const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (entry.version) out.add(`${name}@${entry.version}`);
  }
  return [...out].sort();
}

/** The advisories in `npm audit --json` output (v7+ format), one row per advisory. */
function findingsOf(report) {
  const rows = new Map();
  for (const v of Object.values(report.vulnerabilities ?? {})) {
    for (const via of v.via ?? []) {
      if (typeof via !== 'object') continue; // a string: "vulnerable through that package", listed under its own name
      rows.set(via.url ?? `${via.name}:${via.title}`, { package: via.name, severity: via.severity, title: via.title, url: via.url ?? null, range: via.range ?? null });
    }
  }
  return [...rows.values()].sort((a, b) => `${a.package}${a.url}`.localeCompare(`${b.package}${b.url}`));
}

const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const runtime = runtimePackages(lock);

if (args.includes('--refresh')) {
  let report;
  try {
    report = JSON.parse(execFileSync('npm', ['audit', '--omit=dev', '--json'], { cwd: dirname(lockPath), encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
  } catch (err) {
    // npm audit exits 1 when it finds something; its JSON is still on stdout.
    if (err && typeof err === 'object' && 'stdout' in err && err.stdout) report = JSON.parse(String(err.stdout));
    else throw err;
  }
  if (report.error) throw new Error(`npm audit failed: ${JSON.stringify(report.error)}`);
  const previous = existsSync(snapshotPath) ? JSON.parse(readFileSync(snapshotPath, 'utf8')) : {};
  const snapshot = { refreshedAt: new Date().toISOString(), tool: 'npm audit --omit=dev', findings: findingsOf(report), accepted: previous.accepted ?? {}, runtimePackages: runtime };
  writeFileSync(snapshotPath, `${JSON.stringify(snapshot, null, 2)}\n`);
  console.log(`audit: ${runtime.length} runtime packages audited, ${snapshot.findings.length} advisories; wrote ${snapshotPath}. Commit it.`);
  process.exit(0);
}

if (!existsSync(snapshotPath)) {
  console.error(`audit: no snapshot at ${snapshotPath}; run "npm run audit:refresh" where the npm registry is reachable, and commit it.`);
  process.exit(1);
}
const snapshot = JSON.parse(readFileSync(snapshotPath, 'utf8'));
const audited = new Set(snapshot.runtimePackages ?? []);
const notAudited = runtime.filter((p) => !audited.has(p));
const open = (snapshot.findings ?? []).filter((f) => !(f.url && snapshot.accepted?.[f.url]));
const days = Math.floor((Date.now() - Date.parse(snapshot.refreshedAt)) / 86_400_000);
let failed = false;
if (notAudited.length > 0) {
  failed = true;
  console.error(`audit: ${notAudited.length} runtime package(s) in package-lock.json were not in the last audit: ${notAudited.join(', ')}. Run "npm run audit:refresh" online.`);
}
for (const f of open) {
  failed = true;
  console.error(`audit: ${f.severity} ${f.package} ${f.range ?? ''}: ${f.title} ${f.url ?? ''} (fix it, or accept it in ${snapshotPath} "accepted" with a reason)`);
}
console.log(`audit: ${runtime.length} runtime packages; last audited ${snapshot.refreshedAt} (${days} days ago); ${snapshot.findings?.length ?? 0} advisories then, ${open.length} not accepted.`);
process.exit(failed ? 1 : 0);
