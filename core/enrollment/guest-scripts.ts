import type { OsFamily, OsRule, RequirementResult } from '../contract/enrollment.js';
import { compareVersions } from './os-rules.js';

/**
 * What enrollment runs inside a guest, as pure text: each script reads its inputs from environment
 * variables (set by the guest shell, quoted there), is idempotent, and prints `key=value` lines.
 * Linux scripts are POSIX sh; Windows scripts are PowerShell.
 */

export interface GuestReport {
  /** os-release ID on Linux, "windows" on Windows. */
  osId: string;
  version: string;
  name: string;
  freeMB: number | null;
  hostname: string;
  /** Service name -> enabled | disabled | missing | present (exists; the guest has no service manager to ask). */
  services: Record<string, string>;
}

export const LINUX_PROBE = `
. /etc/os-release 2>/dev/null
echo "id=\${ID:-unknown}"
echo "version=\${VERSION_ID:-}"
echo "name=\${PRETTY_NAME:-}"
echo "free_kb=$(df -Pk / 2>/dev/null | awk 'NR==2{print $4}')"
echo "hostname=$(hostname)"
echo "uid=$(id -u)"
for s in $SERVICES; do
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    if systemctl cat "$s.service" >/dev/null 2>&1; then
      if systemctl is-enabled --quiet "$s.service" 2>/dev/null; then echo "service:$s=enabled"; else echo "service:$s=disabled"; fi
    else echo "service:$s=missing"; fi
  elif [ -e "/etc/init.d/$s" ] || [ -e "/lib/systemd/system/$s.service" ] || [ -e "/usr/lib/systemd/system/$s.service" ]; then
    echo "service:$s=present"
  else echo "service:$s=missing"; fi
done
`;

export const WINDOWS_PROBE = `
$os = Get-CimInstance Win32_OperatingSystem
"id=windows"
"version=$($os.Version)"
"name=$($os.Caption)"
$d = Get-CimInstance Win32_LogicalDisk -Filter "DeviceID='$env:SystemDrive'"
"free_kb=$([math]::Floor($d.FreeSpace / 1024))"
"hostname=$env:COMPUTERNAME"
foreach ($s in ($env:SERVICES -split ' ' | Where-Object { $_ })) {
  $svc = Get-Service -Name $s -ErrorAction SilentlyContinue
  if (-not $svc) { "service:$s=missing" } elseif ($svc.StartType -eq 'Disabled') { "service:$s=disabled" } else { "service:$s=enabled" }
}
`;

/** key=value lines into a map (later keys win); other lines are ignored. */
export function keyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq > 0) out.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return out;
}

export function parseGuestReport(text: string): GuestReport {
  const kv = keyValues(text);
  const freeKb = Number.parseInt(kv.get('free_kb') ?? '', 10);
  const services: Record<string, string> = {};
  for (const [k, v] of kv) if (k.startsWith('service:')) services[k.slice('service:'.length)] = v;
  return {
    osId: (kv.get('id') ?? 'unknown').toLowerCase(),
    version: kv.get('version') ?? '',
    name: kv.get('name') ?? '',
    freeMB: Number.isFinite(freeKb) ? Math.floor(freeKb / 1024) : null,
    hostname: kv.get('hostname') ?? '',
    services,
  };
}

/** The guest-side requirement results for a report against its rule (pure). */
export function evaluateGuest(rule: OsRule, report: GuestReport): RequirementResult[] {
  const results: RequirementResult[] = [];
  const osOk = rule.guestOsIds.includes(report.osId);
  const versionOk = rule.minVersion === null || (report.version !== '' && compareVersions(report.version, rule.minVersion) >= 0);
  results.push(
    osOk && versionOk
      ? { id: 'os-version', label: 'Supported OS version', status: 'pass', message: `${report.name || report.osId} ${report.version}`.trim(), code: null }
      : {
          id: 'os-version',
          label: 'Supported OS version',
          status: 'fail',
          code: 'OS_REQUIREMENT',
          message: !osOk
            ? `The guest reports ${report.name || report.osId}, which rule ${rule.id} (${rule.label}) does not cover. Correct the VM's guest OS in vCenter or add a rule to os-requirements.json.`
            : `The guest runs ${report.name || report.osId} ${report.version || '(no version)'}; ${rule.label} is required. Upgrade the guest first.`,
        },
  );
  results.push(
    report.freeMB === null
      ? { id: 'free-disk', label: `Free disk ≥ ${rule.minFreeDiskMB} MB`, status: 'warn', code: null, message: 'The guest did not report its free space.' }
      : report.freeMB >= rule.minFreeDiskMB
        ? { id: 'free-disk', label: `Free disk ≥ ${rule.minFreeDiskMB} MB`, status: 'pass', code: null, message: `${report.freeMB} MB free` }
        : { id: 'free-disk', label: `Free disk ≥ ${rule.minFreeDiskMB} MB`, status: 'fail', code: 'OS_REQUIREMENT', message: `Only ${report.freeMB} MB free; free at least ${rule.minFreeDiskMB - report.freeMB} MB more.` },
  );
  const missing = rule.requiredServices.filter((s) => (report.services[s] ?? 'missing') === 'missing');
  results.push(
    missing.length === 0
      ? { id: 'services', label: 'Required services', status: 'pass', code: null, message: rule.requiredServices.map((s) => `${s}: ${report.services[s]}`).join(', ') || 'none required' }
      : { id: 'services', label: 'Required services', status: 'fail', code: 'OS_REQUIREMENT', message: `Missing in the guest: ${missing.join(', ')}. Install them first.` },
  );
  return results;
}

/** A host name the guest accepts, from a VM name (RFC 1123 label: a-z, 0-9, -; up to 63). */
export function hostnameFor(vmName: string): string {
  const label = vmName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return label || 'vm';
}

export type GuestAction = 'ensure-account' | 'remove-account' | 'install-key' | 'remove-key' | 'set-hostname' | 'enable-services';

/** Linux built-in actions. Inputs: U (account), K (public key line), N (host name), SERVICES. */
const LINUX_ACTIONS: Record<GuestAction, string> = {
  'ensure-account': `
# Key-only: "*" (no password) rather than useradd's locked "!", which sshd refuses when it runs without PAM.
if id -u "$U" >/dev/null 2>&1; then echo "account=existed"; else useradd -m -s /bin/sh -c outpost-managed -p '*' "$U" && echo "account=created"; fi
if [ -d /etc/sudoers.d ]; then printf '%s ALL=(ALL) NOPASSWD:ALL\\n' "$U" > "/etc/sudoers.d/outpost-$U.tmp" && chmod 440 "/etc/sudoers.d/outpost-$U.tmp" && mv "/etc/sudoers.d/outpost-$U.tmp" "/etc/sudoers.d/outpost-$U"; fi
id -u "$U" >/dev/null
`,
  /** Removes the account only when enrollment created it (marked outpost-managed); an account that existed stays. */
  'remove-account': `
rm -f "/etc/sudoers.d/outpost-$U"
if ! id -u "$U" >/dev/null 2>&1; then echo "account=absent"
elif [ "$(getent passwd "$U" | cut -d: -f5)" = outpost-managed ]; then
  # -f: even while a session of the account is still open (its key is already gone).
  userdel -f -r "$U" >/dev/null 2>&1 || userdel -f "$U"
  if id -u "$U" >/dev/null 2>&1; then echo "userdel left $U in place" >&2; exit 3; fi
  echo "account=removed"
else echo "account=kept"; fi
`,
  'install-key': `
H=$(getent passwd "$U" | cut -d: -f6)
[ -n "$H" ] || { echo "no home for $U" >&2; exit 3; }
mkdir -p "$H/.ssh" && chmod 700 "$H/.ssh"
touch "$H/.ssh/authorized_keys"
if grep -qxF "$K" "$H/.ssh/authorized_keys"; then echo "key=present"; else printf '%s\\n' "$K" >> "$H/.ssh/authorized_keys" && echo "key=added"; fi
chmod 600 "$H/.ssh/authorized_keys"
chown -R "$U" "$H/.ssh"
`,
  'remove-key': `
H=$(getent passwd "$U" | cut -d: -f6)
if [ -n "$H" ] && [ -f "$H/.ssh/authorized_keys" ]; then grep -vxF "$K" "$H/.ssh/authorized_keys" > "$H/.ssh/authorized_keys.outpost" || true; mv "$H/.ssh/authorized_keys.outpost" "$H/.ssh/authorized_keys"; fi
echo "key=absent"
`,
  'set-hostname': `
P=$(hostname)
echo "previous=$P"
if [ "$P" != "$N" ]; then
  if [ -d /run/systemd/system ] && command -v hostnamectl >/dev/null 2>&1; then hostnamectl set-hostname "$N"; else hostname "$N"; fi
  echo "$N" > /etc/hostname
fi
echo "hostname=$(hostname)"
`,
  'enable-services': `
for s in $SERVICES; do
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then systemctl enable --now "$s.service" >/dev/null && echo "service:$s=enabled";
  else echo "service:$s=present"; fi
done
`,
};

/** Windows built-in actions (PowerShell). Inputs as environment variables, like Linux. */
const WINDOWS_ACTIONS: Record<GuestAction, string> = {
  'ensure-account': `
if (Get-LocalUser -Name $env:U -ErrorAction SilentlyContinue) { "account=existed" } else { New-LocalUser -Name $env:U -NoPassword -Description 'outpost-managed' | Out-Null; "account=created" }
if (-not (Get-LocalGroupMember -Group Administrators -Member $env:U -ErrorAction SilentlyContinue)) { Add-LocalGroupMember -Group Administrators -Member $env:U }
`,
  'remove-account': `
$u = Get-LocalUser -Name $env:U -ErrorAction SilentlyContinue
if (-not $u) { "account=absent" } elseif ($u.Description -eq 'outpost-managed') { Remove-LocalUser -Name $env:U; "account=removed" } else { "account=kept" }
`,
  'install-key': `
$f = Join-Path $env:ProgramData 'ssh\\administrators_authorized_keys'
New-Item -ItemType Directory -Force -Path (Split-Path $f) | Out-Null
$lines = @(); if (Test-Path $f) { $lines = @(Get-Content $f) }
if ($lines -contains $env:K) { "key=present" } else { Add-Content -Path $f -Value $env:K; "key=added" }
icacls $f /inheritance:r /grant 'Administrators:F' /grant 'SYSTEM:F' | Out-Null
`,
  'remove-key': `
$f = Join-Path $env:ProgramData 'ssh\\administrators_authorized_keys'
if (Test-Path $f) { Set-Content -Path $f -Value (@(Get-Content $f) | Where-Object { $_ -ne $env:K }) }
"key=absent"
`,
  'set-hostname': `
"previous=$env:COMPUTERNAME"
if ($env:COMPUTERNAME -ne $env:N) { Rename-Computer -NewName $env:N -Force | Out-Null; "hostname=$env:N (after the next restart)" } else { "hostname=$env:N" }
`,
  'enable-services': `
foreach ($s in ($env:SERVICES -split ' ' | Where-Object { $_ })) { Set-Service -Name $s -StartupType Automatic; Start-Service -Name $s; "service:$s=enabled" }
`,
};

/**
 * Several actions as one script (one round trip to the guest): Linux runs each in a subshell and
 * stops at the first that fails, with its exit code; Windows stops at the first error.
 */
export function actionsScript(family: OsFamily, actions: readonly GuestAction[]): string {
  if (family === 'windows') return `$ErrorActionPreference = 'Stop'\n${actions.map((a) => WINDOWS_ACTIONS[a]).join('\n')}`;
  return actions.map((a) => `(\n${LINUX_ACTIONS[a]}\n) || exit $?`).join('\n');
}

export function probeScript(family: OsFamily): string {
  return family === 'windows' ? WINDOWS_PROBE : LINUX_PROBE;
}
