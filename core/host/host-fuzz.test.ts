import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { z } from 'zod';
import { tempDir } from '../../test/temp-dir.js';
import { encodeFrame, rawWebSocket, textFrame } from '../../test/raw-websocket.js';
import { commandNames, commands } from '../contract/commands.js';
import { serverMessageSchema, type ServerMessage } from '../contract/wire.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';
import { startHost, type RunningHost } from './host-server.js';

/**
 * Fuzz of the headless host: hand-made and mutated WebSocket frames on raw TCP sockets, then
 * random and mutated inputs for every command the contract lists. The host runs in this process,
 * so a crash fails the run; every invoke must get a well-formed answer, and RSS must stay bounded.
 * Seeded (FUZZ_SEED) so a failure can be replayed.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const FRAME_CASES = 2_500;
const INPUT_CASES_PER_COMMAND = Math.ceil(8_000 / commandNames.length);
const RSS_BOUND_MB = 1_200;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(SEED);
const int = (n: number): number => Math.floor(random() * n);
const pick = <T,>(xs: readonly T[]): T => xs[int(xs.length)]!;
const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)));

// Strings a handler may treat as a host name: only loopback literals, so no input reaches a peer
// off this machine (and the DNS guard below refuses every other name before a query leaves).
// Plain and odd names too (not IP literals, so DNS refuses them): a lone surrogate is the kind of
// schema-valid text SQLite does not store as given.
const SAFE_STRINGS = ['127.0.0.1', '::1'];
const NAME_STRINGS = ['Zürich-1', 'n\uD800', 'lab'];
const junkStrings = (): string[] => [
  '',
  'x'.repeat(1 + int(300)),
  'y'.repeat(60_000 + int(10_000)),
  '𝔘ñí©ødé ✓ 中文',
  '\u0000\u0001\u001f',
  '\ud800',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%s%n%x',
  '{"type":"invoke"}',
  ' '.repeat(int(20)),
  'DROP TABLE sites; --',
  '\r\nX-Injected: 1',
];
const junkValues = (): unknown[] => [
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  2 ** 53 + 2,
  [],
  {},
  [1, 'a', null],
  { __proto__: { polluted: true } },
  JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
  deep(2_000),
  ...junkStrings(),
];
function deep(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
  return v;
}

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  default?: unknown;
};

/** A value shaped like the schema (strings only from SAFE_STRINGS), for inputs that get past validation. */
function shaped(schema: JsonSchema, depth = 0): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return pick(schema.enum);
  const branches = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (branches?.length) return shaped(pick(branches), depth + 1);
  const type = Array.isArray(schema.type) ? pick(schema.type) : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, prop] of Object.entries(schema.properties ?? {})) {
        if (schema.required?.includes(key) || random() < 0.5) out[key] = depth > 6 ? null : shaped(prop, depth + 1);
      }
      return out;
    }
    case 'array': {
      const n = Math.min(schema.maxItems ?? 3, (schema.minItems ?? 0) + int(3));
      return Array.from({ length: n }, () => (schema.items && depth < 6 ? shaped(schema.items, depth + 1) : null));
    }
    case 'string':
      return random() < 0.8 ? pick(SAFE_STRINGS) : pick(NAME_STRINGS);
    case 'integer':
    case 'number': {
      const lo = schema.minimum ?? 0;
      const hi = Math.min(schema.maximum ?? lo + 1000, lo + 100_000);
      return pick([lo, hi, lo + int(Math.max(1, hi - lo)), lo - 1, hi + 1]);
    }
    case 'boolean':
      return random() < 0.5;
    case 'null':
      return null;
    default:
      return schema.default ?? null;
  }
}

/** A shaped input broken one way: a field dropped, replaced by junk, an extra key, or no object at all. */
function mutated(schema: JsonSchema): unknown {
  const base = shaped(schema);
  const roll = int(6);
  if (roll === 0 || typeof base !== 'object' || base === null || Array.isArray(base)) return pick(junkValues());
  const obj = base as Record<string, unknown>;
  const keys = Object.keys(schema.properties ?? {});
  if (roll === 1 && keys.length) delete obj[pick(keys)];
  else if (roll === 2 || roll === 3) obj[keys.length ? pick(keys) : 'extra'] = pick(junkValues());
  else if (roll === 4) obj[pick(['extra', '__proto__', 'constructor', 'x'.repeat(300)])] = pick(junkValues());
  else return base;
  return obj;
}

/** No input may make the host look a name up in DNS: every name but localhost fails at once. */
function guardDns(): () => void {
  const dns = createRequire(import.meta.url)('node:dns') as typeof import('node:dns');
  const original = dns.lookup;
  const originalPromise = dns.promises.lookup;
  const refuse = (hostname: string): NodeJS.ErrnoException => Object.assign(new Error(`fuzz: no DNS for ${hostname}`), { code: 'ENOTFOUND', hostname });
  const guarded = ((hostname: string, ...rest: unknown[]) => {
    const cb = rest[rest.length - 1] as (err: NodeJS.ErrnoException | null) => void;
    if (isIP(hostname) || hostname === 'localhost') return (original as (...a: unknown[]) => void)(hostname, ...rest);
    process.nextTick(() => cb(refuse(hostname)));
  }) as typeof dns.lookup;
  dns.lookup = guarded;
  dns.promises.lookup = (async (hostname: string, options?: unknown) => {
    if (isIP(hostname) || hostname === 'localhost') return originalPromise(hostname, options as never);
    throw refuse(hostname);
  }) as typeof dns.promises.lookup;
  return () => {
    dns.lookup = original;
    dns.promises.lookup = originalPromise;
  };
}

/** One malformed or odd frame sequence, sent on its own connection. */
function frameCase(n: number): { name: string; chunks: Buffer[] } {
  const invoke = (id: number): string => JSON.stringify({ type: 'invoke', id, command: 'app.info', input: {} });
  switch (n % 20) {
    case 0:
      return { name: 'valid', chunks: [textFrame(invoke(1))] };
    case 1:
      return { name: 'oversize declared', chunks: [encodeFrame({ opcode: 1, payload: bytes(10), declaredLength: 1024 * 1024 + 1 + int(1 << 24) })] };
    case 2:
      return { name: 'bad utf-8', chunks: [encodeFrame({ opcode: 1, payload: Buffer.concat([Buffer.from('{"a":"'), Buffer.from(pick([[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]])), Buffer.from('"}')]) })] };
    case 3:
      return { name: 'reserved opcode', chunks: [encodeFrame({ opcode: pick([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]), payload: bytes(int(50)) })] };
    case 4:
      return { name: 'unmasked', chunks: [encodeFrame({ opcode: pick([1, 2, 9]), payload: Buffer.from(invoke(2)), masked: false })] };
    case 5:
      return { name: 'rsv bits', chunks: [encodeFrame({ opcode: 1, payload: Buffer.from(invoke(3)), rsv: 1 + int(7) })] };
    case 6: {
      const frame = textFrame(invoke(4));
      return { name: 'truncated', chunks: [frame.subarray(0, 1 + int(frame.length - 1))] };
    }
    case 7:
      return { name: 'continuation without start', chunks: [encodeFrame({ opcode: 0, payload: Buffer.from(invoke(5)) })] };
    case 8:
      return { name: 'new message inside a fragmented one', chunks: [encodeFrame({ opcode: 1, payload: Buffer.from('{"type":'), fin: false }), textFrame(invoke(6))] };
    case 9:
      return { name: 'control frame over 125 bytes', chunks: [encodeFrame({ opcode: pick([8, 9, 10]), payload: bytes(126 + int(500)) })] };
    case 10:
      return { name: 'fragmented control frame', chunks: [encodeFrame({ opcode: 9, payload: bytes(4), fin: false })] };
    case 11: {
      const code = pick([0, 999, 1004, 1005, 1006, 1015, 2999, 5000, 65535]);
      const payload = random() < 0.3 ? Buffer.from([int(256)]) : Buffer.concat([Buffer.from([code >> 8, code & 255]), random() < 0.5 ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0)]);
      return { name: 'bad close frame', chunks: [encodeFrame({ opcode: 8, payload })] };
    }
    case 12:
      return { name: 'garbage', chunks: [bytes(1 + int(300))] };
    case 13: {
      const frame = Buffer.from(textFrame(invoke(7)));
      for (let i = 0; i < 1 + int(4); i++) {
        const at = int(frame.length);
        frame[at] = frame[at]! ^ (1 << int(8));
      }
      return { name: 'bit flips', chunks: [frame] };
    }
    case 14:
      return { name: 'terminal frame', chunks: [encodeFrame({ opcode: 2, payload: Buffer.concat([Buffer.from([int(8)]), bytes(4 + int(40))]) })] };
    case 15: {
      const texts = ['not json', '[]', 'null', '{"type":"invoke"}', '{"type":"invoke","id":-1,"command":"app.info"}', `{"type":"invoke","id":1e400,"command":"x"}`, `{"type":"hello"}`, '{"id":9,"command":"' + 'c'.repeat(300) + '"}', '"\\ud800"', '{'.repeat(10_000)];
      return { name: 'bad envelope', chunks: [textFrame(pick(texts))] };
    }
    case 16:
      return { name: '2^63 length', chunks: [Buffer.concat([Buffer.from([0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0]), bytes(4)])] };
    case 17:
      return { name: 'ping and pong', chunks: [encodeFrame({ opcode: 9, payload: bytes(int(125)) }), encodeFrame({ opcode: 10, payload: bytes(int(125)) }), textFrame(invoke(8))] };
    case 18: {
      const frame = textFrame(invoke(9));
      return { name: 'byte by byte', chunks: Array.from(frame, (b) => Buffer.from([b])) };
    }
    default:
      return { name: 'fragmented valid', chunks: [encodeFrame({ opcode: 1, payload: Buffer.from(invoke(10).slice(0, 10)), fin: false }), encodeFrame({ opcode: 0, payload: Buffer.from(invoke(10).slice(10)) })] };
  }
}

describe('host fuzz: WebSocket frames and every contract command input', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;
  let host: RunningHost;
  let restoreDns: () => void;
  let peakRss = 0;
  let sampler: ReturnType<typeof setInterval>;
  const failures: unknown[] = [];
  const onFailure = (err: unknown): void => {
    failures.push(err);
  };

  beforeAll(async () => {
    restoreDns = guardDns();
    process.on('uncaughtException', onFailure);
    process.on('unhandledRejection', onFailure);
    dir = tempDir();
    const staticDir = join(dir.path, 'renderer');
    mkdirSync(staticDir, { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html>');
    // A cheap KDF: vault.unlock inputs that pass validation set the vault up, at scrypt's cost each.
    core = await createOutpostCore({ dataDir: join(dir.path, 'data'), transport: 'host', kdf: { ...defaultKdf, N: 2 ** 10 } });
    host = await startHost({ core, staticDir });
    sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  });
  afterAll(async () => {
    clearInterval(sampler);
    await host.close();
    await core.close();
    dir.remove();
    process.off('uncaughtException', onFailure);
    process.off('unhandledRejection', onFailure);
    restoreDns();
  });

  const path = (): string => `/ws?token=${host.token}`;

  /** A well-behaved client's app.info: the host is alive and serving. */
  async function stillServes(): Promise<void> {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}${path()}`);
    const answer = await new Promise<ServerMessage>((resolve, reject) => {
      ws.once('error', reject);
      ws.on('message', (data: Buffer) => {
        const m = serverMessageSchema.parse(JSON.parse(data.toString()));
        if (m.type === 'result') resolve(m);
      });
      ws.once('open', () => ws.send(JSON.stringify({ type: 'invoke', id: 1, command: 'app.info', input: {} })));
    });
    ws.close();
    expect(answer).toMatchObject({ type: 'result', result: { ok: true } });
  }

  it('survives malformed, mutated and valid frames on raw sockets', async () => {
    let ended = 0;
    const parallel = 100;
    for (let start = 0; start < FRAME_CASES; start += parallel) {
      await Promise.all(
        Array.from({ length: Math.min(parallel, FRAME_CASES - start) }, async (_, i) => {
          const { chunks } = frameCase(int(1_000_000) + start + i);
          const { socket } = await rawWebSocket(host.port, path());
          socket.on('error', () => undefined);
          socket.resume();
          const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
          for (const chunk of chunks) socket.write(chunk);
          // Half-close: a host waiting for the rest of a truncated frame sees the end and closes too.
          socket.end();
          const timer = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000));
          if ((await Promise.race([closed, timer])) !== 'hung') ended++;
          socket.destroy();
        }),
      );
      if (start % 500 === 0) await stillServes();
    }
    await stillServes();
    expect(ended).toBe(FRAME_CASES);
    expect(failures).toEqual([]);
    console.log(`host fuzz frames: ${FRAME_CASES} cases, 0 crashes, ${failures.length} unhandled errors`);
  });

  it('answers every command with a well-formed result for random and mutated inputs', async () => {
    const ws = await new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${host.port}${path()}`);
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });
    const waiting = new Map<number, (m: ServerMessage) => void>();
    ws.on('message', (data: Buffer) => {
      const m = serverMessageSchema.parse(JSON.parse(data.toString()));
      if (m.type === 'result') waiting.get(m.id)?.(m);
    });
    let id = 0;
    let cases = 0;
    let accepted = 0;
    const codes = new Map<string, number>();
    // Handler failures that are not a refusal with a code: bugs (the host survives them, but an
    // input the contract accepts must get a result or a coded refusal, never INTERNAL).
    const internal: string[] = [];
    for (const name of commandNames) {
      const schema = z.toJSONSchema(commands[name].input, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
      const batch = Array.from({ length: INPUT_CASES_PER_COMMAND }, (_, i) => (i % 4 === 0 ? shaped(schema) : mutated(schema)));
      const answers = await Promise.all(
        batch.map(
          (input) =>
            new Promise<ServerMessage>((resolve) => {
              const callId = ++id;
              waiting.set(callId, resolve);
              ws.send(JSON.stringify({ type: 'invoke', id: callId, command: name, input }));
            }),
        ),
      );
      for (const answer of answers) {
        expect(answer.type).toBe('result');
        if (answer.type !== 'result') continue;
        if (answer.result.ok) accepted++;
        else codes.set(answer.result.error.code, (codes.get(answer.result.error.code) ?? 0) + 1);
      }
      answers.forEach((answer, i) => {
        if (answer.type === 'result' && !answer.result.ok && answer.result.error.code === 'INTERNAL') {
          const input = batch[i];
          const valid = commands[name].input.safeParse(input).success;
          internal.push(`${name}${valid ? ' (schema-valid input)' : ''}: ${answer.result.error.message} <- ${JSON.stringify(input).slice(0, 300)}`);
        }
      });
      cases += batch.length;
    }
    ws.close();
    await stillServes();
    expect(failures).toEqual([]);
    expect(peakRss / 1048576).toBeLessThan(RSS_BOUND_MB);
    console.log(
      `host fuzz inputs: ${cases} cases over ${commandNames.length} commands (${accepted} accepted, refusals by code ${JSON.stringify(Object.fromEntries(codes))}); ` +
        `total with frames ${cases + FRAME_CASES}; crashes 0; peak RSS ${Math.round(peakRss / 1048576)} MB (seed ${SEED})` +
        (internal.length ? `; INTERNAL answers: ${internal.join(' | ')}` : ''),
    );
    expect(internal).toEqual([]);
  });
});
