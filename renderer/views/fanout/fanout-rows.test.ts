import { describe, expect, it } from 'vitest';
import type { FanoutRow } from '../../../core/contract';
import { formatDuration, parseTargets, rowFailed, sortRows } from './fanout-rows';

const row = (index: number, host: string, patch: Partial<FanoutRow> = {}): FanoutRow => ({
  index,
  host,
  vm: null,
  jump: null,
  state: 'done',
  exitCode: 0,
  durationMs: 10,
  stdoutHead: '',
  stderrHead: '',
  truncated: false,
  error: null,
  ...patch,
});

describe('fan-out targets and rows', () => {
  it('reads a pasted list: lines, spaces or commas, comments, ports, IPv6; flags what it cannot read; drops duplicates', () => {
    const text = ['10.0.0.1', 'esx-02.lab:2222  # the odd one', '', '10.0.0.3, 10.0.0.4 10.0.0.1', '[fd00::5]:22', 'fd00::6', 'bad host!', 'h:99999'].join('\n');
    expect(parseTargets(text)).toEqual({
      // Spaces separate hosts: "bad" is a host name, "host!" is not.
      hosts: ['10.0.0.1', 'esx-02.lab:2222', '10.0.0.3', '10.0.0.4', '[fd00::5]:22', 'fd00::6', 'bad'],
      invalid: [
        { line: 7, text: 'host!' },
        { line: 8, text: 'h:99999' },
      ],
    });
  });

  it('sorts by host (numeric aware), exit code and duration with unknown values last, and tells failed rows', () => {
    const rows = [
      row(0, 'h10', { exitCode: 0, durationMs: 300 }),
      row(1, 'h9', { exitCode: 2, durationMs: 100 }),
      row(2, 'h1', { state: 'running', exitCode: null, durationMs: null }),
      row(3, 'h2', { exitCode: null, durationMs: 5, error: { code: 'UNREACHABLE', message: 'no' } }),
    ];
    expect(sortRows(rows, 'host', false).map((r) => r.host)).toEqual(['h1', 'h2', 'h9', 'h10']);
    expect(sortRows(rows, 'exit', true).map((r) => r.host)).toEqual(['h9', 'h10', 'h2', 'h1']);
    expect(sortRows(rows, 'duration', false).map((r) => r.host)).toEqual(['h2', 'h9', 'h10', 'h1']);
    expect(rows.map(rowFailed)).toEqual([false, true, false, true]);
    expect([formatDuration(null), formatDuration(12), formatDuration(2500), formatDuration(125_000)]).toEqual(['—', '12 ms', '2.5 s', '2 min 5 s']);
  });
});
