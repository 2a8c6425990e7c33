import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { commandNames, commands } from '../contract/commands.js';
import { MAX_CLIENT_MESSAGE_BYTES } from '../contract/wire.js';

type JsonSchema = {
  maxLength?: number;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
};

/** Every string field's declared maxLength, by its path in the input. */
function stringLimits(schema: JsonSchema, path: string, out: { path: string; maxLength: number }[]): void {
  for (const branch of schema.anyOf ?? schema.oneOf ?? schema.allOf ?? []) stringLimits(branch, path, out);
  for (const [key, prop] of Object.entries(schema.properties ?? {})) stringLimits(prop, path ? `${path}.${key}` : key, out);
  if (schema.items) stringLimits(schema.items, `${path}[]`, out);
  if (schema.maxLength !== undefined) out.push({ path, maxLength: schema.maxLength });
}

describe('contract input limits and the host message limit agree', () => {
  // A big string (a file's base64, a text to translate, a script) must fit in one message with its
  // envelope: a declared limit past the message limit promises what the host then cuts with 1009.
  // Many small items together are bounded by the message limit itself, refused as TOO_LARGE.
  it('no string input declares a limit longer than one host message carries', () => {
    const envelope = JSON.stringify({ type: 'invoke', id: Number.MAX_SAFE_INTEGER, command: 'x'.repeat(200), input: { field: '' } }).length;
    const over = commandNames.flatMap((name) => {
      const limits: { path: string; maxLength: number }[] = [];
      stringLimits(z.toJSONSchema(commands[name].input, { io: 'input', unrepresentable: 'any' }) as JsonSchema, '', limits);
      return limits.filter((l) => l.maxLength + envelope > MAX_CLIENT_MESSAGE_BYTES).map((l) => `${name} ${l.path} ${l.maxLength}`);
    });
    expect(over).toEqual([]);
  });

  it('certificates.inspect refuses a file over its limit with a message that says what to do', () => {
    const parsed = commands['certificates.inspect'].input.safeParse({ contentBase64: 'A'.repeat(1_000_004) });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/up to 750 KB/);
    expect(commands['certificates.inspect'].input.safeParse({ contentBase64: 'A'.repeat(1_000_000) }).success).toBe(true);
  });
});
