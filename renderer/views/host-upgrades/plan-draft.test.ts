import { describe, expect, it } from 'vitest';
import { countdown, createInput, emptyDraft, previewInput } from './plan-draft';

describe('plan editor draft → contract input', () => {
  it('sends what the operator typed, per-host lines as host settings, empty sections as null', () => {
    const input = createInput({
      ...emptyDraft,
      site: 'lab',
      cluster: ' C1 ',
      targetBuild: '24022510',
      sshCredential: 'esx-root',
      hostSsh: 'esx01=10.0.0.11:2222\n\nesx02=10.0.0.12',
      reinstall: 'pxe',
      isoDir: '/srv/iso',
      outDir: '/srv/out',
      httpBase: 'http://10.0.0.2/outpost',
      tftpServer: '10.0.0.2',
      hostMacs: 'esx01=00:50:56:00:00:01',
      configCommands: 'echo a\necho b',
      soakMinutes: '0.5',
      logPath: '/var/log/vmkernel.log',
      errorPatterns: 'PANIC\nlost access',
    });
    expect(input).toMatchObject({ site: 'lab', cluster: 'C1', targetBuild: '24022510' });
    expect(input.hostSettings).toEqual([
      { name: 'esx01', sshAddress: '10.0.0.11', sshPort: 2222, mac: '00:50:56:00:00:01' },
      { name: 'esx02', sshAddress: '10.0.0.12' },
    ]);
    expect(input.options).toMatchObject({ ssh: { credential: 'esx-root', port: 22 }, backup: null, soakMinutes: 0.5, probeIntervalSeconds: 60, configure: { commands: ['echo a', 'echo b'] } });
    expect(input.options.logScan).toEqual({ path: '/var/log/vmkernel.log', errorPatterns: ['PANIC', 'lost access'] });
    expect(input.options.reinstall).toMatchObject({ mode: 'pxe', isoDir: '/srv/iso' });
  });

  it('copies backups to this workstation unless an SSH server is named (then host, port, folder and credential go with it)', () => {
    const local = createInput({ ...emptyDraft, backupCommand: 'dump', backupArtefact: '/var/b.tgz' });
    expect(local.options.backup).toEqual({ command: 'dump', artefactPath: '/var/b.tgz' });
    const remote = createInput({ ...emptyDraft, backupCommand: 'dump', backupArtefact: '/var/b.tgz', backupToHost: ' backup01 ', backupToPort: '2222', backupToPath: '/srv/b', backupToCredential: 'backup-key' });
    expect(remote.options.backup).toEqual({ command: 'dump', artefactPath: '/var/b.tgz', copyTo: { host: 'backup01', port: 2222, path: '/srv/b', credential: 'backup-key' } });
  });

  it('leaves defaults to the contract when a number is empty, and passes bad numbers on to be named', () => {
    const input = createInput({ ...emptyDraft, soakMinutes: '', probeIntervalSeconds: 'soon' });
    expect('soakMinutes' in input.options).toBe(false);
    expect(Number.isNaN(input.options.probeIntervalSeconds)).toBe(true);
    expect(previewInput({ ...emptyDraft, site: 'a', targetBuild: ' 1 ' })).toEqual({ site: 'a', targetBuild: '1' });
  });

  it('counts down in minutes and seconds', () => {
    expect(countdown(125_000)).toBe('2 min 05 s');
    expect(countdown(900)).toBe('1 s');
    expect(countdown(-5)).toBe('0 s');
  });
});
