import { OutpostError } from '../contract/errors.js';
import { COMMAND_DONE } from './wsman-messages.js';
import { child, children, parseXml, type XmlElement } from './xml-reader.js';

/** WS-Management's "no output within OperationTimeout" fault: a Receive simply asks again. */
export const WSMAN_TIMED_OUT = '2150858793';

export interface WsmanFault {
  code: string | null;
  subcode: string | null;
  reason: string;
  wsmanCode: string | null;
}

export function parseEnvelope(xml: string, where: string): XmlElement {
  let doc: XmlElement;
  try {
    doc = parseXml(xml);
  } catch (err) {
    throw new OutpostError('WINRM_FAULT', `${where} answered with something that is not XML (${(err as Error).message}). Is this a WinRM endpoint (…/wsman)?`, { received: xml.slice(0, 200) });
  }
  if (doc.name !== 'Envelope') throw new OutpostError('WINRM_FAULT', `${where} answered without a SOAP envelope. Is this a WinRM endpoint (…/wsman)?`, { received: xml.slice(0, 200) });
  return doc;
}

export function faultOf(env: XmlElement): WsmanFault | null {
  const fault = child(env, 'Body', 'Fault');
  if (!fault) return null;
  const wsmanFault = child(fault, 'Detail', 'WSManFault');
  const message = child(wsmanFault, 'Message')?.text ?? child(fault, 'Reason', 'Text')?.text ?? 'no reason given';
  return {
    code: child(fault, 'Code', 'Value')?.text.trim() ?? null,
    subcode: child(fault, 'Code', 'Subcode', 'Value')?.text.trim() ?? null,
    reason: message.trim(),
    wsmanCode: wsmanFault?.attrs['Code'] ?? null,
  };
}

export function faultError(fault: WsmanFault, where: string): OutpostError {
  return new OutpostError(
    'WINRM_FAULT',
    `${where} returned a WS-Management fault${fault.wsmanCode ? ` ${fault.wsmanCode}` : ''}${fault.subcode ? ` (${fault.subcode})` : ''}: ${fault.reason}`,
    fault,
  );
}

/** ShellId from a Create response: the rsp:Shell body (WinRM 2+), a selector, or a bare ShellId (winrmtest). */
export function shellIdOf(env: XmlElement): string | null {
  const fromShell = child(env, 'Body', 'Shell', 'ShellId')?.text;
  if (fromShell?.trim()) return fromShell.trim();
  const selector = children(child(env, 'Body', 'ResourceCreated', 'ReferenceParameters', 'SelectorSet'), 'Selector').find((s) => s.attrs['Name'] === 'ShellId');
  if (selector?.text.trim()) return selector.text.trim();
  const bare = child(env, 'ShellId')?.text ?? child(env, 'Body', 'ShellId')?.text;
  return bare?.trim() || null;
}

export function commandIdOf(env: XmlElement): string | null {
  const id = child(env, 'Body', 'CommandResponse', 'CommandId')?.text ?? child(env, 'CommandId')?.text ?? child(env, 'Body', 'CommandId')?.text;
  return id?.trim() || null;
}

export interface ReceiveChunk {
  stdout: Buffer;
  stderr: Buffer;
  done: boolean;
  exitCode: number | null;
}

export function receiveChunkOf(env: XmlElement): ReceiveChunk {
  const response = child(env, 'Body', 'ReceiveResponse') ?? child(env, 'ReceiveResponse');
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  for (const s of children(response, 'Stream')) {
    const content = s.text.trim();
    if (!content) continue;
    const bytes = Buffer.from(content, 'base64');
    if (s.attrs['Name'] === 'stderr') err.push(bytes);
    else out.push(bytes);
  }
  const state = child(response, 'CommandState');
  const done = state?.attrs['State'] === COMMAND_DONE;
  const exit = child(state, 'ExitCode')?.text.trim();
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), done, exitCode: done && exit ? Number(exit) : null };
}
