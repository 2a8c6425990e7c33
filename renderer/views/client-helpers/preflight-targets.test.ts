import { describe, expect, it } from 'vitest';
import { CONTROLLER_PORTS, parseTargets, targetsText, withControllerPreset } from './preflight-targets';

describe('preflight targets', () => {
  it('reads HOST:PORT by lines, spaces or commas, IPv6 in brackets, repeats once, and names bad words by line', () => {
    expect(parseTargets('a.example:22, 10.0.0.1:443\n[2001:db8::1]:8080 # comment\nA.example:22')).toEqual({
      targets: [
        { host: 'a.example', port: 22 },
        { host: '10.0.0.1', port: 443 },
        { host: '2001:db8::1', port: 8080 },
      ],
      problems: [],
    });
    expect(parseTargets('ok:1\nnoport\nx:70000').problems).toEqual(['Line 2: “noport” is not HOST:PORT (port 1–65535).', 'Line 3: “x:70000” is not HOST:PORT (port 1–65535).']);
  });

  it('adds the controller ports that are missing, and writes targets back as text', () => {
    const text = withControllerPreset('ctl:22\nother:1', 'ctl');
    expect(parseTargets(text).targets.filter((t) => t.host === 'ctl').map((t) => t.port)).toEqual([...CONTROLLER_PORTS]);
    expect(withControllerPreset(text, 'ctl')).toBe(text);
    expect(targetsText([{ host: '::1', port: 22 }, { host: 'h', port: 5000 }])).toBe('[::1]:22\nh:5000');
  });
});
