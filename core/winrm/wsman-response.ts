import { XMLParser } from 'fast-xml-parser';
import { OutpostError } from '../contract/errors.js';
import { COMMAND_DONE } from './wsman-messages.js';

/** Namespace prefixes differ between servers; they are dropped, local names are what matter. */
const parser = new XMLParser({
  ignoreAttributes: false,
  removeNSPrefix: true,
  attributeNamePrefix: '@',
  parseTagValue: false,
  isArray: (name) => name === 'Stream' || name === 'Selector',
});

type XmlNode = { [key: string]: XmlValue };
type XmlValue = string | XmlNode | XmlValue[] | undefined;

const asNode = (v: XmlValue): XmlNode | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? v : undefined);
const text = (v: XmlValue): string | undefined => (typeof v === 'string' ? v : (asNode(v)?.['#text'] as string | undefined));

/** WS-Management's "no output within OperationTimeout" fault: a Receive simply asks again. */
export const WSMAN_TIMED_OUT = '2150858793';

export interface WsmanFault {
  code: string | null;
  subcode: string | null;
  reason: string;
  wsmanCode: string | null;
}

export function parseEnvelope(xml: string, where: string): XmlNode {
  let doc: XmlNode;
  try {
    doc = parser.parse(xml) as XmlNode;
  } catch (err) {
    throw new OutpostError('WINRM_FAULT', `${where} answered with something that is not XML (${(err as Error).message}). Is this a WinRM endpoint (…/wsman)?`);
  }
  const env = asNode(doc['Envelope']);
  if (!env) throw new OutpostError('WINRM_FAULT', `${where} answered without a SOAP envelope. Is this a WinRM endpoint (…/wsman)?`, { received: xml.slice(0, 200) });
  return env;
}

export function faultOf(env: XmlNode): WsmanFault | null {
  const fault = asNode(asNode(env['Body'])?.['Fault']);
  if (!fault) return null;
  const code = asNode(fault['Code']);
  const wsmanFault = asNode(asNode(fault['Detail'])?.['WSManFault']);
  const reasonText = asNode(fault['Reason'])?.['Text'];
  const message = text(wsmanFault?.['Message']) ?? (Array.isArray(reasonText) ? text(reasonText[0]) : text(reasonText)) ?? 'no reason given';
  return {
    code: text(code?.['Value']) ?? null,
    subcode: text(asNode(code?.['Subcode'])?.['Value']) ?? null,
    reason: message.trim(),
    wsmanCode: (wsmanFault?.['@Code'] as string | undefined) ?? null,
  };
}

export function faultError(fault: WsmanFault, where: string): OutpostError {
  return new OutpostError(
    'WINRM_FAULT',
    `${where} returned a WS-Management fault${fault.wsmanCode ? ` ${fault.wsmanCode}` : ''}${fault.subcode ? ` (${fault.subcode})` : ''}: ${fault.reason}`,
    fault,
  );
}

/** ShellId from a Create response: the rsp:Shell body (WinRM 2+), a selector, or a bare ShellId. */
export function shellIdOf(env: XmlNode): string | null {
  const body = asNode(env['Body']);
  const fromShell = text(asNode(body?.['Shell'])?.['ShellId']);
  if (fromShell) return fromShell.trim();
  const selectors = asNode(asNode(asNode(body?.['ResourceCreated'])?.['ReferenceParameters'])?.['SelectorSet'])?.['Selector'];
  if (Array.isArray(selectors)) {
    const s = selectors.map(asNode).find((n) => n?.['@Name'] === 'ShellId');
    if (s) return text(s)?.trim() ?? null;
  }
  // A loose server (winrmtest) puts it straight in the envelope.
  const bare = text(env['ShellId']) ?? text(body?.['ShellId']);
  return bare?.trim() ?? null;
}

export function commandIdOf(env: XmlNode): string | null {
  const body = asNode(env['Body']);
  const id = text(asNode(body?.['CommandResponse'])?.['CommandId']) ?? text(env['CommandId']) ?? text(body?.['CommandId']);
  return id?.trim() ?? null;
}

export interface ReceiveChunk {
  stdout: Buffer;
  stderr: Buffer;
  done: boolean;
  exitCode: number | null;
}

export function receiveChunkOf(env: XmlNode): ReceiveChunk {
  const body = asNode(env['Body']);
  const response = asNode(body?.['ReceiveResponse']) ?? asNode(env['ReceiveResponse']);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const streams = response?.['Stream'];
  for (const s of Array.isArray(streams) ? streams : []) {
    const node = asNode(s);
    const content = text(s);
    if (!content) continue;
    const bytes = Buffer.from(content.trim(), 'base64');
    if (node?.['@Name'] === 'stderr') err.push(bytes);
    else out.push(bytes);
  }
  const state = asNode(response?.['CommandState']);
  const done = state?.['@State'] === COMMAND_DONE;
  const exit = text(state?.['ExitCode']);
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), done, exitCode: done && exit !== undefined ? Number(exit.trim()) : null };
}
