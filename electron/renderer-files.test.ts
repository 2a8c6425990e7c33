import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentTypeFor, resolveRendererFile } from './renderer-files.js';

const root = resolve('/srv/outpost/dist/renderer');

describe('resolveRendererFile', () => {
  it('maps the origin root and index.html to index.html', () => {
    for (const url of ['app://outpost/', 'app://outpost', 'app://outpost/index.html', 'app://outpost/index.html?x=1#/inventory']) {
      expect(resolveRendererFile(root, url)).toMatchObject({ kind: 'file', file: join(root, 'index.html'), contentType: 'text/html; charset=utf-8' });
    }
  });

  it('serves assets with their content type', () => {
    expect(resolveRendererFile(root, 'app://outpost/assets/index-abc123.js')).toEqual({
      kind: 'file',
      file: join(root, 'assets', 'index-abc123.js'),
      contentType: 'text/javascript; charset=utf-8',
      fallbackToIndex: false,
    });
    expect(resolveRendererFile(root, 'app://outpost/assets/app.CSS')).toMatchObject({ contentType: 'text/css; charset=utf-8' });
    expect(resolveRendererFile(root, 'app://outpost/assets/font%20name.woff2')).toMatchObject({ file: join(root, 'assets', 'font name.woff2') });
  });

  it('falls back to index.html for client-side routes (no extension)', () => {
    expect(resolveRendererFile(root, 'app://outpost/inventory/vms')).toMatchObject({ kind: 'file', file: join(root, 'index.html'), fallbackToIndex: true });
  });

  it.each([
    ['app://outpost/../../etc/passwd', 'file'],
    ['app://outpost/%2e%2e/%2e%2e/etc/passwd', 'file'],
    ['app://outpost/assets/%2e%2e%2fx.js', 403],
    ['app://outpost/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd', 403],
    ['app://outpost/..%5c..%5cwindows%5cwin.ini', 400],
    ['app://outpost/a%00.js', 400],
    ['app://outpost/%E0%A4%A', 400],
    ['app://other/index.html', 403],
    ['file:///etc/passwd', 403],
    ['https://outpost/index.html', 403],
    ['not a url', 400],
  ] as const)('never leaves the renderer folder: %s', (url, expected) => {
    const lookup = resolveRendererFile(root, url);
    if (expected === 'file') {
      // The URL parser already collapsed the dots: whatever it names is inside root.
      expect(lookup.kind).toBe('file');
      if (lookup.kind === 'file') expect(lookup.file.startsWith(root)).toBe(true);
    } else {
      expect(lookup).toMatchObject({ kind: 'rejected', status: expected });
    }
  });

  it('refuses a Windows drive path hidden in a segment', () => {
    const lookup = resolveRendererFile(root, 'app://outpost/C:/Windows/win.ini');
    if (lookup.kind === 'file') expect(lookup.file.startsWith(root)).toBe(true);
    else expect(lookup.status).toBe(403);
  });
});

describe('contentTypeFor', () => {
  it('defaults to octet-stream so nosniff never runs unknown bytes as script', () => {
    expect(contentTypeFor('/x/blob.bin')).toBe('application/octet-stream');
    expect(contentTypeFor('/x/icon.svg')).toBe('image/svg+xml');
  });
});
