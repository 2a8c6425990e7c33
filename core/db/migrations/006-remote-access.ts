/**
 * Remote access: the app's own SSH known-hosts store. One row per trusted key of a host:port.
 * `host_pattern` is a plain host name or address, or an OpenSSH hashed entry (`|1|salt|hash`)
 * imported from ~/.ssh/known_hosts, which can be matched but never read back as a name.
 * Credential profiles reuse the `credentials` table of 001 (kinds 'password' and 'private-key').
 */
export const sql = /* sql */ `
CREATE TABLE ssh_known_hosts (
  id           INTEGER PRIMARY KEY,
  host_pattern TEXT NOT NULL,
  port         INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
  hashed       INTEGER NOT NULL DEFAULT 0 CHECK (hashed IN (0, 1)),
  key_type     TEXT,                      -- ssh-ed25519, ecdsa-sha2-nistp256, ...; NULL when trusted by fingerprint only
  fingerprint  TEXT NOT NULL,             -- SHA256:BASE64 (as ssh-keygen -lf prints)
  source       TEXT NOT NULL CHECK (source IN ('operator', 'import')),
  added_at     TEXT NOT NULL,
  added_by     TEXT NOT NULL
);
CREATE UNIQUE INDEX ssh_known_hosts_key ON ssh_known_hosts (host_pattern, port, fingerprint);
CREATE INDEX ssh_known_hosts_host ON ssh_known_hosts (host_pattern, port);
`;
