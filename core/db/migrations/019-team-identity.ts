/**
 * Who did it, and where: every audit row and every procedure run names the workstation
 * (its hostname) beside the operator (the actor), so a team sharing one store can tell two laptops
 * apart. Rows written before this migration have none (NULL).
 */
export const sql = /* sql */ `
ALTER TABLE audit_log ADD COLUMN workstation TEXT;
ALTER TABLE procedures ADD COLUMN workstation TEXT;
`;
