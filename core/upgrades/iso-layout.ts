import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { OutpostError } from '../contract/errors.js';

/** What an extracted (or mounted) installer ISO offers for a network boot. */
export type IsoLayout =
  | {
      kind: 'esxi';
      /** boot.cfg as shipped (path relative to the ISO root, case as found). */
      bootCfg: string;
      efiLoader: string | null;
      biosLoader: string | null;
    }
  | { kind: 'linux'; flavour: string; kernel: string; initrd: string };

/** Known kernel/initrd pairs, most specific first (paths relative to the ISO root). */
const LINUX_LAYOUTS: { flavour: string; kernel: string; initrd: string }[] = [
  { flavour: 'ubuntu-casper', kernel: 'casper/vmlinuz', initrd: 'casper/initrd' },
  { flavour: 'rhel-pxeboot', kernel: 'images/pxeboot/vmlinuz', initrd: 'images/pxeboot/initrd.img' },
  { flavour: 'debian-installer', kernel: 'install.amd/vmlinuz', initrd: 'install.amd/initrd.gz' },
  { flavour: 'isolinux', kernel: 'isolinux/vmlinuz', initrd: 'isolinux/initrd.img' },
  { flavour: 'boot', kernel: 'boot/vmlinuz', initrd: 'boot/initrd.img' },
];

/** Finds a path case-insensitively (ESXi ISOs are often extracted in upper case: BOOT.CFG). */
export function findPath(root: string, relative: string): string | null {
  let current = '';
  for (const part of relative.split('/')) {
    const dir = join(root, current);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) return null;
    const match = readdirSync(dir).find((e) => e.toLowerCase() === part.toLowerCase());
    if (!match) return null;
    current = current ? `${current}/${match}` : match;
  }
  return current;
}

export function detectIsoLayout(isoDir: string): IsoLayout {
  if (!existsSync(isoDir) || !statSync(isoDir).isDirectory()) {
    throw new OutpostError('VALIDATION', `${isoDir} is not a folder: extract or mount the installer ISO and point at its root.`);
  }
  const bootCfg = findPath(isoDir, 'boot.cfg');
  if (bootCfg && /^\s*kernel\s*=/m.test(readFileSync(join(isoDir, bootCfg), 'utf8'))) {
    return { kind: 'esxi', bootCfg, efiLoader: findPath(isoDir, 'efi/boot/bootx64.efi'), biosLoader: findPath(isoDir, 'mboot.c32') };
  }
  for (const l of LINUX_LAYOUTS) {
    const kernel = findPath(isoDir, l.kernel);
    const initrd = findPath(isoDir, l.initrd);
    if (kernel && initrd) return { kind: 'linux', flavour: l.flavour, kernel, initrd };
  }
  throw new OutpostError(
    'VALIDATION',
    `No network-bootable layout found in ${isoDir}: expected an ESXi boot.cfg, or a kernel/initrd pair (${LINUX_LAYOUTS.map((l) => l.kernel).join(', ')}).`,
  );
}

/**
 * VMware's PXE recipe for boot.cfg: drop the leading '/' of kernel= and modules= paths and add
 * prefix= with the HTTP folder the files are served from; kernel options may gain a kickstart.
 */
export function rewriteEsxiBootCfg(text: string, prefixUrl: string, kickstartUrl?: string): string {
  const prefix = prefixUrl.endsWith('/') ? prefixUrl : `${prefixUrl}/`;
  const lines = text.split(/\r?\n/).filter((l) => !/^\s*prefix\s*=/.test(l));
  const out = lines.map((line) => {
    const m = /^(\s*)(kernel|modules)(\s*=\s*)(.*)$/.exec(line);
    if (m) return `${m[1]}${m[2]}${m[3]}${m[4]!.split(/\s+---\s+/).map((p) => p.trim().replace(/^\//, '')).join(' --- ')}`;
    if (kickstartUrl && /^\s*kernelopt\s*=/.test(line)) return `${line.replace(/\s*ks=\S+/, '')} ks=${kickstartUrl}`;
    return line;
  });
  const bootstate = out.findIndex((l) => /^\s*kernel\s*=/.test(l));
  out.splice(bootstate < 0 ? out.length : bootstate, 0, `prefix=${prefix}`);
  return out.join('\n');
}

/** Every file boot.cfg references (kernel and modules), relative to the ISO root. */
export function esxiBootFiles(text: string): string[] {
  const files: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(kernel|modules)\s*=\s*(.*)$/.exec(line);
    if (m) files.push(...m[2]!.split(/\s+---\s+/).map((p) => p.trim().replace(/^\//, '')).filter(Boolean));
  }
  return files;
}
