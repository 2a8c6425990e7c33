import type { CommandInput } from '../../../core/contract';

/** What the plan editor holds: text as typed; the contract validates it (and names bad fields). */
export interface PlanDraft {
  site: string;
  cluster: string;
  targetBuild: string;
  targetVersion: string;
  sshCredential: string;
  sshUser: string;
  sshPort: string;
  /** One `host=address[:port]` per line. */
  hostSsh: string;
  backupCommand: string;
  backupArtefact: string;
  /** An SSH server for the backup copies; empty: this workstation's data folder. */
  backupToHost: string;
  backupToPort: string;
  backupToPath: string;
  backupToCredential: string;
  reinstall: 'manual' | 'pxe';
  isoDir: string;
  outDir: string;
  httpBase: string;
  tftpServer: string;
  /** One `host=mac` per line. */
  hostMacs: string;
  reconnectPollSeconds: string;
  playbook: string;
  /** One command per line. */
  configCommands: string;
  soakMinutes: string;
  probeIntervalSeconds: string;
  logPath: string;
  /** One pattern per line. */
  errorPatterns: string;
}

export const emptyDraft: PlanDraft = {
  site: '',
  cluster: '',
  targetBuild: '',
  targetVersion: '',
  sshCredential: '',
  sshUser: '',
  sshPort: '22',
  hostSsh: '',
  backupCommand: '',
  backupArtefact: '',
  backupToHost: '',
  backupToPort: '22',
  backupToPath: '',
  backupToCredential: '',
  reinstall: 'manual',
  isoDir: '',
  outDir: '',
  httpBase: '',
  tftpServer: '',
  hostMacs: '',
  reconnectPollSeconds: '15',
  playbook: '',
  configCommands: '',
  soakMinutes: '30',
  probeIntervalSeconds: '60',
  logPath: '',
  errorPatterns: '',
};

const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** A number field: empty means "the default"; anything else goes as a number (NaN is named by the contract). */
const num = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text));

export function previewInput(d: PlanDraft): CommandInput<'upgrade.plan'> {
  return { site: d.site, ...(d.cluster.trim() ? { cluster: d.cluster.trim() } : {}), targetBuild: d.targetBuild.trim(), ...(d.targetVersion.trim() ? { targetVersion: d.targetVersion.trim() } : {}) };
}

export function createInput(d: PlanDraft): CommandInput<'upgrade.create'> {
  const settings = new Map<string, { name: string; sshAddress?: string; sshPort?: number; mac?: string }>();
  const setting = (name: string) => settings.get(name) ?? settings.set(name, { name }).get(name)!;
  for (const line of lines(d.hostSsh)) {
    const [name, rest = ''] = line.split('=', 2) as [string, string?];
    const m = /^(.*?)(?::(\d+))?$/.exec(rest.trim())!;
    Object.assign(setting(name.trim()), { sshAddress: m[1]!, ...(m[2] ? { sshPort: Number(m[2]) } : {}) });
  }
  if (d.reinstall === 'pxe') {
    for (const line of lines(d.hostMacs)) {
      const [name, mac = ''] = line.split('=', 2) as [string, string?];
      setting(name.trim()).mac = mac.trim();
    }
  }
  const soak = num(d.soakMinutes);
  const interval = num(d.probeIntervalSeconds);
  const port = num(d.sshPort);
  const poll = num(d.reconnectPollSeconds);
  const backupPort = num(d.backupToPort);
  return {
    ...previewInput(d),
    options: {
      ssh: { credential: d.sshCredential, ...(d.sshUser.trim() ? { user: d.sshUser.trim() } : {}), ...(port !== undefined ? { port } : {}) },
      backup:
        d.backupCommand.trim() || d.backupArtefact.trim()
          ? {
              command: d.backupCommand.trim(),
              artefactPath: d.backupArtefact.trim(),
              ...(d.backupToHost.trim() ? { copyTo: { host: d.backupToHost.trim(), ...(backupPort !== undefined ? { port: backupPort } : {}), path: d.backupToPath.trim(), credential: d.backupToCredential } } : {}),
            }
          : null,
      reinstall: d.reinstall === 'pxe' ? { mode: 'pxe', isoDir: d.isoDir.trim(), outDir: d.outDir.trim(), httpBase: d.httpBase.trim(), tftpServer: d.tftpServer.trim() } : { mode: 'manual' },
      ...(poll !== undefined ? { reconnectPollSeconds: poll } : {}),
      configure: { ...(d.playbook.trim() ? { playbook: d.playbook.trim() } : {}), commands: lines(d.configCommands) },
      ...(soak !== undefined ? { soakMinutes: soak } : {}),
      ...(interval !== undefined ? { probeIntervalSeconds: interval } : {}),
      logScan: d.logPath.trim() ? { path: d.logPath.trim(), errorPatterns: lines(d.errorPatterns) } : null,
    },
    hostSettings: [...settings.values()],
  };
}

/** "4 min 05 s" for a countdown; "0 s" once it is over. */
export function countdown(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m} min ${String(s % 60).padStart(2, '0')} s` : `${s} s`;
}
