import http from 'node:http';
import https from 'node:https';
import { OutpostError } from '../contract/errors.js';
import { authenticateMessage, negotiateMessage, parseChallengeMessage } from './ntlm.js';
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
  body: string;
}

/**
 * A WinRM (WS-Management) shell client: Create shell → Command → Receive until Done → Signal
 * terminate → Delete shell, with Basic or NTLMv2 authentication over HTTP or HTTPS.
 */
export class WinrmClient {
  private readonly agent: http.Agent;
  private readonly url: URL;
  private readonly where: string;

  constructor(private readonly o: WinrmOptions) {
    try {
      this.url = new URL(o.url);
    } catch {
      throw new OutpostError('VALIDATION', `"${o.url}" is not a URL; give it as http://host:5985/wsman or https://host:5986/wsman.`);
    }
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') throw new OutpostError('VALIDATION', `WinRM URLs are http:// or https://, not ${this.url.protocol}`);
    this.where = `WinRM ${this.url.host}`;
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

  private post(body: string, authorization: string | null, timeoutMs: number): Promise<HttpReply> {
    const mod = this.url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            'Content-Type': 'application/soap+xml;charset=UTF-8',
            'Content-Length': Buffer.byteLength(body),
            ...(authorization ? { Authorization: authorization } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
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

  /** One SOAP exchange, authenticated; returns the parsed envelope or throws a typed error. */
  private async soap(body: string): Promise<ReturnType<typeof parseEnvelope>> {
    const timeoutMs = (this.opTimeoutS + 15) * 1000;
    let reply: HttpReply;
    if ((this.o.auth ?? 'basic') === 'basic') {
      reply = await this.post(body, `Basic ${Buffer.from(`${this.o.user}:${this.o.password}`, 'utf8').toString('base64')}`, timeoutMs);
    } else {
      const first = await this.post('', `Negotiate ${negotiateMessage().toString('base64')}`, timeoutMs);
      const header = ([] as string[]).concat(first.headers['www-authenticate'] ?? []).map((h) => /^(?:Negotiate|NTLM) ([A-Za-z0-9+/=]+)$/.exec(h.trim())?.[1]).find(Boolean);
      if (first.status !== 401 || !header) {
        throw new OutpostError('WINRM_AUTH', `${this.where} did not offer an NTLM challenge (HTTP ${first.status}). Check that Negotiate authentication is enabled on the WinRM service.`);
      }
      let challenge;
      try {
        challenge = parseChallengeMessage(Buffer.from(header, 'base64'));
      } catch (err) {
        throw new OutpostError('WINRM_AUTH', `${this.where} sent an NTLM challenge that cannot be read: ${(err as Error).message}.`);
      }
      reply = await this.post(body, `Negotiate ${authenticateMessage(challenge, this.o.user, this.o.password).toString('base64')}`, timeoutMs);
    }
    if (reply.status === 401) {
      throw new OutpostError('WINRM_AUTH', `${this.where} refused the credentials of ${this.o.user} (HTTP 401, ${this.o.auth ?? 'basic'}). Check the user name, password and the allowed authentication methods.`);
    }
    if (reply.body.trim() === '') {
      if (reply.status >= 200 && reply.status < 300) return { name: 'Envelope', attrs: {}, children: [], text: '' };
      throw new OutpostError('WINRM_FAULT', `${this.where} answered HTTP ${reply.status} with an empty body.`, { status: reply.status });
    }
    const env = parseEnvelope(reply.body, this.where);
    const fault = faultOf(env);
    if (fault) throw faultError(fault, this.where);
    if (reply.status >= 300) throw new OutpostError('WINRM_FAULT', `${this.where} answered HTTP ${reply.status}.`, { status: reply.status });
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
    this.agent.destroy();
  }
}
