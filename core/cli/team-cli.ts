import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { TeamStatus } from '../contract/team.js';
import type { CliContext } from './cli-context.js';
import { UsageError } from './cli-error.js';
import { formatTable } from './output.js';

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('--password-stdin reads the password from standard input: pipe it in (e.g. from a secrets tool).');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline is what `echo` and most tools add; it is not part of the password.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read the CA file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`);
  }
}

function describe(s: TeamStatus): string {
  const lines = [
    `Store:     ${s.engine === 'postgres' ? 'team database (PostgreSQL)' : 'this workstation (SQLite)'}`,
    `Database:  ${s.database}`,
    `Connected: ${s.connected ? 'yes' : `NO${s.error ? ` (${s.error})` : ''}`}`,
  ];
  if (s.engine === 'postgres') {
    lines.push(`Others:    ${s.others.length ? s.others.join(', ') : 'nobody else connected'}`);
    if (s.members.length) lines.push('', formatTable(['WHO', 'ROLE', 'SINCE', ''], s.members.map((m) => [m.who, m.role, m.since ?? '-', m.self ? '(this process)' : ''])));
    if (s.indexers.length) lines.push('', formatTable(['SITE', 'INDEXED BY'], s.indexers.map((i) => [i.site, i.holder])));
  } else if (s.configured) {
    lines.push('A team connection is saved but not used here (--db or OUTPOST_DB chose this store).');
  }
  return lines.join('\n');
}

export function registerTeamCommands(program: Command, context: CliContext): void {
  const team = program.command('team').description('Team mode: share one estate on a PostgreSQL database');
  team
    .command('connect')
    .description('Join a team database: checks the URL, password and TLS certificate, then saves the connection (password sealed in this workstation\'s vault)')
    .requiredOption('--url <url>', 'postgres://USER@HOST:PORT/DATABASE (no password in it)')
    .option('--ca <file>', 'PEM of the CA that issued the server certificate (or the self-signed certificate itself)')
    .option('--trust <fingerprint>', 'SHA-256 fingerprint the server certificate must have (a pin)')
    .option('--password-stdin', 'read the password from standard input (it is never taken as an argument)')
    .action(async (o: { url: string; ca?: string; trust?: string; passwordStdin?: boolean }) => {
      if (!o.passwordStdin) throw new UsageError('Give the password with --password-stdin (piped in); Outpost never takes it as an argument.');
      const ca = o.ca ? readCa(o.ca) : undefined;
      const password = await readPassword();
      if (!password) throw new UsageError('The password on standard input is empty.');
      // This workstation's own store holds the sealed password: open it even when a team is saved (and maybe down).
      await context.open({ ignoreTeam: true });
      const r = await context.call('team.connect', { url: o.url, password, ...(ca ? { ca } : {}), ...(o.trust ? { fingerprint: o.trust } : {}) });
      const out = context.out;
      out.write(out.json ? JSON.stringify(r) : `Team database saved: ${r.url} (PostgreSQL ${r.serverVersion}${r.tls ? ', verified TLS' : ', loopback without TLS'}).\nOutpost uses it from the next start; copy this workstation's estate into an empty one with: outpost team import`);
    });
  team
    .command('status')
    .description('Which store this Outpost uses, whether it is reachable, and who else is connected')
    .action(async () => {
      const s = await context.call('team.status', {});
      const out = context.out;
      out.write(out.json ? JSON.stringify(s) : describe(s));
    });
  team
    .command('import')
    .description('Copy this workstation\'s SQLite estate into the empty team database (running it again copies nothing; another estate\'s database is refused)')
    .action(async () => {
      const r = await context.call('team.import', {});
      const out = context.out;
      out.write(
        out.json
          ? JSON.stringify(r)
          : `${r.copied ? 'Imported' : 'Already imported (nothing copied)'}: estate ${r.estate}\n${formatTable(['TABLE', 'WORKSTATION', 'TEAM'], r.tables.map((t) => [t.table, String(t.source), String(t.target)]))}`,
      );
    });
  team
    .command('disconnect')
    .description('Leave the team: forget the saved connection and its sealed password (the next start uses this workstation\'s store)')
    .action(async () => {
      await context.open({ ignoreTeam: true });
      const r = await context.call('team.disconnect', {});
      const out = context.out;
      out.write(out.json ? JSON.stringify(r) : r.removed ? 'Team connection forgotten; the next start uses this workstation\'s own store.' : 'No team connection was saved.');
    });
}
