import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The first executable file named `program` on PATH, or null (checked on disk: no shell, no child process). */
export function findOnPath(program: string, envPath = process.env.PATH ?? ''): string | null {
  for (const dir of envPath.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Is `program` an executable on PATH (ansible-playbook, ssh-agent, ... are optional on an operator's machine)? */
export const onPath = (program: string): boolean => findOnPath(program) !== null;
