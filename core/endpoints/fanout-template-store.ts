// Owns tables: fanout_templates.
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.js';
import type { CommandParsedInput } from '../contract/commands.js';
import { OutpostError } from '../contract/errors.js';
import type { FanoutTemplate } from '../contract/fanout.js';
import type { Sql } from '../db/sql.js';

const targetsJson = z.object({
  hosts: z.array(z.string()),
  vms: z.array(z.object({ site: z.string(), vm: z.string(), port: z.number().int() })),
  sshConfigHosts: z.array(z.string()),
});
const jumpsJson = z.array(z.object({ host: z.string(), port: z.number().int(), user: z.string().optional(), credential: z.string() }));

const templateRow = z.object({
  name: z.string(),
  command: z.string(),
  targets: z.string(),
  jumps: z.string(),
  credential: z.string(),
  user_name: z.string().nullable(),
  concurrency: z.number().int(),
  timeout_ms: z.number().int(),
  created_at: z.string(),
  created_by: z.string(),
  updated_at: z.string(),
});

const toTemplate = (r: z.infer<typeof templateRow>): FanoutTemplate => ({
  name: r.name,
  command: r.command,
  ...targetsJson.parse(JSON.parse(r.targets)),
  jumps: jumpsJson.parse(JSON.parse(r.jumps)),
  credential: r.credential,
  user: r.user_name,
  concurrency: r.concurrency,
  timeoutMs: r.timeout_ms,
  createdAt: r.created_at,
  createdBy: r.created_by,
  updatedAt: r.updated_at,
});

const COLUMNS = 'name, command, targets, jumps, credential, user_name, concurrency, timeout_ms, created_at, created_by, updated_at';

/** Saved fan-out runs (templates): the shape of a fanout.start, by name; credentials by name only. */
export class FanoutTemplateStore {
  constructor(
    private readonly db: Sql,
    private readonly audit: AuditLog,
  ) {}

  async save(input: CommandParsedInput<'fanout.template.save'>, actor: string): Promise<FanoutTemplate> {
    const now = new Date().toISOString();
    const targets = JSON.stringify({ hosts: input.hosts, vms: input.vms, sshConfigHosts: input.sshConfigHosts });
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO fanout_templates (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET command = excluded.command, targets = excluded.targets, jumps = excluded.jumps, credential = excluded.credential,
           user_name = excluded.user_name, concurrency = excluded.concurrency, timeout_ms = excluded.timeout_ms, updated_at = excluded.updated_at`,
        [input.name, input.command, targets, JSON.stringify(input.jumps), input.credential, input.user ?? null, input.concurrency, input.timeoutMs, now, actor, now],
      );
      await this.audit.append({ actor, action: 'fanout.template.save', target: input.name, details: { command: input.command.length > 200 ? `${input.command.slice(0, 200)}…` : input.command, hosts: input.hosts.length + input.vms.length + input.sshConfigHosts.length, credential: input.credential } });
    });
    return (await this.get(input.name))!;
  }

  async get(name: string): Promise<FanoutTemplate | null> {
    const row = await this.db.get(`SELECT ${COLUMNS} FROM fanout_templates WHERE name = ?`, [name], templateRow);
    return row ? toTemplate(row) : null;
  }

  async must(name: string): Promise<FanoutTemplate> {
    const t = await this.get(name);
    if (!t) throw new OutpostError('NOT_FOUND', `No fan-out template "${name}". List them with outpost fanout templates.`);
    return t;
  }

  async list(): Promise<FanoutTemplate[]> {
    return (await this.db.all(`SELECT ${COLUMNS} FROM fanout_templates ORDER BY name`, [], templateRow)).map(toTemplate);
  }

  async remove(name: string, actor: string): Promise<{ removed: string }> {
    await this.must(name);
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM fanout_templates WHERE name = ?', [name]);
      await this.audit.append({ actor, action: 'fanout.template.remove', target: name });
    });
    return { removed: name };
  }
}
