import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runOutpost } from '../../test/outpost-binary.js';
import { tempDir } from '../../test/temp-dir.js';
import type { Task, TaskCounts } from '../contract/tasks.js';
import { createOutpostCore } from '../server/core.js';

describe('outpost tasks (built binary, a NAT add waiting for approval in another process)', () => {

  it('lists the waiting run as WAITING FOR APPROVAL with the approve command; --json has the task and the counts', async () => {
    const dir = tempDir();
    const dbPath = join(dir.path, 'outpost.db');
    const core = await createOutpostCore({ dataDir: dir.path, dbPath, transport: 'test', resumeProcedures: true });
    try {
      const call = async (command: string, input: unknown): Promise<unknown> => {
        const r = await core.dispatch(command, input);
        if (!r.ok) throw new Error(`${command}: ${r.error.code} ${r.error.message}`);
        return r.value;
      };
      await call('ipam.pools.add', { name: 'public', cidr: '203.0.113.0/28', kind: 'public' });
      await call('firewalls.add', { name: 'edge-manual', driver: 'manual' });
      const started = (await call('nat.add', { firewall: 'edge-manual', privateIp: '10.0.0.5', pool: 'public' })) as { procedureId: string };
      await core.services.engine.whenIdle(started.procedureId);

      const json = await runOutpost(['--db', dbPath, '--json', 'tasks']);
      expect(json.code, json.stderr).toBe(0);
      const parsed = JSON.parse(json.stdout) as { tasks: Task[]; counts: TaskCounts };
      expect(parsed.counts).toEqual({ running: 0, waiting: 1 });
      expect(parsed.tasks).toHaveLength(1);
      expect(parsed.tasks[0]).toMatchObject({ id: started.procedureId, kind: 'procedure', state: 'waiting', waitingFor: 'approval', interrupted: false, link: { view: 'procedures', ref: started.procedureId } });

      const text = await runOutpost(['--db', dbPath, 'tasks']);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain('WAITING FOR APPROVAL');
      expect(text.stdout).toContain('0 running, 1 waiting for approval');
      expect(text.stdout).toContain(`outpost procedures approve ${started.procedureId}`);

      const status = await call('status.get', {});
      expect(status).toMatchObject({ tasks: { running: 0, waiting: 1 } });
    } finally {
      await core.close();
      dir.remove();
    }
  }, 60_000);
});
