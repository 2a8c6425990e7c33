/**
 * Which estate a store holds: one id, made when a store is first joined to a team, so a team
 * database is never filled from a second workstation's unrelated estate (`outpost team import`).
 */
export const sql = /* sql */ `
CREATE TABLE estate (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  estate_id  TEXT NOT NULL,
  created_at TEXT NOT NULL
);
`;
