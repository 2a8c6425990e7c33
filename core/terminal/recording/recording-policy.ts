import type { RecordingMode } from '../../contract/recordings.js';

/** Whether a session is recorded: the setting for its kind of target, and the open request's own choice when the setting is "ask". */
export const shouldRecord = (mode: RecordingMode, requested: boolean): boolean => mode === 'always' || (mode === 'ask' && requested);
