import { describe, expect, it } from 'vitest';
import { headOf, OutputRing, tally, tallyText } from './fanout-engine.js';

describe('OutputRing: the tail of a stream, bounded', () => {
  it('keeps the last `limit` bytes and counts what it dropped', () => {
    const ring = new OutputRing(10);
    ring.append(Buffer.from('0123456'));
    ring.append(Buffer.from('789ab'));
    expect(ring.text()).toBe('23456789ab');
    expect(ring.dropped).toBe(2);
    ring.append(Buffer.from('x'.repeat(25)));
    expect(ring.text()).toBe('x'.repeat(10));
    expect(ring.bytes).toBe(10);
    expect(ring.dropped).toBe(27);
  });

  it('holds a flood in bounded memory', () => {
    const ring = new OutputRing(1024 * 1024);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < 200; i++) ring.append(chunk); // 12.5 MiB through it
    expect(ring.bytes).toBe(1024 * 1024);
    expect(ring.dropped).toBe(200 * 64 * 1024 - 1024 * 1024);
  });
});

describe('tally and heads', () => {
  it('counts ok, failed and cancelled hosts, and says so in words', () => {
    const t = tally([
      { exitCode: 0, error: null, cancelled: false },
      { exitCode: 2, error: null, cancelled: false },
      { exitCode: null, error: { code: 'UNREACHABLE', message: 'x' }, cancelled: false },
      { exitCode: null, error: { code: 'CANCELLED', message: 'x' }, cancelled: true },
    ]);
    expect(t).toEqual({ total: 4, ok: 1, failed: 2, cancelled: 1 });
    expect(tallyText(t)).toBe('4 hosts: 1 ok, 2 failed, 1 cancelled');
  });

  it('cuts a head at lines or characters', () => {
    expect(headOf('a\nb\nc\n', 2)).toEqual({ text: 'a\nb', cut: true });
    expect(headOf('a\nb\n', 2)).toEqual({ text: 'a\nb', cut: false });
    expect(headOf('x'.repeat(50), 5, 10)).toEqual({ text: 'x'.repeat(10), cut: true });
    expect(headOf('a\nb\n\n  \n', 2)).toEqual({ text: 'a\nb', cut: false });
    expect(headOf('a\n\n\n x', 2)).toEqual({ text: 'a', cut: true });
  });

  it("reads only a host's head, not its whole kept output (200 hosts of 2 MiB each did ~130 ms per stream on the event loop)", () => {
    const flood = 'a line of output\n'.repeat(130_000);
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) expect(headOf(flood, 20).cut).toBe(true);
    expect(performance.now() - t0).toBeLessThan(100);
  });
});
