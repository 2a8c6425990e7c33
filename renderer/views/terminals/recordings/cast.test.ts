import { describe, expect, it } from 'vitest';
import { eventsUntil, parseCast, searchCast } from './cast';

const text = [
  JSON.stringify({ version: 2, width: 100, height: 30, timestamp: 1 }),
  JSON.stringify([0.5, 'o', 'login ok\r\n']),
  JSON.stringify([1.0, 'r', '120x40']),
  JSON.stringify([2.0, 'o', '\x1b[31mERR\x1b[0m']),
  JSON.stringify([2.5, 'o', 'OR: disk\r\n']),
  JSON.stringify([4.0, 'o', 'bye\r\n']),
  '',
].join('\n');

describe('asciicast playback model', () => {
  it('keeps output events only, with the size and duration', () => {
    const cast = parseCast(text);
    expect(cast).toMatchObject({ cols: 100, rows: 30, duration: 4 });
    expect(cast.output.map((e) => e[0])).toEqual([0.5, 2, 2.5, 4]);
    expect(() => parseCast('{"version":1}')).toThrow(/v2/);
  });

  it('seeks: the events on screen at a time', () => {
    const cast = parseCast(text);
    expect(eventsUntil(cast, 0)).toBe(0);
    expect(eventsUntil(cast, 2)).toBe(2);
    expect(eventsUntil(cast, 2.4)).toBe(2);
    expect(eventsUntil(cast, 99)).toBe(4);
  });

  it('finds text across colour codes and chunk boundaries, case-insensitive', () => {
    const cast = parseCast(text);
    expect(searchCast(cast, 'error: disk')).toEqual([2.5]);
    expect(searchCast(cast, 'BYE')).toEqual([4]);
    expect(searchCast(cast, 'absent')).toEqual([]);
  });
});
