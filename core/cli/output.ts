/** How the CLI prints: human tables by default, one JSON document with --json. */
export interface Output {
  json: boolean;
  write(text: string): void;
  error(text: string): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    write: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    error: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
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

/** A plain fixed-width table; columns are as wide as their widest cell. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
