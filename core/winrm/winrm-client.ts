import http from 'node:http';
import https from 'node:https';
import { OutpostError } from '../contract/errors.js';
import { authenticate, authenticateMessage, negotiateMessage, NtlmFlags, parseChallengeMessage, type ChallengeMessage } from './ntlm.js';
import { NtlmSecurityContext } from './ntlm-session.js';
import { decodeEncryptedBody, encodeEncryptedBody, isEncryptedContentType } from './wsman-encryption.js';
import { commandMessage, createShellMessage, deleteShellMessage, powerShellCommandLine, receiveMessage, signalMessage } from './wsman-messages.js';
import { commandIdOf, faultError, faultOf, parseEnvelope, receiveChunkOf, shellIdOf, WSMAN_TIMED_OUT } from './wsman-response.js';

export interface WinrmOptions {
  /** http(s)://host:5985|5986/wsman */
  url: string;
  /** "user", "DOMAIN\\user" or "user@domain". */
  user: string;
  password: string;
  auth?: 'basic' | 'ntlm';
  /** Seconds a Receive may wait for output before the server says "no output yet" (then we ask again). */
  operationTimeoutS?: number;
  /** HTTPS: CA certificate(s) to trust for this endpoint (PEM); they replace Node's defaults (see core/trust/ca-bundle.ts). */
  ca?: string | string[];
  /** HTTPS: accept any certificate. Only for lab endpoints; the operator must ask for it. */
  insecureTls?: boolean;
  codePage?: number;
  /**
   * NTLM message encryption (sealing, MS-WSMV 2.2.9.1.1). `auto` (default): on for NTLM over HTTP,
   * which a default Windows listener (AllowUnencrypted=false) requires; off over HTTPS, where TLS
   * protects the messages. `always`: also over HTTPS. `never`: plain bodies (AllowUnencrypted=true).
   */
  encryption?: 'auto' | 'always' | 'never';
}

export interface WinrmRunOptions {
  /** The whole command, Create to Delete; past it the command is terminated and TIMEOUT thrown with what arrived. */
  timeoutMs?: number;
  maxOutputBytes?: number;
}

export interface WinrmResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** How many Receive round trips the output took. */
  receives: number;
}

interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const SOAP_TYPE = 'application/soap+xml;charset=UTF-8';

/**
 * A WinRM (WS-Management) shell client: Create shell → Command → Receive until Done → Signal
 * terminate → Delete shell, with Basic or NTLMv2 authentication over HTTP or HTTPS; NTLM over HTTP
 * seals every message (MS-WSMV message encryption) unless `encryption: 'never'`.
 */
export class WinrmClient {
  private readonly agent: http.Agent;
  private readonly url: URL;
  private readonly where: string;
  /** Whether SOAP bodies travel sealed (NTLM message encryption). */
  readonly encrypted: boolean;
  /** The NTLM security context of the kept-alive connection, while it lasts. */
  private security: NtlmSecurityContext | null = null;
  /** Sealed exchanges run one at a time: the RC4 states and sequence numbers follow message order. */
  private sealedQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: WinrmOptions) {
    try {
      this.url = new URL(o.url);
    } catch {
      throw new OutpostError('VALIDATION', `"${o.url}" is not a URL; give it as http://host:5985/wsman or https://host:5986/wsman.`);
    }
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') throw new OutpostError('VALIDATION', `WinRM URLs are http:// or https://, not ${this.url.protocol}`);
    this.where = `WinRM ${this.url.host}`;
    const auth = o.auth ?? 'basic';
    const encryption = o.encryption ?? 'auto';
    if (encryption === 'always' && auth !== 'ntlm') throw new OutpostError('VALIDATION', 'WinRM message encryption needs NTLM authentication; Basic cannot encrypt (use HTTPS).');
    this.encrypted = auth === 'ntlm' && (encryption === 'always' || (encryption === 'auto' && this.url.protocol === 'http:'));
    // NTLM authenticates a TCP connection: one kept-alive socket carries the handshake and the request.
    const agentOptions = { keepAlive: true, maxSockets: 1 };
    this.agent =
      this.url.protocol === 'https:'
        ? new https.Agent({ ...agentOptions, ...(o.ca ? { ca: o.ca } : {}), rejectUnauthorized: !o.insecureTls })
        : new http.Agent(agentOptions);
  }

  private get opTimeoutS(): number {
    return this.o.operationTimeoutS ?? 20;
  }

  private post(body: string | Buffer, authorization: string | null, timeoutMs: number, contentType = SOAP_TYPE): Promise<HttpReply> {
    const mod = this.url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            'Content-Type': contentType,
            'Content-Length': Buffer.byteLength(body),
            ...(authorization ? { Authorization: authorization } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new OutpostError('TIMEOUT', `${this.where} did not answer within ${timeoutMs} ms.`)));
      req.on('error', (err: Error & { code?: string }) => {
        if (err instanceof OutpostError) reject(err);
        else if (err.code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(err.code))
          reject(new OutpostError('UNREACHABLE', `${this.where}: its TLS certificate is not trusted (${err.code}). Import its CA certificate, or check the address.`));
        else reject(new OutpostError('UNREACHABLE', `Cannot reach ${this.where} (${err.code ?? err.message}). Check the URL, that WinRM listens there, and any firewall between.`));
      });
      req.end(body);
    });
  }

  /** First NTLM leg: NEGOTIATE, answered by 401 with the server's CHALLENGE. */
  private async ntlmChallenge(timeoutMs: number, seal: boolean): Promise<ChallengeMessage> {
    const first = await this.post('', `Negotiate ${negotiateMessage({ seal }).toString('base64')}`, timeoutMs);
    const header = ([] as string[]).concat(first.headers['www-authenticate'] ?? []).map((h) => /^(?:Negotiate|NTLM) ([A-Za-z0-9+/=]+)$/.exec(h.trim())?.[1]).find(Boolean);
    if (first.status !== 401 || !header) {
      throw new OutpostError('WINRM_AUTH', `${this.where} did not offer an NTLM challenge (HTTP ${first.status}). Check that Negotiate authentication is enabled on the WinRM service.`);
    }
    try {
      return parseChallengeMessage(Buffer.from(header, 'base64'));
    } catch (err) {
      throw new OutpostError('WINRM_AUTH', `${this.where} sent an NTLM challenge that cannot be read: ${(err as Error).message}.`);
    }
  }

  private refused(): OutpostError {
    return new OutpostError('WINRM_AUTH', `${this.where} refused the credentials of ${this.o.user} (HTTP 401, ${this.o.auth ?? 'basic'}). Check the user name, password and the allowed authentication methods.`);
  }

  /**
   * Authenticates the kept-alive connection with an empty body (as pywinrm and Windows' own client
   * do) and keeps the NTLM security context that seals every following message on it.
   */
  private async establishSecurity(timeoutMs: number): Promise<NtlmSecurityContext> {
    this.security = null;
    const challenge = await this.ntlmChallenge(timeoutMs, true);
    const needed = NtlmFlags.SIGN | NtlmFlags.SEAL | NtlmFlags.EXTENDED_SESSIONSECURITY;
    if ((challenge.flags & needed) !== needed) {
      throw new OutpostError('WINRM_AUTH', `${this.where} did not agree to NTLM signing and sealing, so messages cannot be encrypted. Use HTTPS, or (only on a trusted network) set encryption to "never" with AllowUnencrypted=true on the host.`);
    }
    const auth = authenticate(challenge, this.o.user, this.o.password, { seal: true });
    const reply = await this.post('', `Negotiate ${auth.message.toString('base64')}`, timeoutMs);
    if (reply.status === 401) throw this.refused();
    this.security = new NtlmSecurityContext(auth.exportedSessionKey, auth.flags, 'client', this.where);
    return this.security;
  }

  /** One sealed exchange; a connection that lost its context (401) is authenticated again once. */
  private async sealedExchange(body: string, timeoutMs: number): Promise<{ status: number; xml: string }> {
    for (let attempt = 0; ; attempt++) {
      const ctx = this.security ?? (await this.establishSecurity(timeoutMs));
      const sealed = encodeEncryptedBody(ctx, Buffer.from(body, 'utf8'));
      const reply = await this.post(sealed.body, null, timeoutMs, sealed.contentType);
      if (reply.status === 401) {
        this.security = null;
        if (attempt === 0) continue;
        throw this.refused();
      }
      if (isEncryptedContentType(reply.headers['content-type'])) {
        try {
          return { status: reply.status, xml: decodeEncryptedBody(ctx, reply.body, this.where).toString('utf8') };
        } catch (err) {
          // The RC4 states are out of step now: the next exchange starts a new context.
          this.security = null;
          throw err;
        }
      }
      if (reply.body.length > 0) {
        this.security = null;
        throw new OutpostError('WINRM_FAULT', `${this.where} answered an encrypted request without encryption (HTTP ${reply.status}); the reply was not used.`, { status: reply.status });
      }
      return { status: reply.status, xml: '' };
    }
  }

  /** One SOAP exchange, authenticated; returns the parsed envelope or throws a typed error. */
  private async soap(body: string): Promise<ReturnType<typeof parseEnvelope>> {
    const timeoutMs = (this.opTimeoutS + 15) * 1000;
    let status: number;
    let xml: string;
    if (this.encrypted) {
      const exchange = this.sealedQueue.then(() => this.sealedExchange(body, timeoutMs));
      this.sealedQueue = exchange.catch(() => undefined);
      ({ status, xml } = await exchange);
    } else {
      let reply: HttpReply;
      if ((this.o.auth ?? 'basic') === 'basic') {
        reply = await this.post(body, `Basic ${Buffer.from(`${this.o.user}:${this.o.password}`, 'utf8').toString('base64')}`, timeoutMs);
      } else {
        const challenge = await this.ntlmChallenge(timeoutMs, false);
        reply = await this.post(body, `Negotiate ${authenticateMessage(challenge, this.o.user, this.o.password).toString('base64')}`, timeoutMs);
      }
      if (reply.status === 401) throw this.refused();
      status = reply.status;
      xml = reply.body.toString('utf8');
      if (status === 400 && xml.trim() === '' && this.url.protocol === 'http:') {
        throw new OutpostError(
          'WINRM_FAULT',
          `${this.where} refused an unencrypted message (HTTP 400): its listener requires encryption (AllowUnencrypted=false). Use NTLM with encryption "auto", or HTTPS.`,
          { status },
        );
      }
    }
    if (xml.trim() === '') {
      if (status >= 200 && status < 300) return { name: 'Envelope', attrs: {}, children: [], text: '' };
      throw new OutpostError('WINRM_FAULT', `${this.where} answered HTTP ${status} with an empty body.`, { status });
    }
    const env = parseEnvelope(xml, this.where);
    const fault = faultOf(env);
    if (fault) throw faultError(fault, this.where);
    if (status >= 300) throw new OutpostError('WINRM_FAULT', `${this.where} answered HTTP ${status}.`, { status });
    return env;
  }

  /** Runs a command line in a new cmd shell and collects its output; the shell is deleted afterwards in every case. */
  async run(command: string, args: readonly string[] = [], options: WinrmRunOptions = {}): Promise<WinrmResult> {
    const started = performance.now();
    const deadline = options.timeoutMs ? Date.now() + options.timeoutMs : Number.POSITIVE_INFINITY;
    const max = options.maxOutputBytes ?? 64 * 1024 * 1024;
    const to = this.url.toString();
    const shellId = shellIdOf(await this.soap(createShellMessage(to, this.opTimeoutS, this.o.codePage ?? 65001)));
    if (!shellId) throw new OutpostError('WINRM_FAULT', `${this.where} created a shell but returned no ShellId.`);
    let commandId: string | null = null;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let receives = 0;
    try {
      commandId = commandIdOf(await this.soap(commandMessage(to, shellId, this.opTimeoutS, command, args)));
      if (!commandId) throw new OutpostError('WINRM_FAULT', `${this.where} accepted the command but returned no CommandId.`);
      for (let sequence = 0; ; sequence++) {
        if (Date.now() > deadline) {
          throw new OutpostError('TIMEOUT', `The command on ${this.where} did not finish within ${options.timeoutMs} ms; it was terminated.`, {
            stdoutSoFar: Buffer.concat(out).toString('utf8').slice(-4096),
            stderrSoFar: Buffer.concat(err).toString('utf8').slice(-4096),
          });
        }
        let chunk;
        try {
          receives++;
          chunk = receiveChunkOf(await this.soap(receiveMessage(to, shellId, commandId, Math.max(1, Math.min(this.opTimeoutS, Math.ceil((deadline - Date.now()) / 1000))), sequence)));
        } catch (e) {
          if (e instanceof OutpostError && e.code === 'WINRM_FAULT' && (e.details as { wsmanCode?: string } | undefined)?.wsmanCode === WSMAN_TIMED_OUT) continue;
          throw e;
        }
        outBytes += chunk.stdout.length + chunk.stderr.length;
        if (outBytes <= max) {
          out.push(chunk.stdout);
          err.push(chunk.stderr);
        }
        if (chunk.done) {
          return { exitCode: chunk.exitCode ?? 0, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), durationMs: performance.now() - started, receives };
        }
      }
    } finally {
      await this.cleanup(to, shellId, commandId);
    }
  }

  /** PowerShell through -EncodedCommand (UTF-16LE base64): the script needs no quoting for cmd. */
  runPowerShell(script: string, options?: WinrmRunOptions): Promise<WinrmResult> {
    return this.run(powerShellCommandLine(script), [], options);
  }

  private async cleanup(to: string, shellId: string, commandId: string | null): Promise<void> {
    // Best effort: a failed Signal/Delete must not hide the command's own result or error.
    if (commandId) await this.soap(signalMessage(to, shellId, commandId, this.opTimeoutS)).catch(() => undefined);
    await this.soap(deleteShellMessage(to, shellId, this.opTimeoutS)).catch(() => undefined);
  }

  close(): void {
    this.security = null;
    this.agent.destroy();
  }
}
