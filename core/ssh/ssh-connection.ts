import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import type { Duplex, Readable, Writable } from 'node:stream';
import { OutpostError } from '../contract/errors.js';
import type { TerminalSession } from '../exec/terminal-session.js';
import { presentedKey, type PresentedHostKey } from './known-hosts-store.js';
import { endpointLabel, targetLabel, type SshEndpoint, type SshTarget } from './ssh-target.js';

/** Decides about a host key during key exchange; throws HOST_KEY_UNKNOWN / HOST_KEY_CHANGED to refuse. */
export interface HostKeyPolicy {
  verify(key: PresentedHostKey): Promise<void>;
  /** Key types to offer first for this host (the ones it is known by). */
  preferredKeyTypes(host: string, port: number): Promise<string[]>;
}

export interface SshConnectOptions {
  hostKeys: HostKeyPolicy;
  /** Key exchange + authentication, per hop. */
  readyTimeoutMs?: number;
  /** 0 disables; a dead peer is noticed after 3 missed replies. */
  keepAliveIntervalMs?: number;
  /** ssh2's protocol trace, per hop (diagnostics and tests; it never carries a secret, only packet names). */
  debug?: (line: string) => void;
}

export interface ExecOptions {
  timeoutMs?: number;
  /** Written to the command's stdin, then EOF. */
  input?: string | Buffer;
  /** Output beyond this many bytes per stream is dropped (and flagged), so a flood cannot exhaust memory. */
  maxOutputBytes?: number;
  signal?: AbortSignal;
  /** Called with output as it arrives (a CLI streams it; a results table shows progress). */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** false: only stream, keep nothing (the result's stdout/stderr stay empty). */
  keepOutput?: boolean;
  /**
   * Streams the output into these (the CLI's own stdout and stderr) with backpressure: while a
   * sink's buffer is full the channel is paused, so ssh2 stops widening the SSH window and sshd
   * stops sending; memory stays bounded whatever the output size and the reader's speed. A sink
   * that fails (EPIPE: the reader went away) stops the command: CANCELLED with details.sink.
   */
  stdoutSink?: Writable;
  stderrSink?: Writable;
}

export interface ExecResult {
  /** The remote exit status; null when the command died by a signal (see `signal`). */
  exitCode: number | null;
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
  truncated: boolean;
  durationMs: number;
}

export interface TransferProgress {
  transferred: number;
  total: number;
}

const RSA_ALGORITHMS = ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
/** ssh2's default host-key algorithms (Node 20 has Ed25519); reordered per host below. */
const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', ...RSA_ALGORITHMS];
const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;

/** Maps what ssh2 reports to the contract's codes, with what the operator can do next. */
function connectError(err: Error & { level?: string; code?: string }, hop: SshEndpoint): OutpostError {
  const where = endpointLabel(hop);
  if (err.level === 'client-authentication') {
    return new OutpostError('SSH_AUTH', `${where} refused the credentials (${hop.auth.type}). Check the user name and the password or key.`, { host: hop.host, port: hop.port });
  }
  if (err.level === 'client-timeout' || /Timed out/i.test(err.message)) {
    return new OutpostError('TIMEOUT', `${where} did not complete the SSH handshake in time. Check that an SSH server answers on that port.`, { host: hop.host, port: hop.port });
  }
  if (/passphrase|Encrypted private|Cannot parse privateKey|Unsupported key format/i.test(err.message)) {
    return new OutpostError('SSH_AUTH', `The private key for ${where} cannot be used: ${err.message.replace(/privateKey/, 'private key')}. Check the key file and its passphrase.`);
  }
  const code = err.code ? ` (${err.code})` : '';
  return new OutpostError('UNREACHABLE', `Cannot reach ${where}${code}: ${err.message}. Check the address, the port and any firewall between.`, { host: hop.host, port: hop.port });
}

async function connectHop(hop: SshEndpoint, options: SshConnectOptions, sock?: Duplex): Promise<Client> {
  // Known key types first (an exact list: ssh2's "prepend" does not move algorithms it already offers).
  const preferred = (await options.hostKeys.preferredKeyTypes(hop.host, hop.port))
    .flatMap((t) => (t === 'ssh-rsa' ? RSA_ALGORITHMS : [t]))
    .filter((a) => HOST_KEY_ALGORITHMS.includes(a));
  return new Promise((resolve, reject) => {
    const client = new Client();
    let hostKeyError: OutpostError | null = null;
    let settled = false;
    const config: ConnectConfig = {
      host: hop.host,
      port: hop.port,
      username: hop.user,
      readyTimeout: options.readyTimeoutMs ?? 15_000,
      keepaliveInterval: options.keepAliveIntervalMs ?? 15_000,
      keepaliveCountMax: 3,
      // Runs during key exchange: answering false ends the connection before any credential is sent.
      hostVerifier: (key: Buffer, answer: (valid: boolean) => void) => {
        options.hostKeys.verify(presentedKey(hop.host, hop.port, key)).then(
          () => answer(true),
          (err: unknown) => {
            hostKeyError = err instanceof OutpostError ? err : new OutpostError('INTERNAL', String(err));
            answer(false);
          },
        );
      },
      ...(preferred.length ? { algorithms: { serverHostKey: [...new Set([...preferred, ...HOST_KEY_ALGORITHMS])] } as ConnectConfig['algorithms'] } : {}),
      ...(sock ? { sock } : {}),
      ...(options.debug ? { debug: options.debug } : {}),
    };
    switch (hop.auth.type) {
      case 'password':
        config.password = hop.auth.password;
        config.authHandler = ['password'];
        break;
      case 'private-key':
        config.privateKey = hop.auth.privateKey;
        if (hop.auth.passphrase !== undefined) config.passphrase = hop.auth.passphrase;
        config.authHandler = ['publickey'];
        break;
      case 'keyboard-interactive': {
        const answer = hop.auth.password;
        config.tryKeyboard = true;
        config.authHandler = ['keyboard-interactive'];
        client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => answer)));
        break;
      }
      case 'agent': {
        const socket = hop.auth.socket ?? process.env.SSH_AUTH_SOCK;
        if (!socket) {
          reject(new OutpostError('SSH_AUTH', `No ssh-agent for ${endpointLabel(hop)}: SSH_AUTH_SOCK is not set. Start an agent or use a key or password.`));
          return;
        }
        config.agent = socket;
        config.authHandler = ['agent'];
        break;
      }
    }
    client.once('ready', () => {
      settled = true;
      // Small request/response packets (exec, pty keystrokes) must not wait for Nagle + delayed ACK (~40-100 ms each).
      client.setNoDelay(true);
      resolve(client);
    });
    client.on('error', (err: Error & { level?: string }) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(hostKeyError ?? connectError(err, hop));
    });
    client.once('close', () => {
      if (settled) return;
      settled = true;
      reject(hostKeyError ?? new OutpostError('UNREACHABLE', `${endpointLabel(hop)} closed the connection during the handshake.`));
    });
    try {
      client.connect(config);
      // From the first packet, not only after 'ready': the handshake writes small packets back to
      // back (NEWKEYS then SERVICE_REQUEST), and with Nagle the second waits for the server's
      // delayed ACK, 40 ms per connection (a fan-out to 200 hosts pays it 200 times).
      client.setNoDelay(true);
    } catch (err) {
      settled = true;
      reject(connectError(err as Error, hop));
    }
  });
}

/**
 * One authenticated SSH connection (through any jump hosts). Each hop's host key is verified
 * against the policy before that hop authenticates; closing the connection closes the chain.
 */
export class SshConnection {
  private closed = false;
  private readonly closeListeners = new Set<(err: Error | null) => void>();

  private constructor(
    readonly target: SshTarget,
    private readonly clients: Client[],
  ) {
    const last = clients[clients.length - 1]!;
    last.on('close', () => this.markClosed(null));
    last.on('error', (err) => this.markClosed(err));
  }

  static async open(target: SshTarget, options: SshConnectOptions): Promise<SshConnection> {
    const hops = [...(target.jumps ?? []), target];
    const clients: Client[] = [];
    try {
      let sock: Duplex | undefined;
      for (let i = 0; i < hops.length; i++) {
        const hop = hops[i]!;
        const client = await connectHop(hop, options, sock);
        clients.push(client);
        const next = hops[i + 1];
        if (next) sock = await forward(client, hop, next);
      }
    } catch (err) {
      for (const c of clients.reverse()) c.end();
      throw err;
    }
    return new SshConnection(target, clients);
  }

  /**
   * The last hop of `target` over a stream the caller already has (a forward through a pooled jump
   * connection, see `forwardTo`): its host key is checked and it authenticates exactly as in `open`.
   * Closing the result leaves the stream's jump connection to its owner.
   */
  static async openOver(target: SshTarget, sock: Duplex, options: SshConnectOptions): Promise<SshConnection> {
    return new SshConnection(target, [await connectHop(target, options, sock)]);
  }

  /** A TCP stream from this connection's far end to `to` (this connection used as a jump host). */
  forwardTo(to: SshEndpoint): Promise<Duplex> {
    if (this.closed) return Promise.reject(new OutpostError('UNREACHABLE', `The connection to ${this.label} is closed.`));
    return forward(this.client, this.target, to);
  }

  get label(): string {
    return targetLabel(this.target);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  onClose(listener: (err: Error | null) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  private get client(): Client {
    return this.clients[this.clients.length - 1]!;
  }

  private markClosed(err: Error | null): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closeListeners) l(err);
    this.close();
  }

  /** Runs one command (the remote user's shell parses it) and collects its output and exit status. */
  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const started = performance.now();
    const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new OutpostError('UNREACHABLE', `The connection to ${this.label} is closed.`));
        return;
      }
      this.client.exec(command, (err, channel) => {
        if (err) {
          reject(new OutpostError('UNREACHABLE', `${this.label} refused to run a command: ${err.message}.`));
          return;
        }
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let outBytes = 0;
        let errBytes = 0;
        let truncated = false;
        let exitCode: number | null = null;
        let exitSignal: string | null = null;
        let done = false;
        const finish = (error: OutpostError | null): void => {
          if (done) return;
          done = true;
          if (timer) clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          const result: ExecResult = {
            exitCode,
            signal: exitSignal,
            stdout: Buffer.concat(out),
            stderr: Buffer.concat(errOut),
            truncated,
            durationMs: performance.now() - started,
          };
          if (error) reject(error);
          else resolve(result);
        };
        const stop = (error: OutpostError): void => {
          killRemote(channel);
          channel.close();
          finish(error);
        };
        const onAbort = (): void => stop(new OutpostError('CANCELLED', `The command on ${this.label} was cancelled.`));
        options.signal?.addEventListener('abort', onAbort, { once: true });
        const timer = options.timeoutMs
          ? setTimeout(() => {
              const soFar = Buffer.concat(out).toString('utf8');
              stop(
                new OutpostError('TIMEOUT', `The command on ${this.label} did not finish within ${options.timeoutMs} ms; it was stopped.`, {
                  stdoutSoFar: soFar.slice(-4096),
                  stderrSoFar: Buffer.concat(errOut).toString('utf8').slice(-4096),
                }),
              );
            }, options.timeoutMs)
          : null;
        const keep = options.keepOutput ?? true;
        const sinkFailed = (which: 'stdout' | 'stderr') => (err: Error & { code?: string }) =>
          stop(new OutpostError('CANCELLED', `Writing the output of the command on ${this.label} failed (${err.code ?? err.message}); the command was stopped.`, { sink: which, cause: err.code ?? null }));
        const detach = [
          ...(options.stdoutSink ? [pump(channel, options.stdoutSink, sinkFailed('stdout'))] : []),
          ...(options.stderrSink ? [pump(channel.stderr, options.stderrSink, sinkFailed('stderr'))] : []),
        ];
        channel.on('data', (chunk: Buffer) => {
          options.onStdout?.(chunk);
          if (!keep) return;
          if (outBytes + chunk.length > max) truncated = true;
          else out.push(chunk);
          outBytes += chunk.length;
        });
        channel.stderr.on('data', (chunk: Buffer) => {
          options.onStderr?.(chunk);
          if (!keep) return;
          if (errBytes + chunk.length > max) truncated = true;
          else errOut.push(chunk);
          errBytes += chunk.length;
        });
        channel.on('exit', (code: number | null, signalName?: string) => {
          exitCode = typeof code === 'number' ? code : null;
          exitSignal = signalName ?? null;
        });
        channel.on('close', () => {
          for (const d of detach) d();
          finish(null);
        });
        if (options.input !== undefined) channel.end(options.input);
        else channel.end();
      });
    });
  }

  /** A login shell on a pty. */
  shell(size: { cols: number; rows: number; term?: string } = { cols: 80, rows: 24 }): Promise<TerminalSession> {
    return new Promise((resolve, reject) => {
      this.client.shell({ term: size.term ?? 'xterm-256color', cols: size.cols, rows: size.rows }, (err, channel) => {
        if (err) reject(new OutpostError('UNREACHABLE', `${this.label} refused a shell: ${err.message}.`));
        else resolve(new SshShellSession(this.label, channel));
      });
    });
  }

  private sftp(): Promise<SFTPWrapper> {
    return new Promise((resolve, reject) =>
      this.client.sftp((err, sftp) => (err ? reject(new OutpostError('UNREACHABLE', `${this.label} refused SFTP: ${err.message}. Is the sftp subsystem enabled?`)) : resolve(sftp))),
    );
  }

  /** One SFTP session for `use` (streams, renames, modes), ended afterwards. */
  async withSftp<T>(use: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    const sftp = await this.sftp();
    try {
      return await use(sftp);
    } finally {
      sftp.end();
    }
  }

  async upload(localPath: string, remotePath: string, onProgress?: (p: TransferProgress) => void): Promise<void> {
    const sftp = await this.sftp();
    try {
      await new Promise<void>((resolve, reject) =>
        sftp.fastPut(localPath, remotePath, { step: (transferred, _chunk, total) => onProgress?.({ transferred, total }) }, (err) =>
          err ? reject(new OutpostError('UNREACHABLE', `Upload of ${localPath} to ${this.label}:${remotePath} failed: ${err.message}.`)) : resolve(),
        ),
      );
    } finally {
      sftp.end();
    }
  }

  async download(remotePath: string, localPath: string, onProgress?: (p: TransferProgress) => void): Promise<void> {
    const sftp = await this.sftp();
    try {
      await new Promise<void>((resolve, reject) =>
        sftp.fastGet(remotePath, localPath, { step: (transferred, _chunk, total) => onProgress?.({ transferred, total }) }, (err) =>
          err ? reject(new OutpostError('UNREACHABLE', `Download of ${this.label}:${remotePath} failed: ${err.message}.`)) : resolve(),
        ),
      );
    } finally {
      sftp.end();
    }
  }

  /** Ends the connection and every jump hop (innermost first). */
  close(): void {
    this.closed = true;
    for (const c of [...this.clients].reverse()) c.end();
  }
}

/**
 * Copies `from` into `to`, pausing `from` while `to` is full (write() returned false) until it
 * drains. Returns the detach function. Unlike pipe(), the sink stays open at the end (it is the
 * process's stdout) and a sink error goes to `onError` only.
 */
function pump(from: Readable, to: Writable, onError: (err: Error) => void): () => void {
  let failed = false;
  const onDrain = (): void => {
    if (!failed) from.resume();
  };
  const onData = (chunk: Buffer): void => {
    if (failed) return;
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', onDrain);
    }
  };
  const onSinkError = (err: Error): void => {
    if (failed) return;
    failed = true;
    onError(err);
  };
  from.on('data', onData);
  to.on('error', onSinkError);
  return () => {
    from.off('data', onData);
    to.off('error', onSinkError);
    to.off('drain', onDrain);
  };
}

function forward(client: Client, from: SshEndpoint, to: SshEndpoint): Promise<Duplex> {
  return new Promise((resolve, reject) =>
    client.forwardOut('127.0.0.1', 0, to.host, to.port, (err, stream) =>
      err
        ? reject(new OutpostError('UNREACHABLE', `Jump host ${endpointLabel(from)} cannot reach ${to.host}:${to.port}: ${err.message}. Check AllowTcpForwarding on the jump host and the address.`))
        : resolve(stream),
    ),
  );
}

/**
 * Asks sshd to SIGKILL the command's process group (RFC 4254 "signal"). ssh2's own
 * `channel.signal()` sends nothing once stdin is closed (every exec closes it at once), although
 * the RFC allows requests after EOF; so the request goes straight to the channel's protocol then.
 * sshd refuses signals to root sessions (they run without privilege separation): there the
 * command runs on until it ends by itself (core/ssh/ssh-connection.test.ts proves the kill for an
 * ordinary account).
 */
function killRemote(channel: ClientChannel): void {
  const raw = channel as unknown as {
    type?: string;
    outgoing?: { id?: number; state?: string };
    _client?: { _protocol?: { signal?: (id: number, name: string) => void } };
  };
  try {
    if (channel.writable) channel.signal('KILL');
    // After our EOF ssh2 marks the channel 'eof'; requests may still be sent until it closes.
    else if (raw.type === 'session' && (raw.outgoing?.state === 'open' || raw.outgoing?.state === 'eof') && typeof raw.outgoing.id === 'number') {
      raw._client?._protocol?.signal?.(raw.outgoing.id, 'KILL');
    }
  } catch {
    // a channel already closing takes no requests
  }
}

/** A pty shell channel as a TerminalSession. */
class SshShellSession implements TerminalSession {
  private closed = false;

  constructor(
    readonly title: string,
    private readonly channel: ClientChannel,
  ) {}

  write(data: string | Buffer): void {
    if (!this.closed) this.channel.write(data);
  }

  resize(cols: number, rows: number): void {
    if (!this.closed) this.channel.setWindow(rows, cols, 0, 0);
  }

  kill(): void {
    if (this.closed) return;
    this.closed = true;
    this.channel.close();
  }

  pause(): void {
    this.channel.pause();
  }

  resume(): void {
    this.channel.resume();
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    this.channel.on('data', listener);
    this.channel.stderr.on('data', listener);
    return () => {
      this.channel.off('data', listener);
      this.channel.stderr.off('data', listener);
    };
  }

  onClose(listener: (reason: { exitCode: number | null; signal: string | null }) => void): () => void {
    let exitCode: number | null = null;
    let signal: string | null = null;
    const onExit = (code: number | null, sig?: string): void => {
      exitCode = typeof code === 'number' ? code : null;
      signal = sig ?? null;
    };
    const onClose = (): void => {
      this.closed = true;
      listener({ exitCode, signal });
    };
    this.channel.on('exit', onExit);
    this.channel.once('close', onClose);
    return () => {
      this.channel.off('exit', onExit);
      this.channel.off('close', onClose);
    };
  }
}
