import type { z } from 'zod';

/** One command of the contract: what it does, what it takes, what it returns. */
export interface CommandSpec {
  summary: string;
  input: z.ZodType;
  output: z.ZodType;
}
