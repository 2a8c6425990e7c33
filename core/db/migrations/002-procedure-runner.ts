/**
 * What the procedure engine needs beyond the first schema: the failure policy, a persisted
 * cancel request (so an abort survives a crash), a runner lease (so two processes never drive
 * the same run), per-step errors and gate state.
 */
export const sql = /* sql */ `
ALTER TABLE procedures ADD COLUMN on_failure TEXT NOT NULL DEFAULT 'rollback' CHECK (on_failure IN ('rollback', 'stop'));
ALTER TABLE procedures ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
ALTER TABLE procedures ADD COLUMN runner TEXT;        -- JSON {host, pid, startedAt} of the process driving it
ALTER TABLE procedures ADD COLUMN lease_until TEXT;   -- ISO time; another process may take over after it
ALTER TABLE procedure_steps ADD COLUMN error TEXT;    -- JSON contract error of the last failure
ALTER TABLE procedure_steps ADD COLUMN gate TEXT;     -- JSON gate state: {kind, waitUntil?, approvedBy?}
`;
