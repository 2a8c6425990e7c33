// "Guest operating systems" for the enrollment lab: in each VM namespace of a netns lab, an OpenSSH
// sshd in its own mount and UTS namespaces, with /etc as an overlay (writes land in a temp folder,
// never in the machine's /etc), /home on tmpfs and its own host name. Enrollment's OS actions
// (useradd, authorized_keys, hostname) therefore really run and change only this guest.
// Root logs in with a password written into the guest's own /etc/shadow. Killed by PID.
// Each guest can present an SMBIOS product UUID, as a VM's firmware shows it: in the guest's own
// mount namespace a file (root-only, like the kernel's) is bind-mounted over
// /sys/class/dmi/id/product_uuid, or, on a machine without DMI, laid over /sys/class with an overlay.
// Only the guest's namespace sees it; the machine's /sys is untouched.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from './netns-lab.js';

export interface LabGuest {
  ns: string;
  ip: string;
  port: number;
  hostname: string;
  /** Host key fingerprint as ssh-keygen -lf prints it. */
  fingerprint: string;
  /** The SMBIOS product UUID this guest presents (as /sys/class/dmi/id/product_uuid), if any. */
  productUuid: string | null;
  /** Successful SSH logins so far (sshd's "Accepted ..." lines): what the guest was sent credentials for. */
  logins(): string[];
  /** Runs argv inside this guest's namespaces (its /etc, its host name). */
  exec(argv: string[]): string;
  stop(): void;
}

export interface LabGuestOptions {
  rootPassword: string;
  /** One host key for every guest (faster for the benchmark); distinct keys otherwise. */
  sharedHostKey?: boolean;
  /** A public key root may also log in with (kept in the guest's own /etc, never in the machine's /root). */
  rootKey?: string;
  /** The SMBIOS product UUID guest i presents (none when absent or empty). */
  productUuids?: (string | undefined)[];
}

const GUEST_SCRIPT = `
set -e
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$GUEST_DIR/upper,workdir=$GUEST_DIR/work" /etc
mount -t tmpfs tmpfs /home
# On a machine run by systemd, hide it: the guest's service actions must not reach the host's systemd.
if [ -d /run/systemd ]; then mount -t tmpfs tmpfs /run/systemd; fi
hostname "$GUEST_NAME"
echo "$GUEST_NAME" > /etc/hostname
echo "root:$GUEST_PASSWORD" | chpasswd
printf '%s\n' "$GUEST_ROOT_KEY" > /etc/lab-root-authorized-keys
if [ -n "$GUEST_PRODUCT_UUID" ]; then
  printf '%s\n' "$GUEST_PRODUCT_UUID" > "$GUEST_DIR/product_uuid"
  chmod 0400 "$GUEST_DIR/product_uuid"
  if [ -e /sys/class/dmi/id/product_uuid ]; then
    mount --bind "$GUEST_DIR/product_uuid" /sys/class/dmi/id/product_uuid
  else
    mkdir -p "$GUEST_DIR/sys-upper/dmi/id" "$GUEST_DIR/sys-work"
    cp -p "$GUEST_DIR/product_uuid" "$GUEST_DIR/sys-upper/dmi/id/product_uuid"
    mount -t overlay overlay -o "lowerdir=/sys/class,upperdir=$GUEST_DIR/sys-upper,workdir=$GUEST_DIR/sys-work" /sys/class
  fi
fi
echo $$ > "$GUEST_DIR/guest.pid"
exec /usr/sbin/sshd -D -E "$GUEST_DIR/sshd.log" -f "$GUEST_DIR/sshd_config"
`;

const keygen = (file: string): void => void execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file, '-C', 'lab-guest']);
const fingerprintOf = (pub: string): string => execFileSync('ssh-keygen', ['-lf', pub], { encoding: 'utf8' }).split(' ')[1]!;

/** Starts one guest per VM namespace of the lab (or the first `count`) and waits until each listens. */
export async function startLabGuests(lab: Lab, dir: string, options: LabGuestOptions, count = lab.vms.length): Promise<LabGuest[]> {
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const shared = join(dir, 'guest_host_ed25519');
  if (options.sharedHostKey) keygen(shared);
  const started = lab.vms.slice(0, count).map((vm, i) => {
    const gdir = join(dir, `guest-${i}`);
    for (const sub of ['upper', 'work']) mkdirSync(join(gdir, sub), { recursive: true });
    const hostKey = options.sharedHostKey ? shared : join(gdir, 'host_ed25519');
    if (!options.sharedHostKey) keygen(hostKey);
    writeFileSync(
      join(gdir, 'sshd_config'),
      [
        `ListenAddress ${vm.ip}`,
        'Port 22',
        `HostKey ${hostKey}`,
        `PidFile ${join(gdir, 'sshd.pid')}`,
        // Root's extra keys live in the guest's overlay /etc: the machine's /root is shared, so never write there.
        'AuthorizedKeysFile .ssh/authorized_keys /etc/lab-root-authorized-keys',
        'UsePAM no',
        'StrictModes no',
        'PermitRootLogin yes',
        'PasswordAuthentication yes',
        'KbdInteractiveAuthentication no',
        // INFO: sshd logs each accepted login, which tests count (see logins()).
        'LogLevel INFO',
        'MaxStartups 200',
        'MaxSessions 20',
        'Subsystem sftp internal-sftp',
      ].join('\n') + '\n',
    );
    const name = `lab-guest-${i}`;
    const child: ChildProcess = spawn('ip', ['netns', 'exec', vm.ns, 'unshare', '--mount', '--uts', '--propagation', 'private', 'sh', '-c', GUEST_SCRIPT], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', GUEST_DIR: gdir, GUEST_NAME: name, GUEST_PASSWORD: options.rootPassword, GUEST_ROOT_KEY: options.rootKey ?? '', GUEST_PRODUCT_UUID: options.productUuids?.[i] ?? '' },
    });
    let log = '';
    const sshdLog = (): string => {
      try {
        return readFileSync(join(gdir, 'sshd.log'), 'utf8');
      } catch {
        return '';
      }
    };
    child.stderr?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-2000)));
    const ready = (async () => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        try {
          if (lab.exec(vm.ns, ['ss', '-ltn']).includes(`${vm.ip}:22`)) return;
        } catch {
          // namespace busy: try again
        }
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`guest sshd in ${vm.ns} did not start: ${log}${sshdLog()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const guestPid = (): number => Number(readFileSync(join(gdir, 'guest.pid'), 'utf8').trim());
    const guest: LabGuest = {
      ns: vm.ns,
      ip: vm.ip,
      port: 22,
      hostname: name,
      fingerprint: fingerprintOf(`${hostKey}.pub`),
      productUuid: options.productUuids?.[i] || null,
      logins: () => sshdLog().split('\n').filter((line) => line.includes('Accepted ')),
      // nsenter into the sshd's namespaces (mount, UTS, net) to look at the guest as its sessions do.
      exec: (argv) => execFileSync('nsenter', ['-t', String(guestPid()), '-m', '-u', '-n', ...argv], { encoding: 'utf8' }),
      stop() {
        try {
          process.kill(guestPid(), 'SIGKILL');
        } catch {
          // gone already
        }
        child.kill('SIGKILL');
      },
    };
    return { guest, ready };
  });
  try {
    await Promise.all(started.map((s) => s.ready));
  } catch (err) {
    for (const s of started) s.guest.stop();
    throw err;
  }
  return started.map((s) => s.guest);
}
