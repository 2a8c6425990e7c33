import type { Command } from 'commander';
import { resolve } from 'node:path';
import { OutpostError } from '../contract/errors.js';
import { BundleInstaller } from '../update/bundle-installer.js';
import { readPublicKey, verifyBundle } from '../update/bundle-signature.js';
import type { CliContext } from './cli-context.js';

interface UpdateFlags {
  from?: string;
  signature?: string;
  check?: boolean;
  publicKey?: string;
  rollback?: boolean;
  status?: boolean;
  root?: string;
}

/**
 * `outpost update`: offline updates of a bundle installation (scripts/bundle.mjs). The launcher
 * in the bundle's bin/ sets OUTPOST_BUNDLE_ROOT, so the command knows which installation it runs from.
 */
export function registerUpdateCommands(program: Command, context: CliContext): void {
  program
    .command('update')
    .description('Install a signed offline bundle beside this version and switch to it, or roll back')
    .option('--from <bundle>', 'the outpost-<version>-linux-x64.tar.gz to install (its .sig beside it)')
    .option('--signature <file>', 'the signature file, when it is not <bundle>.sig')
    .option('--check', 'only verify the bundle\'s signature and checksum; change nothing')
    .option('--public-key <pem>', 'with --check: verify with this release key instead of the installed one')
    .option('--rollback', 'switch back to the version before the last update (and its store snapshot)')
    .option('--status', 'the running version, the one --rollback goes back to, and what is installed')
    .option('--root <dir>', 'the installation folder (default: the bundle this command runs from)')
    .addHelpText(
      'after',
      '\nThe bundle must be signed by the release key pinned in the running version. A bundle that fails\n' +
        'verification, does not start, or cannot migrate the store leaves this version running and the\n' +
        'store untouched. Restart services that run Outpost (systemctl restart outpost-host) afterwards.',
    )
    .action(async (o: UpdateFlags) => {
      const modes = [o.from !== undefined, Boolean(o.rollback), Boolean(o.status)].filter(Boolean).length;
      if (modes !== 1) throw new OutpostError('VALIDATION', 'Give exactly one of --from BUNDLE, --rollback or --status.');
      if (o.check && o.from === undefined) throw new OutpostError('VALIDATION', '--check goes with --from BUNDLE.');
      if (o.publicKey && !o.check) throw new OutpostError('VALIDATION', '--public-key is for --check only: an install trusts the key pinned in the running version.');
      const out = context.out;

      if (o.check && o.from !== undefined) {
        const bundle = resolve(o.from);
        const key = o.publicKey ? readPublicKey(resolve(o.publicKey)) : installer(context, o).pinnedKey();
        const manifest = await verifyBundle(bundle, key, o.signature ? resolve(o.signature) : undefined);
        out.write(out.json ? JSON.stringify({ verified: true, ...manifest }) : `${bundle}: verified, Outpost ${manifest.version} (${manifest.platform}), signed by release key ${manifest.keyId}, SHA-256 ${manifest.sha256}.`);
        return;
      }
      const inst = installer(context, o);
      if (o.status) {
        const s = inst.status();
        out.write(out.json ? JSON.stringify(s) : `Running ${s.current} from ${s.root}; rollback goes to ${s.previous ?? '(none)'}; installed: ${s.versions.join(', ')}.`);
        return;
      }
      if (o.rollback) {
        const r = await inst.rollback();
        out.write(
          out.json
            ? JSON.stringify(r)
            : `Rolled back ${r.from} -> ${r.to}.${r.restored ? ` Store restored from the pre-update snapshot; the ${r.from} store is kept at ${r.restored.keptAside}.` : ''} Restart services that run Outpost.`,
        );
        return;
      }
      const r = await inst.install(resolve(o.from ?? ''), o.signature ? resolve(o.signature) : undefined);
      out.write(
        out.json
          ? JSON.stringify(r)
          : `Updated ${r.from} -> ${r.to} in ${(r.elapsedMs / 1000).toFixed(1)}s${r.schema ? `; store schema ${r.schema.from} -> ${r.schema.to}, snapshot ${r.snapshot}` : ''}. Restart services that run Outpost; \`outpost update --rollback\` goes back.`,
      );
    });
}

function installer(context: CliContext, o: UpdateFlags): BundleInstaller {
  const root = o.root ?? process.env.OUTPOST_BUNDLE_ROOT;
  if (!root) {
    throw new OutpostError('VALIDATION', 'This Outpost does not run from a bundle installation: run the bundle\'s bin/outpost, or give --root DIR (or --check --public-key KEY to only verify).');
  }
  return new BundleInstaller({ root: resolve(root), dbPath: context.dbPath() });
}
