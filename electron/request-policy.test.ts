import { describe, expect, it } from 'vitest';
import { isAllowedRendererRequest } from './request-policy.js';

describe('isAllowedRendererRequest', () => {
  it.each(['app://outpost/index.html', 'app://outpost/assets/x.js', 'data:image/png;base64,AAAA', 'devtools://devtools/bundled/inspector.html'])(
    'allows %s',
    (url) => expect(isAllowedRendererRequest(url)).toBe(true),
  );

  it.each([
    'https://vcenter.example.test/sdk',
    'http://127.0.0.1:8080/',
    'ws://127.0.0.1:1234/ws',
    'file:///etc/passwd',
    'app://elsewhere/x.js',
    'chrome-extension://abc/x.js',
    'blob:app://outpost/123',
    '',
  ])('blocks %s', (url) => expect(isAllowedRendererRequest(url)).toBe(false));
});
