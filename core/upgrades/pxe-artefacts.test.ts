import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';
import { esxiBootFiles, rewriteEsxiBootCfg } from './iso-layout.js';
import { normaliseMac, planPxeBundle, writePxeBundle } from './pxe-artefacts.js';

const ESXI_BOOT_CFG = `bootstate=0
title=Loading ESXi installer
timeout=5
prefix=
kernel=/b.b00
kernelopt=runweasel cdromBoot
modules=/jumpstrt.gz --- /useropts.gz --- /features.gz --- /k.b00
build=8.0.3-0.0.24022510
updated=0
`;

function fakeIso(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

const hasTool = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

describe('PXE artefacts for an air-gapped reinstall', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it("rewrites an ESXi boot.cfg the way VMware's PXE recipe says", () => {
    const out = rewriteEsxiBootCfg(ESXI_BOOT_CFG, 'http://10.0.0.2/outpost/isos/esxi-8/', 'http://10.0.0.2/ks/esx01.cfg');
    expect(out).toContain('prefix=http://10.0.0.2/outpost/isos/esxi-8/\nkernel=b.b00');
    expect(out).toContain('modules=jumpstrt.gz --- useropts.gz --- features.gz --- k.b00');
    expect(out).toContain('kernelopt=runweasel cdromBoot ks=http://10.0.0.2/ks/esx01.cfg');
    expect(out.match(/^prefix=/gm)).toHaveLength(1);
    expect(esxiBootFiles(ESXI_BOOT_CFG)).toEqual(['b.b00', 'jumpstrt.gz', 'useropts.gz', 'features.gz', 'k.b00']);
  });

  it('builds the ESXi bundle from an upper-case extracted ISO and copies only what boot.cfg needs', () => {
    const iso = join(dir.path, 'ESXI-8.0U3');
    fakeIso(iso, {
      'BOOT.CFG': ESXI_BOOT_CFG,
      'B.B00': 'kernel',
      'JUMPSTRT.GZ': 'j',
      'USEROPTS.GZ': 'u',
      'FEATURES.GZ': 'f',
      'K.B00': 'k',
      'EFI/BOOT/BOOTX64.EFI': 'efi loader',
      'MBOOT.C32': 'bios loader',
      'UNRELATED.TXT': 'not copied',
    });
    const ipxeDir = join(dir.path, 'ipxe');
    fakeIso(ipxeDir, { 'undionly.kpxe': 'u', 'ipxe.efi': 'e' });
    const bundle = planPxeBundle({
      host: { name: 'esx01', mac: '00-50-56-AB-CD-EF', ip: '10.0.0.21' },
      isoDir: iso,
      label: 'esxi-8.0u3',
      httpBase: 'http://10.0.0.2/outpost/',
      tftpServer: '10.0.0.2',
      ipxeDir,
    });
    expect(bundle.layout.kind).toBe('esxi');
    expect(bundle.missing).toEqual([]);
    const out = join(dir.path, 'out');
    const written = writePxeBundle(bundle, out);
    expect(written).toEqual(
      expect.arrayContaining(['http/isos/esxi-8.0u3/boot.cfg', 'http/isos/esxi-8.0u3/b.b00', 'http/isos/esxi-8.0u3/k.b00', 'http/isos/esxi-8.0u3/efi/boot/bootx64.efi', 'http/hosts/esx01.ipxe', 'tftp/undionly.kpxe', 'dhcp/isc-dhcpd/esx01.conf', 'dhcp/dnsmasq/esx01.conf', 'README.txt']),
    );
    expect(written.some((p) => p.toLowerCase().includes('unrelated'))).toBe(false);
    expect(readFileSync(join(out, 'http/isos/esxi-8.0u3/b.b00'), 'utf8')).toBe('kernel');
    const script = readFileSync(join(out, 'http/hosts/esx01.ipxe'), 'utf8');
    expect(script.startsWith('#!ipxe\n')).toBe(true);
    expect(script).toContain('chain http://10.0.0.2/outpost/isos/esxi-8.0u3/efi/boot/bootx64.efi -c http://10.0.0.2/outpost/isos/esxi-8.0u3/boot.cfg');
    expect(readFileSync(join(out, 'dhcp/isc-dhcpd/esx01.conf'), 'utf8')).toContain('hardware ethernet 00:50:56:ab:cd:ef;');
  });

  it('builds a Linux bundle (kernel + initrd) and lists the loaders it could not find', () => {
    const iso = join(dir.path, 'ubuntu');
    fakeIso(iso, { 'casper/vmlinuz': 'k', 'casper/initrd': 'i' });
    const bundle = planPxeBundle({ host: { name: 'node7', mac: '0050.56ab.cdef' }, isoDir: iso, label: 'ubuntu-24.04', httpBase: 'http://10.0.0.2/pxe', tftpServer: '10.0.0.2', ipxeDir: join(dir.path, 'none'), kernelArgs: 'ip=dhcp autoinstall' });
    expect(bundle.layout).toMatchObject({ kind: 'linux', flavour: 'ubuntu-casper' });
    expect(bundle.missing).toHaveLength(2);
    const script = bundle.artefacts.find((a) => a.path === 'http/hosts/node7.ipxe');
    expect(script && 'text' in script && script.text).toContain('kernel http://10.0.0.2/pxe/isos/ubuntu-24.04/kernel initrd=initrd ip=dhcp autoinstall');
  });

  it('refuses bad input with what to fix', () => {
    expect(() => normaliseMac('00:50:56:ab:cd')).toThrow(/not a MAC/);
    expect(() => planPxeBundle({ host: { name: 'x', mac: '00:50:56:ab:cd:ef' }, isoDir: join(dir.path, 'nope'), label: 'l', httpBase: 'http://a/b', tftpServer: '10.0.0.2' })).toThrow(/not a folder/);
    const empty = join(dir.path, 'empty');
    mkdirSync(empty);
    expect(() => planPxeBundle({ host: { name: 'x', mac: '00:50:56:ab:cd:ef' }, isoDir: empty, label: 'l', httpBase: 'http://a/b', tftpServer: '10.0.0.2' })).toThrow(/No network-bootable layout/);
    fakeIso(empty, { 'casper/vmlinuz': 'k', 'casper/initrd': 'i' });
    expect(() => planPxeBundle({ host: { name: 'x', mac: '00:50:56:ab:cd:ef' }, isoDir: empty, label: 'l', httpBase: 'https://a/b', tftpServer: '10.0.0.2' })).toThrow(/plain http/);
    expect(() => planPxeBundle({ host: { name: 'bad name', mac: '00:50:56:ab:cd:ef' }, isoDir: empty, label: 'l', httpBase: 'http://a/b', tftpServer: '10.0.0.2' })).toThrow(/host name/);
  });

  it.skipIf(!hasTool('dhcpd') || !hasTool('dnsmasq'))('writes DHCP entries that ISC dhcpd and dnsmasq themselves accept', () => {
    const iso = join(dir.path, 'ubuntu');
    fakeIso(iso, { 'casper/vmlinuz': 'k', 'casper/initrd': 'i' });
    const out = join(dir.path, 'out');
    writePxeBundle(planPxeBundle({ host: { name: 'node7', mac: '00:50:56:ab:cd:ef', ip: '10.0.0.27' }, isoDir: iso, label: 'ubuntu', httpBase: 'http://10.0.0.2/pxe', tftpServer: '10.0.0.2' }), out);
    const conf = join(dir.path, 'dhcpd.conf');
    writeFileSync(conf, `option arch code 93 = unsigned integer 16;\nsubnet 10.0.0.0 netmask 255.255.255.0 {\n  include "${join(out, 'dhcp/isc-dhcpd/node7.conf')}";\n}\n`);
    const dhcpd = spawnSync('dhcpd', ['-t', '-4', '-cf', conf], { encoding: 'utf8' });
    expect(dhcpd.status, dhcpd.stderr).toBe(0);
    const dnsmasq = spawnSync('dnsmasq', ['--test', `--conf-file=${join(out, 'dhcp/dnsmasq/node7.conf')}`], { encoding: 'utf8' });
    expect(dnsmasq.status, dnsmasq.stderr).toBe(0);
    expect(existsSync(join(out, 'tftp/undionly.kpxe'))).toBe(existsSync('/usr/lib/ipxe/undionly.kpxe'));
  });
});
