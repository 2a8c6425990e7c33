import type { CommandOutput, CommandParsedInput } from '../contract/commands.js';
import { OutpostError } from '../contract/errors.js';
import type { TeamState, TeamStatus } from '../contract/team.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Sql } from '../db/sql.js';
import { normalizeFingerprint } from '../trust/fingerprint.js';
import type { Vault } from '../vault/vault.js';
import { pgPoolConfig } from '../db/pg-target.js';
import { checkPemCertificate, parseTeamUrl, presenceName, probeTeam } from './team-connection.js';
import { forgetTeamPassword, readTeamConfig, removeTeamConfig, saveTeamPassword, writeTeamConfig } from './team-config.js';
import { importEstate } from './team-import.js';
import type { TeamSession } from './team-session.js';

export interface TeamServiceOptions {
  dataDir: string;
  /** The store the services use (the team database in team mode). */
  store: Sql;
  /** The store in use, as shown: an SQLite path or the team URL. */
  database: string;
  /** This workstation's own store and vault (the team password is sealed there, never in the team database). */
  local: { sql: Sql; vault: Vault };
  /** CAs imported into Outpost (as for vCenter). */
  importedCas: () => Promise<string[]>;
  /** Set when this process runs on the team database. */
  session: TeamSession | null;
  /** Site id -> name, for the index holders. */
  siteNames: () => Promise<Map<number, string>>;
  audit: AuditLog;
}

/** Joining and leaving a team, and the team's state for the status bar and `outpost team status`. */
export class TeamService {
  constructor(private readonly o: TeamServiceOptions) {}

  state(): TeamState {
    return this.o.session?.state() ?? { engine: 'sqlite', database: this.o.database, connected: true, error: null, others: [] };
  }

  async status(): Promise<TeamStatus> {
    const state = this.state();
    const configured = readTeamConfig(this.o.dataDir) !== null;
    const session = this.o.session;
    if (!session || !state.connected) return { ...state, configured, members: [], indexers: [] };
    const token = session.processToken;
    const seen = new Set<string>();
    const members = session.memberSessions().flatMap((m) => {
      const key = `${m.role}/${m.who}/${m.process}`;
      if (seen.has(key)) return []; // the pool's several connections are one member
      seen.add(key);
      return [{ who: m.who, role: m.role, since: m.since, self: m.process === token }];
    });
    let indexers: TeamStatus['indexers'] = [];
    try {
      const names = await this.o.siteNames();
      const holders = await session.indexHolders();
      indexers = [...holders].map(([id, app]) => ({ site: names.get(id) ?? `#${id}`, holder: app.split('/')[2] ?? app }));
    } catch {
      // Gone since the state was read: the next refresh says so.
    }
    return { ...state, configured, members, indexers };
  }

  /**
   * Checks the URL, the password and the server's certificate by connecting once, then saves
   * the connection (team.json: URL and CA, no secret) and seals the password in this
   * workstation's vault. Nothing is saved when any check fails. The running process keeps its
   * store; the team database is used from the next start.
   */
  async connect(input: CommandParsedInput<'team.connect'>, actor: string): Promise<CommandOutput<'team.connect'>> {
    const target = parseTeamUrl(input.url);
    const ca = input.ca ? checkPemCertificate(input.ca) : null;
    const fingerprint = input.fingerprint ? normalizeFingerprint(input.fingerprint) : null;
    // Checked before connecting: the password can only be kept sealed.
    if (!(await this.o.local.vault.state()).unlocked) {
      throw new OutpostError('VAULT_LOCKED', 'The vault is locked: unlock it (Settings, or OUTPOST_VAULT_PASSPHRASE for the CLI) so the team password can be stored sealed.');
    }
    const cas = [...(await this.o.importedCas()), ...(ca ? [ca] : [])];
    const config = {
      ...pgPoolConfig(target.url, { password: input.password, ...(cas.length ? { ca: cas.join('\n') } : {}), ...(fingerprint ? { pinSha256: fingerprint } : {}) }),
      application_name: presenceName('connect'),
    };
    let probe: { serverVersion: string; tls: boolean };
    try {
      probe = await probeTeam(config);
    } catch (err) {
      await this.o.audit.append({ actor, action: 'team.connect', target: target.url, outcome: 'failed', details: { reason: err instanceof Error && 'code' in err ? String(err.code) : 'error' } });
      throw err;
    }
    await saveTeamPassword(this.o.local.sql, this.o.local.vault, target.user, input.password);
    writeTeamConfig(this.o.dataDir, { url: target.url, ca, fingerprint, savedAt: new Date().toISOString() });
    await this.o.audit.append({ actor, action: 'team.connect', target: target.url, details: { tls: probe.tls, serverVersion: probe.serverVersion } });
    return { url: target.url, serverVersion: probe.serverVersion, tls: probe.tls, restartRequired: true };
  }

  /** Copies this workstation's estate into the team database (see importEstate), audited on the team. */
  async import(actor: string): Promise<CommandOutput<'team.import'>> {
    const report = await importEstate(this.o.local.sql, this.o.store);
    await this.o.audit.append({ actor, action: 'team.import', details: { estate: report.estate, copied: report.copied, rows: report.tables.reduce((n, t) => n + t.source, 0) } });
    return report;
  }

  async disconnect(actor: string): Promise<CommandOutput<'team.disconnect'>> {
    const removed = removeTeamConfig(this.o.dataDir);
    if ((await this.o.local.vault.state()).unlocked) await forgetTeamPassword(this.o.local.sql, this.o.local.vault);
    await this.o.audit.append({ actor, action: 'team.disconnect', details: { removed } });
    return { removed, restartRequired: this.o.session !== null || removed };
  }
}
