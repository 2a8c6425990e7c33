import { beforeEach, describe, expect, it } from 'vitest';
import { hostSocketUrl, takeHostToken } from './host-token';

beforeEach(() => {
  window.sessionStorage.clear();
  window.history.replaceState(null, '', '/');
});

describe('host token', () => {
  it('takes the token from the fragment, remembers it and removes it from the URL', () => {
    window.history.replaceState(null, '', '/?x=1#token=abc-123');
    expect(takeHostToken(window.location, window.history, window.sessionStorage)).toBe('abc-123');
    expect(window.location.hash).toBe('');
    expect(window.location.search).toBe('?x=1');
    // A reload: no fragment any more, the remembered token is used.
    expect(takeHostToken(window.location, window.history, window.sessionStorage)).toBe('abc-123');
  });

  it('prefers a new token in the URL over a remembered one, and has none on a bare page', () => {
    expect(takeHostToken(window.location, window.history, window.sessionStorage)).toBeNull();
    window.sessionStorage.setItem('outpost.hostToken', 'old');
    window.history.replaceState(null, '', '/#token=new');
    expect(takeHostToken(window.location, window.history, window.sessionStorage)).toBe('new');
  });

  it('builds the socket URL on the page origin', () => {
    const location = { protocol: 'http:', host: '127.0.0.1:4711' } as Location;
    expect(hostSocketUrl(location, 'a b')).toBe('ws://127.0.0.1:4711/ws?token=a%20b');
  });
});
