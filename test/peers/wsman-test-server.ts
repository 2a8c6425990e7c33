// Own WS-Management test server (loopback), written from MS-WSMV / WS-Management for what
// winrmtest does not do: Basic and NTLM (challenge per TCP connection, NTLMv2 proof checked),
// HTTPS, SOAP faults with WSManFault details, output streamed over several Receives, stderr,
// "no output yet" (TimedOut) faults, Signal and Delete bookkeeping, UTF-8 output, and NTLM
// message encryption (MS-WSMV 2.2.9.1.1): it can require sealed bodies and refuse plain ones with
// 400 as a Windows listener with AllowUnencrypted=false does, decrypting requests and sealing
// replies with the server side of the connection's NTLM security context.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { NtlmFlags, parseAuthenticateMessage, SEAL_FLAGS, serverExportedSessionKey, verifyNtlmv2 } from '../../core/winrm/ntlm.js';
import { NtlmSecurityContext } from '../../core/winrm/ntlm-session.js';
import { decodeEncryptedBody, encodeEncryptedBody, isEncryptedContentType } from '../../core/winrm/wsman-encryption.js';
import { child, children, parseXml } from '../../core/winrm/xml-reader.js';

export interface ScriptedCommand {
  /** Output chunks, one per Receive. */
  chunks: { stdout?: string; stderr?: string }[];
  exitCode: number;
  /** Never finishes: every Receive waits out its OperationTimeout and answers TimedOut. */
  hang?: boolean;
  /** Answers the Command request with this WSManFault. */
  fault?: { code: string; subcode: string; message: string };
  /** Answers with a body that is not XML. */
  garbage?: boolean;
  /** Encrypted connections: flips a bit of the signature of the Command response. */
  tamperSignature?: boolean;
}

export interface WsmanServerOptions {
  auth: 'basic' | 'ntlm';
  user: string;
  password: string;
  commands: Record<string, ScriptedCommand>;
  tls?: { dir: string };
  /** NTLM: refuse plain SOAP bodies with 400 (AllowUnencrypted=false); only sealed ones are served. */
  requireEncryption?: boolean;
  /** Seal replies longer than this in parts of this size (multipart/x-multi-encrypted). */
  replyChunkSize?: number;
}

export interface WsmanServer {
  url: string;
  /** What happened, for assertions. */
  log: {
    shellsCreated: number;
    shellsDeleted: number;
    signals: number;
    codePages: string[];
    receives: number;
    authFailures: number;
    powershellScripts: string[];
    ntlmUsers: string[];
    /** Sealed requests decrypted and sealed replies sent. */
    encryptedRequests: number;
    encryptedReplies: number;
    /** Sealed replies sent in several parts (multipart/x-multi-encrypted). */
    multiPartReplies: number;
    /** Plain SOAP bodies refused with 400 because encryption is required. */
    plainRefused: number;
    /** Requests whose signature did not verify. */
    integrityFailures: number;
    /** Exported session keys (hex) of the NTLM contexts, so tests can check they never leak. */
    sessionKeys: string[];
  };
  /** PEM of the self-signed certificate (HTTPS). */
  certificate: string | null;
  /** Closes every open connection (their NTLM state goes with them), as a server restart or idle timeout would. */
  dropConnections(): void;
  stop(): Promise<void>;
}


const envelope = (body: string): string =>
  `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"><s:Header/><s:Body>${body}</s:Body></s:Envelope>`;

const faultBody = (code: string, subcode: string, message: string): string =>
  `<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>${subcode}</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">${message}</s:Text></s:Reason>` +
  `<s:Detail><f:WSManFault Code="${code}" Machine="outpost-test"><f:Message>${message}</f:Message></f:WSManFault></s:Detail></s:Fault>`;

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

export async function startWsmanServer(o: WsmanServerOptions): Promise<WsmanServer> {
  const log: WsmanServer['log'] = {
    shellsCreated: 0,
    shellsDeleted: 0,
    signals: 0,
    codePages: [],
    receives: 0,
    authFailures: 0,
    powershellScripts: [],
    ntlmUsers: [],
    encryptedRequests: 0,
    encryptedReplies: 0,
    multiPartReplies: 0,
    plainRefused: 0,
    integrityFailures: 0,
    sessionKeys: [],
  };
  const shells = new Set<string>();
  const running = new Map<string, { script: ScriptedCommand; next: number; terminated: boolean }>();
  // NTLM state belongs to the TCP connection, as with HTTP.sys: the challenge, then whether the
  // connection is authenticated and its security context when sealing was negotiated.
  const challenges = new WeakMap<Socket, Buffer>();
  const sessions = new WeakMap<Socket, { security: NtlmSecurityContext | null }>();

  function challengeMessage(serverChallenge: Buffer, clientFlags: number): Buffer {
    const targetInfo = Buffer.concat([Buffer.from([2, 0, 8, 0]), Buffer.from('LAB\0', 'utf16le').subarray(0, 8), Buffer.from([0, 0, 0, 0])]);
    const name = Buffer.from('LAB', 'utf16le');
    const m = Buffer.alloc(48);
    Buffer.from('NTLMSSP\0', 'latin1').copy(m);
    m.writeUInt32LE(2, 8);
    m.writeUInt16LE(name.length, 12);
    m.writeUInt16LE(name.length, 14);
    m.writeUInt32LE(48, 16);
    m.writeUInt32LE((0xa2898205 | (clientFlags & SEAL_FLAGS)) >>> 0, 20);
    serverChallenge.copy(m, 24);
    m.writeUInt16LE(targetInfo.length, 40);
    m.writeUInt16LE(targetInfo.length, 42);
    m.writeUInt32LE(48 + name.length, 44);
    return Buffer.concat([m, name, targetInfo]);
  }

  /** Returns true when the request may proceed; otherwise it has answered 401. */
  function authenticate(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const header = req.headers.authorization ?? '';
    if (o.auth === 'basic') {
      const m = /^Basic (.+)$/.exec(header);
      const [user, ...rest] = m ? Buffer.from(m[1]!, 'base64').toString('utf8').split(':') : [];
      if (user === o.user && rest.join(':') === o.password) return true;
      log.authFailures++;
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="WSMAN"' }).end();
      return false;
    }
    const token = /^(?:Negotiate|NTLM) (.+)$/.exec(header)?.[1];
    const msg = token ? Buffer.from(token, 'base64') : null;
    if (!msg && sessions.has(req.socket)) return true;
    if (msg && msg.length >= 16 && msg.readUInt32LE(8) === 1) {
      const serverChallenge = randomBytes(8);
      challenges.set(req.socket, serverChallenge);
      sessions.delete(req.socket);
      res.writeHead(401, { 'WWW-Authenticate': `Negotiate ${challengeMessage(serverChallenge, msg.readUInt32LE(12)).toString('base64')}` }).end();
      return false;
    }
    if (msg && msg.length >= 12 && msg.readUInt32LE(8) === 3) {
      const serverChallenge = challenges.get(req.socket);
      challenges.delete(req.socket);
      const auth = parseAuthenticateMessage(msg);
      log.ntlmUsers.push(`${auth.domain}\\${auth.user}`);
      if (serverChallenge && auth.user.toLowerCase() === o.user.toLowerCase() && verifyNtlmv2(serverChallenge, auth, o.password)) {
        let security: NtlmSecurityContext | null = null;
        if (auth.flags & NtlmFlags.SEAL) {
          const key = serverExportedSessionKey(auth, o.password);
          log.sessionKeys.push(key.toString('hex'));
          security = new NtlmSecurityContext(key, auth.flags, 'server', 'WS-Man test server');
        }
        sessions.set(req.socket, { security });
        return true;
      }
    }
    log.authFailures++;
    res.writeHead(401, { 'WWW-Authenticate': 'Negotiate' }).end();
    return false;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (!authenticate(req, res)) return;
    const raw = Buffer.concat(chunks);
    const security = sessions.get(req.socket)?.security ?? null;
    const sealed = isEncryptedContentType(req.headers['content-type']);
    let tamper = false;
    /** Writes the reply, sealed when the request was. */
    const reply = (status: number, contentType: string, text: string): void => {
      if (!sealed || !security) {
        res.writeHead(status, { 'Content-Type': contentType }).end(text);
        return;
      }
      const plain = Buffer.from(text, 'utf8');
      const framed = encodeEncryptedBody(security, plain, o.replyChunkSize);
      if (tamper) framed.body[framed.body.indexOf('application/octet-stream\r\n') + 'application/octet-stream\r\n'.length + 4 + 6]! ^= 1;
      log.encryptedReplies++;
      if (framed.contentType.startsWith('multipart/x-multi-encrypted')) log.multiPartReplies++;
      res.writeHead(status, { 'Content-Type': framed.contentType }).end(framed.body);
    };
    let text: string;
    if (sealed) {
      if (!security) {
        res.writeHead(400).end();
        return;
      }
      try {
        text = decodeEncryptedBody(security, raw, 'WS-Man test server').toString('utf8');
      } catch {
        log.integrityFailures++;
        sessions.delete(req.socket);
        res.writeHead(400).end();
        return;
      }
      log.encryptedRequests++;
    } else {
      text = raw.toString('utf8');
      if (text.trim() !== '' && o.requireEncryption) {
        log.plainRefused++;
        res.writeHead(400).end();
        return;
      }
    }
    // An authenticated empty POST sets up the connection's security context (pywinrm does it too).
    if (text.trim() === '') {
      res.writeHead(200).end();
      return;
    }
    const env = parseXml(text);
    const header = child(env, 'Header');
    const body = child(env, 'Body');
    const action = child(header, 'Action')?.text ?? '';
    const shellId = children(child(header, 'SelectorSet'), 'Selector')[0]?.text ?? '';
    const options = children(child(header, 'OptionSet'), 'Option');
    const timeoutS = Number(/PT(\d+(?:\.\d+)?)S/.exec(child(header, 'OperationTimeout')?.text ?? '')?.[1] ?? 60);
    const send = (xml: string, status = 200): void => reply(status, 'application/soap+xml;charset=UTF-8', envelope(xml));
    if (action.endsWith('transfer/Create')) {
      const id = randomUUID().toUpperCase();
      shells.add(id);
      log.shellsCreated++;
      log.codePages.push(options.find((op) => op.attrs['Name'] === 'WINRS_CODEPAGE')?.text ?? '');
      send(`<rsp:Shell><rsp:ShellId>${id}</rsp:ShellId></rsp:Shell>`);
      return;
    }
    if (!shells.has(shellId)) {
      send(faultBody('2150858843', 'w:InvalidSelectors', 'The request for the Windows Remote Shell with ShellId failed because the shell was not found on the server.'), 500);
      return;
    }
    if (action.endsWith('shell/Command')) {
      const line = child(body, 'CommandLine', 'Command')?.text ?? '';
      const ps = /^powershell\.exe -NoProfile -NonInteractive -EncodedCommand ([A-Za-z0-9+/=]+)$/.exec(line);
      let script = o.commands[line];
      if (ps) {
        const decoded = Buffer.from(ps[1]!, 'base64').toString('utf16le');
        log.powershellScripts.push(decoded);
        script = { chunks: [{ stdout: `ps:${decoded}\r\n` }], exitCode: 0 };
      }
      if (!script) {
        send(faultBody('2147942402', 'w:InternalError', `'${line.split(' ')[0]}' is not recognized as an internal or external command, operable program or batch file.`), 500);
        return;
      }
      if (script.garbage) {
        reply(200, 'text/html', '<html><body>proxy error</body>');
        return;
      }
      if (script.fault) {
        send(faultBody(script.fault.code, script.fault.subcode, script.fault.message), 500);
        return;
      }
      const id = randomUUID().toUpperCase();
      running.set(id, { script, next: 0, terminated: false });
      tamper = !!script.tamperSignature;
      send(`<rsp:CommandResponse><rsp:CommandId>${id}</rsp:CommandId></rsp:CommandResponse>`);
      return;
    }
    if (action.endsWith('shell/Receive')) {
      log.receives++;
      const id = child(body, 'Receive', 'DesiredStream')?.attrs['CommandId'] ?? '';
      const cmd = running.get(id);
      if (!cmd) {
        send(faultBody('2150858843', 'w:InvalidParameter', 'The command id is not valid.'), 500);
        return;
      }
      if (cmd.script.hang) {
        await new Promise((r) => setTimeout(r, Math.min(timeoutS, 1) * 1000));
        send(faultBody('2150858793', 'w:TimedOut', 'The WS-Management service cannot complete the operation within the time specified in OperationTimeout.'), 500);
        return;
      }
      const chunk = cmd.script.chunks[cmd.next++] ?? {};
      const last = cmd.next >= cmd.script.chunks.length;
      const streams =
        (chunk.stdout ? `<rsp:Stream Name="stdout" CommandId="${id}">${b64(chunk.stdout)}</rsp:Stream>` : '') +
        (chunk.stderr ? `<rsp:Stream Name="stderr" CommandId="${id}">${b64(chunk.stderr)}</rsp:Stream>` : '') +
        (last ? `<rsp:Stream Name="stdout" CommandId="${id}" End="true"></rsp:Stream><rsp:Stream Name="stderr" CommandId="${id}" End="true"></rsp:Stream>` : '');
      const state = last
        ? `<rsp:CommandState CommandId="${id}" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"><rsp:ExitCode>${cmd.script.exitCode}</rsp:ExitCode></rsp:CommandState>`
        : `<rsp:CommandState CommandId="${id}" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running"></rsp:CommandState>`;
      send(`<rsp:ReceiveResponse>${streams}${state}</rsp:ReceiveResponse>`);
      return;
    }
    if (action.endsWith('shell/Signal')) {
      log.signals++;
      const id = child(body, 'Signal')?.attrs['CommandId'] ?? '';
      const cmd = running.get(id);
      if (cmd) cmd.terminated = true;
      running.delete(id);
      send('<rsp:SignalResponse/>');
      return;
    }
    if (action.endsWith('transfer/Delete')) {
      shells.delete(shellId);
      log.shellsDeleted++;
      send('');
      return;
    }
    send(faultBody('2150858817', 'w:ActionNotSupported', `The action ${action} is not supported.`), 500);
  }

  let certificate: string | null = null;
  let server: http.Server;
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    handle(req, res).catch((err: unknown) => res.writeHead(500).end(String(err)));
  };
  if (o.tls) {
    const key = join(o.tls.dir, 'wsman-key.pem');
    const cert = join(o.tls.dir, 'wsman-cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    certificate = readFileSync(cert, 'utf8');
    server = https.createServer({ key: readFileSync(key), cert: certificate }, listener);
  } else {
    server = http.createServer(listener);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${o.tls ? 'https' : 'http'}://127.0.0.1:${port}/wsman`,
    log,
    certificate,
    dropConnections: () => server.closeAllConnections(),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
