import { randomUUID } from 'node:crypto';

/**
 * SOAP envelopes of the WinRM shell protocol (MS-WSMV 3.1.4: Create, Command, Receive, Signal,
 * Delete over the cmd shell resource). Pure functions: text in, text out.
 */
export const NS = {
  soap: 'http://www.w3.org/2003/05/soap-envelope',
  addressing: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  wsman: 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd',
  shell: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell',
} as const;

export const SHELL_RESOURCE = `${NS.shell}/cmd`;

export const Actions = {
  create: 'http://schemas.xmlsoap.org/ws/2004/09/transfer/Create',
  delete: 'http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete',
  command: `${NS.shell}/Command`,
  receive: `${NS.shell}/Receive`,
  signal: `${NS.shell}/Signal`,
} as const;

export const TERMINATE_SIGNAL = `${NS.shell}/signal/terminate`;
export const COMMAND_DONE = `${NS.shell}/CommandState/Done`;

export const escapeXml = (text: string): string =>
  text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

interface EnvelopeOptions {
  to: string;
  action: string;
  shellId?: string;
  /** Seconds the server may hold a request (a Receive waits this long for output). */
  operationTimeoutS: number;
  options?: Record<string, string>;
  body: string;
}

function envelope(o: EnvelopeOptions): string {
  const optionSet = o.options
    ? `<w:OptionSet>${Object.entries(o.options)
        .map(([k, v]) => `<w:Option Name="${escapeXml(k)}">${escapeXml(v)}</w:Option>`)
        .join('')}</w:OptionSet>`
    : '';
  const selector = o.shellId ? `<w:SelectorSet><w:Selector Name="ShellId">${escapeXml(o.shellId)}</w:Selector></w:SelectorSet>` : '';
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<s:Envelope xmlns:s="${NS.soap}" xmlns:a="${NS.addressing}" xmlns:w="${NS.wsman}" xmlns:rsp="${NS.shell}">` +
    `<s:Header>` +
    `<a:To>${escapeXml(o.to)}</a:To>` +
    `<a:ReplyTo><a:Address s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>` +
    `<a:Action s:mustUnderstand="true">${o.action}</a:Action>` +
    `<a:MessageID>uuid:${randomUUID().toUpperCase()}</a:MessageID>` +
    `<w:ResourceURI s:mustUnderstand="true">${SHELL_RESOURCE}</w:ResourceURI>` +
    `<w:MaxEnvelopeSize s:mustUnderstand="true">512000</w:MaxEnvelopeSize>` +
    `<w:Locale xml:lang="en-US" s:mustUnderstand="false"/>` +
    `<w:OperationTimeout>PT${o.operationTimeoutS}S</w:OperationTimeout>` +
    selector +
    optionSet +
    `</s:Header>` +
    `<s:Body>${o.body}</s:Body>` +
    `</s:Envelope>`
  );
}

export function createShellMessage(to: string, operationTimeoutS: number, codePage = 65001): string {
  return envelope({
    to,
    action: Actions.create,
    operationTimeoutS,
    // 65001: the shell's console code page is UTF-8, so non-ASCII output survives.
    options: { WINRS_NOPROFILE: 'TRUE', WINRS_CODEPAGE: String(codePage) },
    body: `<rsp:Shell><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>`,
  });
}

export function commandMessage(to: string, shellId: string, operationTimeoutS: number, command: string, args: readonly string[] = []): string {
  return envelope({
    to,
    action: Actions.command,
    shellId,
    operationTimeoutS,
    options: { WINRS_CONSOLEMODE_STDIN: 'TRUE', WINRS_SKIP_CMD_SHELL: 'FALSE' },
    body: `<rsp:CommandLine><rsp:Command>${escapeXml(command)}</rsp:Command>${args.map((a) => `<rsp:Arguments>${escapeXml(a)}</rsp:Arguments>`).join('')}</rsp:CommandLine>`,
  });
}

export function receiveMessage(to: string, shellId: string, commandId: string, operationTimeoutS: number, sequenceId: number): string {
  return envelope({
    to,
    action: Actions.receive,
    shellId,
    operationTimeoutS,
    options: { WSMAN_CMDSHELL_OPTION_KEEPALIVE: 'TRUE' },
    body: `<rsp:Receive SequenceId="${sequenceId}"><rsp:DesiredStream CommandId="${escapeXml(commandId)}">stdout stderr</rsp:DesiredStream></rsp:Receive>`,
  });
}

export function signalMessage(to: string, shellId: string, commandId: string, operationTimeoutS: number): string {
  return envelope({
    to,
    action: Actions.signal,
    shellId,
    operationTimeoutS,
    body: `<rsp:Signal CommandId="${escapeXml(commandId)}"><rsp:Code>${TERMINATE_SIGNAL}</rsp:Code></rsp:Signal>`,
  });
}

export function deleteShellMessage(to: string, shellId: string, operationTimeoutS: number): string {
  return envelope({ to, action: Actions.delete, shellId, operationTimeoutS, body: '' });
}

/** `powershell -EncodedCommand` takes base64 of the script's UTF-16LE bytes: no quoting issues at all. */
export function encodePowerShell(script: string): string {
  return Buffer.from(script, 'utf16le').toString('base64');
}

export function powerShellCommandLine(script: string): string {
  return `powershell.exe -NoProfile -NonInteractive -EncodedCommand ${encodePowerShell(script)}`;
}
