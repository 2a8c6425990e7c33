import { OutpostError } from '../contract/errors.js';
import type { TrustPolicy } from '../trust/certificate-verdict.js';
import { TrustedAgent } from '../trust/trusted-agent.js';
import { isFault } from './faults.js';
import { SoapTransport, type SoapCallOptions, type SoapResponse } from './soap-transport.js';
import { child, el, refEl, text, toRef, type MoRef, type XmlNode } from './xml.js';

/** The parts of vim25 ServiceContent Outpost uses. */
export interface ServiceContent {
  rootFolder: MoRef;
  propertyCollector: MoRef;
  viewManager: MoRef;
  sessionManager: MoRef;
  eventManager: MoRef | null;
  taskManager: MoRef | null;
  /** Custom attribute definitions (names of the keys in each entity's customValue); null without one. */
  customFieldsManager: MoRef | null;
  about: { fullName: string; version: string; build: string; apiVersion: string; instanceUuid: string };
}

export interface SessionOptions {
  url: string;
  username: string;
  password: string;
  trust: TrustPolicy;
  /** How often an idle session is kept alive (vCenter drops idle sessions after ~30 min). */
  keepAliveMs?: number;
  timeoutMs?: number;
}

const SERVICE_INSTANCE: MoRef = { type: 'ServiceInstance', value: 'ServiceInstance' };

/** Parses and checks a vCenter URL; only https is accepted, the path defaults to /sdk. */
export function parseSdkUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `https://${raw}`);
  } catch {
    throw new OutpostError('VALIDATION', `"${raw}" is not a URL. Give the vCenter address, e.g. https://vcenter.example/sdk.`, { url: raw });
  }
  if (url.protocol !== 'https:') {
    throw new OutpostError('VALIDATION', `Outpost talks to vCenter over https only; "${raw}" uses ${url.protocol.replace(':', '')}.`, { url: raw });
  }
  if (!url.hostname) throw new OutpostError('VALIDATION', `"${raw}" has no host name.`, { url: raw });
  if (url.username || url.password) {
    throw new OutpostError('VALIDATION', 'Put the user and password in their own fields, not in the URL.', { url: `${url.protocol}//${url.host}${url.pathname}` });
  }
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/sdk';
  return url;
}

/**
 * A logged-in vim25 session. Every call goes through `invoke`, which logs in again once when
 * vCenter says the session is gone (NotAuthenticated) and retries the call; `generation` counts
 * logins so holders of session-scoped objects (views, filters, collectors) know to rebuild them.
 */
export class VsphereSession {
  private readonly transport: SoapTransport;
  private readonly agent: TrustedAgent;
  private keepAliveTimer: NodeJS.Timeout | null = null;
  private loginInFlight: Promise<void> | null = null;
  private closed = false;
  content!: ServiceContent;
  sessionKey = '';
  generation = 0;

  private constructor(private readonly options: SessionOptions) {
    const url = parseSdkUrl(options.url);
    this.agent = new TrustedAgent(options.trust);
    this.transport = new SoapTransport(url, this.agent, options.timeoutMs);
  }

  static async connect(options: SessionOptions): Promise<VsphereSession> {
    const session = new VsphereSession(options);
    try {
      const { body } = await session.transport.call('RetrieveServiceContent', refEl('_this', SERVICE_INSTANCE));
      session.content = parseServiceContent(body);
      await session.login();
      session.startKeepAlive();
      return session;
    } catch (err) {
      session.destroy();
      throw err;
    }
  }

  get url(): URL {
    return this.transport.url;
  }

  /** Calls a vim25 method on `self`; re-logs in once if the session was dropped server-side. */
  async invoke(method: string, self: MoRef, argsXml = '', options: SoapCallOptions = {}): Promise<SoapResponse> {
    if (this.closed) throw new OutpostError('VCENTER_AUTH', 'This vCenter session was closed.', { fault: 'SessionClosed' });
    const inner = refEl('_this', self) + argsXml;
    const generation = this.generation;
    try {
      return await this.transport.call(method, inner, options);
    } catch (err) {
      if (!isFault(err, 'NotAuthenticated')) throw err;
      if (this.generation === generation) await this.relogin();
      return await this.transport.call(method, inner, options);
    }
  }

  /** Logs out and drops the connections; safe to call twice. */
  async logout(): Promise<void> {
    if (this.closed) return;
    this.stopKeepAlive();
    try {
      await this.transport.call('Logout', refEl('_this', this.content.sessionManager), { timeoutMs: 5_000 });
    } catch {
      // The session may already be gone; nothing to undo.
    }
    this.destroy();
  }

  /** Drops the connections without logging out (the server lets the session expire). */
  destroy(): void {
    this.closed = true;
    this.stopKeepAlive();
    this.agent.destroy();
  }

  private async relogin(): Promise<void> {
    if (!this.loginInFlight) {
      this.loginInFlight = (async () => {
        this.transport.forgetCookie();
        await this.login();
      })().finally(() => (this.loginInFlight = null));
    }
    await this.loginInFlight;
  }

  private async login(): Promise<void> {
    const { body } = await this.transport.call(
      'Login',
      refEl('_this', this.content.sessionManager) + el('userName', this.options.username) + el('password', this.options.password),
    );
    this.sessionKey = text(child(body['returnval'], 'key')) ?? '';
    this.generation++;
  }

  private startKeepAlive(): void {
    const every = this.options.keepAliveMs ?? 10 * 60_000;
    this.keepAliveTimer = setInterval(() => {
      this.invoke('CurrentTime', SERVICE_INSTANCE).catch(() => undefined); // the next real call reports problems
    }, every);
    this.keepAliveTimer.unref();
  }

  private stopKeepAlive(): void {
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = null;
  }
}

function parseServiceContent(body: XmlNode): ServiceContent {
  const rv = body['returnval'];
  const need = (name: string): MoRef => {
    const ref = toRef(child(rv, name));
    if (!ref) throw new OutpostError('VCENTER_PROTOCOL', `ServiceContent lacks ${name}; is this a vCenter SDK endpoint?`);
    return ref;
  };
  const about = child(rv, 'about');
  const a = (name: string): string => text(child(about, name)) ?? '';
  return {
    rootFolder: need('rootFolder'),
    propertyCollector: need('propertyCollector'),
    viewManager: need('viewManager'),
    sessionManager: need('sessionManager'),
    eventManager: toRef(child(rv, 'eventManager')) ?? null,
    taskManager: toRef(child(rv, 'taskManager')) ?? null,
    customFieldsManager: toRef(child(rv, 'customFieldsManager')) ?? null,
    about: { fullName: a('fullName'), version: a('version'), build: a('build'), apiVersion: a('apiVersion'), instanceUuid: a('instanceUuid') },
  };
}
