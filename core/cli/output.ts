import { UNSAFE_CHARACTERS } from '../contract/names.js';

/** How the CLI prints: human tables by default, one JSON document with --json. */
export interface Output {
  json: boolean;
  write(text: string): void;
  error(text: string): void;
}

const UNSAFE_GLOBAL = new RegExp(UNSAFE_CHARACTERS.source, 'gu');
const UNSAFE_BUT_NEWLINE = new RegExp(`(?!\\n)${UNSAFE_CHARACTERS.source}`, 'gu');
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visible(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
}

/**
 * Untrusted text (names from the store or from vCenter, echoed input in error messages) as the
 * terminal should show it: control, bidi and invisible characters become visible escapes (\n,
 * \t, \x1b, \u202e), so a name cannot colour the terminal, move the cursor, reorder a line or
 * split a table row. `keepNewlines` for multi-line human text whose line breaks are ours.
 */
export function escapeUntrusted(text: string, options: { keepNewlines?: boolean } = {}): string {
  return text.replace(options.keepNewlines ? UNSAFE_BUT_NEWLINE : UNSAFE_GLOBAL, visible);
}

/** The one line an error prints on stderr in human mode. */
export function errorLine(e: { code: string; message: string }): string {
  return `outpost: ${escapeUntrusted(e.message)} [${e.code}]\n`;
}

export function createOutput(json: boolean): Output {
  // JSON output is escaped by JSON.stringify and meant for programs; human text is escaped here.
  const human = (text: string): string => (json ? text : escapeUntrusted(text, { keepNewlines: true }));
  return {
    json,
    write: (text) => process.stdout.write(human(text.endsWith('\n') ? text : `${text}\n`)),
    error: (text) => process.stderr.write(`${json ? text.replace(/\n$/, '') : escapeUntrusted(text.replace(/\n$/, ''))}\n`),
  };
}

/** Exit code when the reader of the output went away (`| head`): 128 + SIGPIPE, as a shell reports a tool SIGPIPE ended. */
export const OUTPUT_CLOSED_EXIT = 141;

let outputClosed = false;
let streaming = 0;

/** True once a write to stdout or stderr failed with EPIPE. */
export function isOutputClosed(): boolean {
  return outputClosed;
}

/**
 * A closed stdout/stderr (EPIPE) ends the CLI quietly with OUTPUT_CLOSED_EXIT instead of an
 * unhandled 'error' event and a stack trace. A command inside `whileStreaming` handles it itself
 * (`outpost exec` stops the remote command and records the audit entry first).
 */
export function handleClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      outputClosed = true;
      if (streaming === 0) process.exit(OUTPUT_CLOSED_EXIT);
    });
  }
}

/** Runs `fn` with EPIPE left to it (see handleClosedOutput). */
export async function whileStreaming<T>(fn: () => Promise<T>): Promise<T> {
  streaming++;
  try {
    return await fn();
  } finally {
    streaming--;
  }
}

/** A plain fixed-width table; columns are as wide as their widest cell. Every cell is escaped, so one row stays one line. */
export function formatTable(headers: string[], rows: string[][]): string {
  const cells = rows.map((r) => r.map((c) => escapeUntrusted(c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (row: string[]): string =>
    row
      .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}
