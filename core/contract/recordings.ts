import { z } from 'zod';
import type { CommandSpec } from './command-spec.js';

export const recordingInfoSchema = z.object({
  id: z.number().int(),
  /** The file's name inside the recordings folder (asciicast v2, .cast). */
  file: z.string(),
  /** Who opened the session. */
  actor: z.string(),
  /** Where: user@host:port or the WinRM endpoint. */
  target: z.string(),
  kind: z.enum(['ssh', 'winrm']),
  startedAt: z.string(),
  /** null while the session runs. */
  endedAt: z.string().nullable(),
  durationMs: z.number().int().nullable(),
  bytes: z.number().int(),
  /** RECORDING_FAILED when the recording stopped before the session (disk full, folder unwritable). */
  errorCode: z.string().nullable(),
});
export type RecordingInfo = z.infer<typeof recordingInfoSchema>;

/** How terminal sessions are recorded (settings): always, ask (the open dialog's checkbox decides) or off. */
export const recordingModeSchema = z.enum(['always', 'ask', 'off']);
export type RecordingMode = z.infer<typeof recordingModeSchema>;

const recordingId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/** Recorded terminal sessions: list, read back (to play in the UI), export, delete. */
export const recordingCommands = {
  'recording.list': {
    summary: 'Recorded terminal sessions, newest first (who, where, when, how long)',
    input: z.object({ query: z.string().trim().max(200).optional(), limit: z.number().int().min(1).max(10_000).default(200) }).strict(),
    output: z.array(recordingInfoSchema),
  },
  'recording.get': {
    summary: 'One recording with a page of its asciicast v2 text (for playback): whole lines from offset, nextOffset for the rest',
    input: z.object({ id: recordingId, offset: z.number().int().min(0).default(0), limit: z.number().int().min(1024).max(512 * 1024).default(512 * 1024) }).strict(),
    output: z.object({ recording: recordingInfoSchema, cast: z.string(), nextOffset: z.number().int().nullable(), size: z.number().int() }),
  },
  'recording.export': {
    summary: 'Copy a recording (asciicast v2) to a file of your choice',
    input: z.object({ id: recordingId, to: z.string().trim().min(1).max(4096) }).strict(),
    output: z.object({ path: z.string(), bytes: z.number().int() }),
  },
} as const satisfies Record<string, CommandSpec>;
