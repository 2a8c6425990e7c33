import { act, fireEvent, render, screen, cleanup } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { SFTP_CHUNK_BYTES, createClient } from '../../../../core/contract';
import { createFakeBridge } from '../../../testing/fake-bridge';
import { FilesPane } from './FilesPane';

afterEach(() => cleanup());

const ok = (value: unknown) => ({ ok: true as const, value });
const MiB = 1024 * 1024;
const entry = (name: string, type: 'file' | 'dir', size = 0) => ({ name, type, size, mtime: '2026-12-06T10:00:00.000Z', mode: 0o644 });

const listing = (input: unknown) => {
  const { path } = input as { path: string };
  const real = path === '~' ? '/home/op' : path;
  return ok({ path: real, entries: real === '/home/op' ? [entry('logs', 'dir'), entry('a.txt', 'file', 5)] : [entry('x.log', 'file', 10)] });
};

async function show(bridge: ReturnType<typeof createFakeBridge>): Promise<void> {
  await act(async () => {
    render(<FilesPane terminal={7} client={createClient(bridge)} onClose={() => undefined} />);
  });
}

const commands = (bridge: ReturnType<typeof createFakeBridge>) => bridge.calls.map((c) => c.command).filter((c) => c.startsWith('sftp.'));

describe('Files pane beside an SSH terminal (component, FAKE bridge)', () => {
  it("browses: the login folder first, into a folder, Up, and a typed path, all on the terminal's connection", async () => {
    const bridge = createFakeBridge({ 'sftp.list': listing });
    await show(bridge);
    expect(screen.getByLabelText('Remote path')).toHaveProperty('value', '/home/op');
    expect(screen.getAllByTestId('files-entry').map((r) => r.textContent)).toEqual([expect.stringContaining('logs/'), expect.stringContaining('a.txt5 B')]);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'logs/' }));
    });
    expect(bridge.calls.at(-1)).toEqual({ command: 'sftp.list', input: { terminal: 7, path: '/home/op/logs' } });
    expect(screen.getByText('x.log')).toBeTruthy();
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Up' }));
    });
    expect(bridge.calls.at(-1)).toEqual({ command: 'sftp.list', input: { terminal: 7, path: '/home/op' } });
    fireEvent.change(screen.getByLabelText('Remote path'), { target: { value: '/etc' } });
    await act(async () => {
      fireEvent.submit(screen.getByLabelText('Remote path'));
    });
    expect(bridge.calls.at(-1)).toEqual({ command: 'sftp.list', input: { terminal: 7, path: '/etc' } });
  });

  it('sorts by a header (size: folders last), and Enter on a folder\'s row opens it while Enter on a file\'s row does nothing', async () => {
    const bridge = createFakeBridge({ 'sftp.list': listing });
    await show(bridge);
    const names = (): string[] => screen.getAllByTestId('files-entry').map((r) => r.getAttribute('data-type') ?? '');
    fireEvent.click(screen.getByRole('button', { name: 'Size' }));
    expect(names()).toEqual(['file', 'dir']);
    const [file, dir] = screen.getAllByTestId('files-entry');
    const lists = (): number => bridge.calls.filter((c) => c.command === 'sftp.list').length;
    const before = lists();
    fireEvent.keyDown(file!, { key: 'Enter' });
    expect(lists()).toBe(before);
    await act(async () => {
      fireEvent.keyDown(dir!, { key: 'Enter' });
    });
    expect(bridge.calls.at(-1)).toEqual({ command: 'sftp.list', input: { terminal: 7, path: '/home/op/logs' } });
  });

  it('uploads a file in SFTP_CHUNK_BYTES chunks with in-order offsets, then finishes and lists the folder again', async () => {
    const chunks: { offset: number; bytes: number }[] = [];
    const bridge = createFakeBridge({
      'sftp.list': listing,
      'sftp.upload.begin': () => ok({ transfer: 3, path: '/home/op/big.bin' }),
      'sftp.upload.chunk': (input) => {
        const { offset, data } = input as { offset: number; data: string };
        const bytes = atob(data).length;
        chunks.push({ offset, bytes });
        return ok({ written: offset + bytes });
      },
      'sftp.upload.finish': () => ok({ path: '/home/op/big.bin', bytes: 2 * MiB + 10 }),
    });
    await show(bridge);
    const file = new File([new Uint8Array(2 * MiB + 10).fill(7)], 'big.bin');
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Upload files'), { target: { files: [file] } });
    });
    await screen.findByText(/Uploaded 1 file\(s\), 2.0 MiB/);
    expect(bridge.calls.find((c) => c.command === 'sftp.upload.begin')!.input).toEqual({ terminal: 7, folder: '/home/op', name: 'big.bin', size: 2 * MiB + 10 });
    const C = SFTP_CHUNK_BYTES;
    expect(chunks).toEqual([...Array.from({ length: (2 * MiB) / C }, (_, i) => ({ offset: i * C, bytes: C })), { offset: 2 * MiB, bytes: 10 }]);
    expect(commands(bridge).slice(-2)).toEqual(['sftp.upload.finish', 'sftp.list']);
  });

  it('Cancel during an upload stops sending, tells the core to drop the partial and never finishes', async () => {
    let release: () => void = () => undefined;
    const bridge = createFakeBridge({
      'sftp.list': listing,
      'sftp.upload.begin': () => ok({ transfer: 4, path: '/home/op/c.bin' }),
      'sftp.upload.chunk': (input) =>
        new Promise((resolve) => {
          release = () => resolve(ok({ written: (input as { offset: number }).offset + SFTP_CHUNK_BYTES }));
        }),
      'sftp.upload.cancel': () => ok({ cancelled: true }),
    });
    await show(bridge);
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Upload files'), { target: { files: [new File([new Uint8Array(3 * MiB)], 'c.bin')] } });
    });
    expect((await screen.findByTestId('files-transfer')).textContent).toContain('Uploading c.bin');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await act(async () => release());
    await screen.findByText(/Upload cancelled; c.bin was not kept/);
    expect(commands(bridge).filter((c) => c.startsWith('sftp.upload'))).toEqual(['sftp.upload.begin', 'sftp.upload.chunk', 'sftp.upload.cancel']);
    expect(screen.queryByTestId('files-transfer')).toBeNull();
  });

  it('SFTP_REFUSED is shown with its code and message; no chunk is sent', async () => {
    const bridge = createFakeBridge({
      'sftp.list': listing,
      'sftp.upload.begin': () => ({ ok: false as const, error: { code: 'SFTP_REFUSED', message: 'Cannot write /home/op/x: permission denied. Pick a folder this user may write.' } }),
    });
    await show(bridge);
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Upload files'), { target: { files: [new File(['hi'], 'x')] } });
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('SFTP_REFUSED');
    expect(alert.textContent).toContain('permission denied');
    expect(commands(bridge)).not.toContain('sftp.upload.chunk');
  });

  it('downloads a file chunk by chunk into one Blob of the right size', async () => {
    const saved: Blob[] = [];
    const create = URL.createObjectURL;
    URL.createObjectURL = (b: Blob) => (saved.push(b), 'blob:fake');
    URL.revokeObjectURL = () => undefined;
    const bridge = createFakeBridge({
      'sftp.list': listing,
      'sftp.read': (input) => {
        const { offset } = input as { offset: number };
        return ok(offset === 0 ? { data: btoa('hel'), size: 5, eof: false } : { data: btoa('lo'), size: 5, eof: true });
      },
    });
    await show(bridge);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Download a.txt' }));
    });
    await screen.findByText(/Downloaded a.txt \(5 B\)/);
    URL.createObjectURL = create;
    expect(await saved[0]!.text()).toBe('hello');
    expect(bridge.calls.filter((c) => c.command === 'sftp.read').map((c) => c.input)).toEqual([
      { terminal: 7, path: '/home/op/a.txt', offset: 0, length: SFTP_CHUNK_BYTES },
      { terminal: 7, path: '/home/op/a.txt', offset: 3, length: SFTP_CHUNK_BYTES },
    ]);
  });
  it('Cancel while a folder is being copied tells the core to stop and remove its copy; nothing is saved', async () => {
    let polls = 0;
    const bridge = createFakeBridge({
      'sftp.list': listing,
      'sftp.download.begin': () => ok({ transfer: 9, path: '/home/op/logs', name: 'logs' }),
      'sftp.download.status': () => (polls++, ok({ state: 'copying', transferred: 100 * polls, total: 1000, file: '/home/op/logs/x.log', files: 0, size: 0 })),
      'sftp.download.end': () => ok({ cancelled: true }),
    });
    await show(bridge);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Download logs' }));
    });
    expect((await screen.findByTestId('files-transfer')).textContent).toContain('Downloading logs/: 100 B / 1000 B');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await screen.findByText(/Download cancelled; nothing was saved and the copy was removed/, undefined, { timeout: 2000 });
    expect(commands(bridge).filter((c) => c.startsWith('sftp.download'))).toEqual(['sftp.download.begin', 'sftp.download.status', 'sftp.download.status', 'sftp.download.end']);
    expect(bridge.calls.find((c) => c.command === 'sftp.download.end')!.input).toEqual({ transfer: 9 });
  });
});
