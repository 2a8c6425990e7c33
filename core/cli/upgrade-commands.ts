import type { Command } from 'commander';
import { basename, resolve } from 'node:path';
import { planPxeBundle, writePxeBundle } from '../upgrades/pxe-artefacts.js';
import type { CliContext } from './cli-context.js';

export function registerUpgradeCommands(program: Command, context: CliContext): void {
  const pxe = program.command('pxe').description('Air-gapped reinstall artefacts (DHCP entries, iPXE script, TFTP/HTTP tree)');
  pxe
    .command('render')
    .description('Write the boot files for one host from an extracted installer ISO; nothing is downloaded')
    .requiredOption('--host <name>', 'host name (DHCP entry and script name)')
    .requiredOption('--mac <mac>', "the host's boot NIC MAC address")
    .option('--ip <ip>', 'fixed address for the host')
    .requiredOption('--iso-dir <dir>', 'extracted (or mounted) installer ISO')
    .requiredOption('--out <dir>', 'output folder to copy to the boot server')
    .requiredOption('--http-base <url>', 'where the boot server will serve the http/ folder, e.g. http://10.0.0.2/outpost')
    .requiredOption('--tftp-server <ip>', 'TFTP server address (next-server)')
    .option('--label <name>', 'release name in the served tree (default: the ISO folder name)')
    .option('--kernel-args <args>', 'kernel command line for Linux installers')
    .option('--kickstart <url>', 'kickstart/answer file URL')
    .action((o: { host: string; mac: string; ip?: string; isoDir: string; out: string; httpBase: string; tftpServer: string; label?: string; kernelArgs?: string; kickstart?: string }) => {
      const isoDir = resolve(o.isoDir);
      const bundle = planPxeBundle({
        host: { name: o.host, mac: o.mac, ...(o.ip ? { ip: o.ip } : {}) },
        isoDir,
        label: o.label ?? basename(isoDir).toLowerCase().replace(/[^a-z0-9.-]+/g, '-'),
        httpBase: o.httpBase,
        tftpServer: o.tftpServer,
        ...(o.kernelArgs ? { kernelArgs: o.kernelArgs } : {}),
        ...(o.kickstart ? { kickstartUrl: o.kickstart } : {}),
      });
      const written = writePxeBundle(bundle, resolve(o.out));
      const out = context.out;
      if (out.json) out.write(JSON.stringify({ out: resolve(o.out), layout: bundle.layout, files: written, missing: bundle.missing }));
      else {
        out.write(`Wrote ${written.length} files to ${resolve(o.out)} (${bundle.layout.kind === 'esxi' ? 'ESXi' : bundle.layout.flavour}); see README.txt there.`);
        for (const m of bundle.missing) out.write(`still needed: ${m}`);
      }
    });
}
