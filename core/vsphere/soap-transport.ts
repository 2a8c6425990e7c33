import { request } from 'node:https';
import { OutpostError } from '../contract/errors.js';
import type { TrustedAgent } from '../trust/trusted-agent.js';
import { vsphereFault } from './faults.js';
import { parseXmlAsync } from './xml-parser-pool.js';
import { findLocal, isNode, soapEnvelope, type XmlNode } from './xml.js';

export interface SoapCallOptions {
  timeoutMs?: number;
  /** Called with the raw response text before it is parsed (the pager reads the token early). */
  onRawResponse?: (raw: string) => void;
  /**
   * A targeted reader for a known answer shape (retrieve-result-scanner.ts): called with the raw
   * text of an HTTP 200 answer; returning true means it took the answer, and `body` is then empty.
   * Returning false (a fault, another shape) leaves the answer to the general parser.
   */
  takeRaw?: (raw: string) => boolean;
}

/** Raw response text plus the parsed `<MethodResponse>` element. */
export interface SoapResponse {
  raw: string;
  body: XmlNode;
}

/**
 * One vCenter SDK endpoint: POSTs SOAP envelopes over a kept-alive, trust-checked HTTPS agent and
 * carries the session cookie. It knows nothing of sessions or re-login (session.ts does).
 */
export class SoapTransport {
  private cookie: string | null = null;

  constructor(
    readonly url: URL,
    private readonly agent: TrustedAgent,
    private readonly defaultTimeoutMs = 120_000,
    /** SOAPAction names the API release; vCenter 6.5+ accepts this one for every call we make. */
    private readonly soapAction = 'urn:vim25/6.5',
  ) {}

  get sessionCookie(): string | null {
    return this.cookie;
  }

  forgetCookie(): void {
    this.cookie = null;
  }

  /** Sends `<method>` with the given inner XML and returns its parsed `<methodResponse>`. */
  async call(method: string, innerXml: string, options: SoapCallOptions = {}): Promise<SoapResponse> {
    const payload = Buffer.from(soapEnvelope(`<${method} xmlns="urn:vim25">${innerXml}</${method}>`), 'utf8');
    const { status, raw } = await this.post(payload, method, options.timeoutMs ?? this.defaultTimeoutMs);
    const notSoap = (): OutpostError =>
      new OutpostError(
        'VCENTER_PROTOCOL',
        `${this.url.origin}${this.url.pathname} answered ${method} with HTTP ${status} and no SOAP envelope. Check that the URL is the vCenter SDK (https://HOST/sdk).`,
        { method, status },
      );
    if (!/<(?:[\w-]+:)?Envelope[\s>]/.test(raw.slice(0, 1024))) throw notSoap();
    // The parser tolerates a document cut short; a whole SOAP answer always closes its envelope.
    if (!/Envelope>\s*$/.test(raw.slice(-64))) throw truncated(method, 'the SOAP envelope is not closed');
    options.onRawResponse?.(raw);
    if (status === 200 && options.takeRaw?.(raw)) return { raw, body: {} };
    const doc = await parseXmlAsync(raw);
    const envelope = findLocal(doc, 'Envelope');
    const body = isNode(envelope) ? findLocal(envelope, 'Body') : undefined;
    if (!isNode(body)) throw notSoap();
    const fault = findLocal(body, 'Fault');
    if (fault !== undefined) throw vsphereFault(method, fault);
    const response = body[`${method}Response`];
    if (status !== 200) {
      throw new OutpostError('VCENTER_PROTOCOL', `vCenter answered ${method} with HTTP ${status} and no fault.`, { method, status });
    }
    if (response === undefined) {
      throw new OutpostError('VCENTER_PROTOCOL', `vCenter's answer to ${method} lacks ${method}Response.`, { method });
    }
    return { raw, body: isNode(response) ? response : {} };
  }

  private post(payload: Buffer, method: string, timeoutMs: number): Promise<{ status: number; raw: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          protocol: 'https:',
          hostname: this.url.hostname,
          port: this.url.port || 443,
          path: this.url.pathname + this.url.search,
          method: 'POST',
          agent: this.agent,
          headers: {
            'Content-Type': 'text/xml; charset=utf-8',
            SOAPAction: this.soapAction,
            'Content-Length': payload.length,
            ...(this.cookie ? { Cookie: this.cookie } : {}),
          },
        },
        (res) => {
          const setCookie = res.headers['set-cookie']?.find((c) => c.startsWith('vmware_soap_session='));
          if (setCookie) this.cookie = setCookie.split(';')[0] ?? null;
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => reject(truncated(method, err.message)));
          res.on('aborted', () => reject(truncated(method, 'connection closed')));
          res.on('end', () => {
            // A body cut short by a dropped connection must never be mistaken for a whole answer.
            if (!res.complete) return reject(truncated(method, 'connection closed'));
            resolve({ status: res.statusCode ?? 0, raw: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      req.setTimeout(timeoutMs, () => {
        req.destroy(new OutpostError('TIMEOUT', `vCenter did not answer ${method} within ${timeoutMs} ms. Retry; check vCenter's load.`, { method }));
      });
      req.on('error', (err) => {
        if (err instanceof OutpostError) return reject(err);
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ECONNRESET' || code === 'EPIPE' || err.message === 'socket hang up') {
          return reject(new OutpostError('UNREACHABLE', `The connection to ${this.url.host} dropped during ${method}. Outpost retries; check that vCenter is up.`, { method, cause: code ?? err.message }));
        }
        reject(new OutpostError('UNREACHABLE', `${method} to ${this.url.host} failed: ${err.message}`, { method, cause: code ?? null }));
      });
      req.end(payload);
    });
  }
}

function truncated(method: string, why: string): OutpostError {
  return new OutpostError('VCENTER_PROTOCOL', `vCenter's answer to ${method} was cut off (${why}); nothing was applied. Retry.`, { method, truncated: true });
}
