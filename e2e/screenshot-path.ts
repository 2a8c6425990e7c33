import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Where an e2e spec writes its screenshot. The README's committed pictures (docs/) are rewritten only
 * by `npm run screenshots` (OUTPOST_SCREENSHOTS=1); a test run writes under the ignored .cache/, so
 * running the tests never changes a tracked file.
 */
export function screenshotPath(name: string): string {
  return process.env.OUTPOST_SCREENSHOTS === '1' ? join(root, 'docs', name) : join(root, '.cache', 'screenshots', name);
}
