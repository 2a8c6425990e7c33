import type { Handlers } from './index.js';
import type { Services } from '../services.js';

type RecordingCommand = 'recording.list' | 'recording.get' | 'recording.export';

/** Recorded terminal sessions (core/terminal/recording). */
export function createRecordingHandlers(s: Services): Pick<Handlers, RecordingCommand> {
  return {
    'recording.list': ({ query, limit }) => s.recorder.list({ query, limit }),
    'recording.get': ({ id, offset, limit }) => s.recorder.read(id, offset, limit),
    'recording.export': ({ id, to }, caller) => s.recorder.export(id, to, caller.actor),
  };
}
