/**
 * Recorded terminal sessions (asciicast v2 files in the data folder's recordings/): who, where,
 * when and how long, so the audit log can link to one and retention can delete the oldest first.
 * The file is the recording; a row whose file is gone (deleted by hand) shows as missing.
 */
export const sql = /* sql */ `
CREATE TABLE terminal_recordings (
  id          INTEGER PRIMARY KEY,
  file        TEXT NOT NULL UNIQUE,                    -- name inside the recordings folder
  actor       TEXT NOT NULL,
  target      TEXT NOT NULL,                           -- user@host:port or the WinRM endpoint
  kind        TEXT NOT NULL,                           -- ssh, winrm
  started_at  TEXT NOT NULL,
  ended_at    TEXT,
  duration_ms INTEGER,
  bytes       INTEGER NOT NULL DEFAULT 0,
  error_code  TEXT                                     -- RECORDING_FAILED when the recording stopped early
);
CREATE INDEX terminal_recordings_started ON terminal_recordings (started_at);
`;
