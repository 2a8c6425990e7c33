/**
 * Runs that must not overlap (issue 14): a procedure kind may name an exclusive key for a run (a
 * VLAN ensure: its site and port group). While a run with that key is unfinished, the partial
 * unique index refuses a second one, whichever workstation starts it; a finished run (succeeded,
 * rolled back, cancelled) leaves the index by its state alone, so nothing has to release it.
 */
export const sql = /* sql */ `
ALTER TABLE procedures ADD COLUMN exclusive_key TEXT;
CREATE UNIQUE INDEX procedures_exclusive_active ON procedures (exclusive_key)
  WHERE exclusive_key IS NOT NULL AND state NOT IN ('succeeded', 'rolled-back', 'cancelled');
`;
