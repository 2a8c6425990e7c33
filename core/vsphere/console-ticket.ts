import { OutpostError } from '../contract/errors.js';
import type { VsphereSession } from './session.js';
import { child, el, text, type MoRef } from './xml.js';

/** A one-time ticket that opens the VM's console (webmks) without the operator's password. */
export interface ConsoleTicket {
  ticket: string;
  host: string | null;
  port: number | null;
  url: string | null;
  sslThumbprint: string | null;
}

export async function acquireConsoleTicket(session: VsphereSession, vm: MoRef, ticketType: 'webmks' | 'mks' = 'webmks'): Promise<ConsoleTicket> {
  const { body } = await session.invoke('AcquireTicket', vm, el('ticketType', ticketType));
  const rv = body['returnval'];
  const ticket = text(child(rv, 'ticket'));
  if (!ticket) throw new OutpostError('VCENTER_PROTOCOL', 'AcquireTicket returned no ticket.');
  const port = text(child(rv, 'port'));
  return {
    ticket,
    host: text(child(rv, 'host')) ?? null,
    port: port ? Number(port) : null,
    url: text(child(rv, 'url')) ?? null,
    sslThumbprint: text(child(rv, 'sslThumbprint')) ?? null,
  };
}

/**
 * SessionManager.AcquireCloneTicket: a one-time ticket with which VMware Remote Console clones
 * this session (CloneSession) instead of asking the operator to log in again. vCenter drops the
 * ticket when it is used or when this session ends, so the caller keeps the session open for a
 * while. The ticket is a secret: it goes into the vmrc:// link and nowhere else.
 */
export async function acquireCloneTicket(session: VsphereSession): Promise<string> {
  const { body } = await session.invoke('AcquireCloneTicket', session.content.sessionManager);
  const ticket = text(body['returnval']);
  if (!ticket) throw new OutpostError('VCENTER_PROTOCOL', 'AcquireCloneTicket returned no ticket.');
  return ticket;
}
