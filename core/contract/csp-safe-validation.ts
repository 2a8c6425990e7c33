import { z } from 'zod';

/**
 * zod 4 compiles fast parsers with `new Function` when it may; under the renderer's strict CSP
 * (no 'unsafe-eval') its probe would be reported as a CSP violation. The renderer calls this
 * once at start-up; Node (main, host, CLI) keeps the compiled parsers.
 */
export function enableCspSafeValidation(): void {
  z.config({ jitless: true });
}
