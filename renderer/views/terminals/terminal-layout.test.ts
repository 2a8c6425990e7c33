import { describe, expect, it } from 'vitest';
import { layoutFromParams, layoutToParams } from './terminal-layout';

describe('terminal layout in the address', () => {
  it('round-trips tabs, split panes and the active tab', () => {
    const p = new URLSearchParams(layoutToParams([{ key: 9, panes: [3, 4] }, { key: 11, panes: [7] }], 11));
    expect(p.toString()).toBe('layout=3.4_7&tab=1');
    expect(layoutFromParams(p)).toEqual({ tabs: [[3, 4], [7]], active: 1 });
  });

  it('drops what is malformed and repeated', () => {
    expect(layoutFromParams(new URLSearchParams('layout=3.x.3_abc_5.6.7.8.9&tab=7'))).toEqual({ tabs: [[3], [5, 6, 7, 8]], active: null });
    expect(layoutFromParams(new URLSearchParams(''))).toEqual({ tabs: [], active: null });
  });
});
