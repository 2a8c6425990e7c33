import { describe, expect, it } from 'vitest';
import { checkSender, isTrustedSender, type SenderInfo } from './sender-check.js';

const ours = new Set([7]);
const good: SenderInfo = { webContentsId: 7, ourWebContentsIds: ours, isMainFrame: true, frameUrl: 'app://outpost/index.html' };

describe('checkSender', () => {
  it('trusts the main frame of our window on the app origin', () => {
    expect(checkSender(good)).toEqual({ trusted: true });
    expect(isTrustedSender({ ...good, frameUrl: 'app://outpost/' })).toBe(true);
    expect(isTrustedSender({ ...good, frameUrl: 'app://outpost/settings?x=1#y' })).toBe(true);
  });

  it('refuses a WebContents that is not one of our windows', () => {
    expect(checkSender({ ...good, webContentsId: 8 })).toEqual({ trusted: false, reason: 'sender is not an Outpost window' });
    expect(isTrustedSender({ ...good, ourWebContentsIds: new Set() })).toBe(false);
  });

  it('refuses an iframe even on our origin', () => {
    expect(checkSender({ ...good, isMainFrame: false })).toEqual({ trusted: false, reason: 'sender is not the main frame' });
  });

  it.each([
    undefined,
    '',
    'about:blank',
    'file:///work/main/dist/renderer/index.html',
    'https://outpost/index.html',
    'http://127.0.0.1:5173/',
    'app://evil/index.html',
    'app://outpost.evil/index.html',
    'app://user:pw@outpost/index.html',
    'devtools://devtools/bundled/inspector.html',
    'not a url',
  ])('refuses frame URL %s', (frameUrl) => {
    expect(checkSender({ ...good, frameUrl })).toEqual({ trusted: false, reason: 'sender frame is not on the app origin' });
  });
});
