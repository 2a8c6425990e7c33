import { OutpostError } from '../contract/errors.js';
import type { VsphereSession } from './session.js';
import { scanRetrieveResult, type ScannedRetrieveResult } from './retrieve-result-scanner.js';
import type { SoapResponse } from './soap-transport.js';
import { asArray, child, decodeValue, el, isNode, refEl, text, toRef, type MoRef, type XmlNode, type XmlValue } from './xml.js';

/** Which properties to read for which managed object type. */
export interface PropertySpec {
  type: string;
  paths: readonly string[];
}

/** One object's properties, decoded (see decodeValue). */
export interface ObjectContent {
  ref: MoRef;
  props: Map<string, unknown>;
}

export interface RetrieveOptions {
  /** Objects per page (RetrieveOptions.maxObjects); vCenter may send fewer. */
  pageSize?: number;
  /**
   * Pages requested beyond the one being handled (default 1, at least 0): while onPage(n) runs,
   * pages n+1..n+readAhead may be on their way; page n+readAhead+1 is asked for only once onPage(n)
   * has returned. This bounds memory whatever the ratio of vCenter's speed to the consumer's.
   */
  readAhead?: number;
  /** Called once per page, in order; the next page is already requested while it runs. */
  onPage: (objects: ObjectContent[], page: number) => void | Promise<void>;
}

export interface RetrieveSummary {
  objects: number;
  pages: number;
}

/** A ContainerView of the given types under `container` (session-scoped: rebuild after re-login). */
export async function createContainerView(session: VsphereSession, container: MoRef, types: readonly string[], recursive = true): Promise<MoRef> {
  const { body } = await session.invoke(
    'CreateContainerView',
    session.content.viewManager,
    refEl('container', container) + types.map((t) => el('type', t)).join('') + el('recursive', recursive),
  );
  return requireRef(body, 'CreateContainerView');
}

export async function destroyView(session: VsphereSession, view: MoRef): Promise<void> {
  await session.invoke('DestroyView', view);
}

/** The filter spec for "these properties of every object in this view". */
export function viewFilterSpec(view: MoRef, specs: readonly PropertySpec[]): string {
  const propSets = specs.map((s) => `<propSet>${el('type', s.type)}${s.paths.map((p) => el('pathSet', p)).join('')}</propSet>`).join('');
  const objectSet =
    `<objectSet>${refEl('obj', view)}${el('skip', true)}` +
    `<selectSet xsi:type="TraversalSpec">${el('name', 'traverseView')}${el('type', 'ContainerView')}${el('path', 'view')}${el('skip', false)}</selectSet></objectSet>`;
  return propSets + objectSet;
}

/**
 * RetrievePropertiesEx, then ContinueRetrievePropertiesEx until vCenter returns no token: always,
 * whatever the page size, so no result is ever cut off. The request for the next page leaves as
 * soon as a page's raw text has arrived (its token is read from the text, before parsing), so the
 * server prepares it while this one is parsed, decoded and stored; but at most `readAhead` pages
 * are ever requested beyond the one being handled, and a handed-over page is dropped at once, so a
 * consumer slower than vCenter (database writes) holds memory for a few pages, not the whole
 * estate. Pages are handed over in order; if a handler throws, the rest of the result is cancelled
 * on the server.
 */
export async function retrieveAll(session: VsphereSession, view: MoRef, specs: readonly PropertySpec[], options: RetrieveOptions): Promise<RetrieveSummary> {
  const pc = session.content.propertyCollector;
  const readAhead = Math.max(0, Math.floor(options.readAhead ?? 1));
  // Only pages requested and not yet handed over live here (at most readAhead + 1 of them).
  const responses = new Map<number, Promise<SoapResponse>>();
  const peeked = new Map<number, string | undefined>();
  const scanned = new Map<number, ScannedRetrieveResult>();
  // The page the consumer waits for or handles now, and a token whose request waits for room.
  let current = 0;
  let waiting = null as { index: number; token: string } | null;
  // The last request made and its token, once known: what cancelRest frees on the server.
  let last = 0;
  let abandoned = false;
  const request = (index: number, token: string): void => {
    if (abandoned) return;
    if (index - current > readAhead) waiting = { index, token };
    else issue(index, 'ContinueRetrievePropertiesEx', el('token', token));
  };
  const issue = (index: number, method: string, args: string): void => {
    last = index;
    const response = session.invoke(method, pc, args, {
      onRawResponse: (raw) => {
        const token = peekToken(raw);
        peeked.set(index, token);
        if (token) request(index + 1, token);
      },
      // Pages are read by the targeted scanner (a fault still takes the general path).
      takeRaw: (raw) => {
        const page = scanRetrieveResult(raw, method);
        if (page) scanned.set(index, page);
        return page !== null;
      },
    });
    response.catch(() => undefined); // awaited in order below; avoid an unhandled rejection meanwhile
    responses.set(index, response);
  };
  issue(0, 'RetrievePropertiesEx', `<specSet>${viewFilterSpec(view, specs)}</specSet><options>${el('maxObjects', options.pageSize ?? 1000)}</options>`);

  let objects = 0;
  for (let page = 0; ; page++) {
    current = page;
    if (waiting && waiting.index - current <= readAhead) {
      const { index, token } = waiting;
      waiting = null;
      issue(index, 'ContinueRetrievePropertiesEx', el('token', token));
    }
    const pending = responses.get(page);
    if (!pending) throw new OutpostError('VCENTER_PROTOCOL', 'A page of the result went missing; nothing further was applied.', { page });
    let more: string | undefined;
    try {
      const response = await pending;
      const fast = scanned.get(page);
      // Drop every reference to this page (raw text, parse) before the consumer runs.
      responses.delete(page);
      scanned.delete(page);
      more = peeked.get(page);
      peeked.delete(page);
      const result = fast ? undefined : child(response.body, 'returnval');
      const token = fast ? fast.token : text(child(result, 'token'));
      if (token !== more) {
        throw new OutpostError('VCENTER_PROTOCOL', 'The continuation token in the response did not match; the result was not applied.', { page });
      }
      const contents = fast ? fast.objects : asArray(child(result, 'objects')).map(objectContent);
      objects += contents.length;
      await options.onPage(contents, page);
    } catch (err) {
      abandoned = true;
      await cancelRest(session, responses.get(last), waiting?.token ?? (() => peeked.get(last)));
      throw err;
    }
    if (!more) return { objects, pages: page + 1 };
  }
}

/** Frees the server-side rest of a result the caller gave up on (best effort). */
async function cancelRest(session: VsphereSession, lastResponse: Promise<SoapResponse> | undefined, token: string | (() => string | undefined)): Promise<void> {
  try {
    if (lastResponse) await lastResponse;
    const t = typeof token === 'string' ? token : token();
    if (t) await session.invoke('CancelRetrievePropertiesEx', session.content.propertyCollector, el('token', t));
  } catch {
    // vCenter frees abandoned results on its own when the session ends.
  }
}

/** The `<token>` of a RetrieveResult in raw response text (tokens are opaque, no markup). */
function peekToken(raw: string): string | undefined {
  // vCenter writes the token after the objects, Go's encoder (vcsim) before them: look only at
  // both ends of a large page, never through the object data.
  const edges = raw.length > 8192 ? raw.slice(0, 4096) + raw.slice(-4096) : raw;
  const m = /<token>([^<]*)<\/token>/.exec(edges);
  return m ? unescapeXmlText(m[1] ?? '') : undefined;
}

function unescapeXmlText(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e] ?? '');
}

export function objectContent(node: XmlValue): ObjectContent {
  const ref = toRef(child(node, 'obj'));
  if (!ref) throw new OutpostError('VCENTER_PROTOCOL', 'An object in the result has no reference.');
  const props = new Map<string, unknown>();
  for (const p of asArray(child(node, 'propSet'))) {
    const name = text(child(p, 'name'));
    if (name) props.set(name, decodeValue(child(p, 'val')));
  }
  return { ref, props };
}

// ---- incremental: WaitForUpdatesEx -----------------------------------------------------------

export type ObjectUpdateKind = 'enter' | 'modify' | 'leave';

export interface PropertyChange {
  name: string;
  op: 'add' | 'remove' | 'assign' | 'indirectRemove';
  value: unknown;
}

export interface ObjectUpdate {
  kind: ObjectUpdateKind;
  ref: MoRef;
  changes: PropertyChange[];
}

export interface UpdateSet {
  version: string;
  /** More updates are waiting: call again at once with this version. */
  truncated: boolean;
  objects: ObjectUpdate[];
}

/** A private PropertyCollector, so one watcher's filters and waits never disturb another's. */
export async function createPropertyCollector(session: VsphereSession): Promise<MoRef> {
  const { body } = await session.invoke('CreatePropertyCollector', session.content.propertyCollector);
  return requireRef(body, 'CreatePropertyCollector');
}

export async function destroyPropertyCollector(session: VsphereSession, collector: MoRef): Promise<void> {
  await session.invoke('DestroyPropertyCollector', collector);
}

export async function createFilter(session: VsphereSession, collector: MoRef, view: MoRef, specs: readonly PropertySpec[]): Promise<MoRef> {
  const { body } = await session.invoke('CreateFilter', collector, `<spec>${viewFilterSpec(view, specs)}</spec>${el('partialUpdates', false)}`);
  return requireRef(body, 'CreateFilter');
}

/** A filter on some properties of one object (no traversal), e.g. an event collector's latestPage. */
export async function createObjectFilter(session: VsphereSession, collector: MoRef, obj: MoRef, type: string, paths: readonly string[]): Promise<MoRef> {
  const spec = `<propSet>${el('type', type)}${paths.map((p) => el('pathSet', p)).join('')}</propSet><objectSet>${refEl('obj', obj)}${el('skip', false)}</objectSet>`;
  const { body } = await session.invoke('CreateFilter', collector, `<spec>${spec}</spec>${el('partialUpdates', false)}`);
  return requireRef(body, 'CreateFilter');
}

/**
 * One WaitForUpdatesEx call. `version` is '' for the initial snapshot, then the version of the
 * previous result. Returns null when maxWaitSeconds passed without a change.
 */
export async function waitForUpdates(
  session: VsphereSession,
  collector: MoRef,
  version: string,
  options: { maxWaitSeconds: number; maxObjectUpdates?: number },
): Promise<UpdateSet | null> {
  const { body } = await session.invoke(
    'WaitForUpdatesEx',
    collector,
    el('version', version) + `<options>${el('maxWaitSeconds', options.maxWaitSeconds)}${options.maxObjectUpdates ? el('maxObjectUpdates', options.maxObjectUpdates) : ''}</options>`,
    { timeoutMs: (options.maxWaitSeconds + 60) * 1000 },
  );
  const rv = child(body, 'returnval');
  if (!isNode(rv)) return null;
  const objects: ObjectUpdate[] = [];
  for (const fs of asArray(child(rv, 'filterSet'))) {
    for (const os of asArray(child(fs, 'objectSet'))) {
      const ref = toRef(child(os, 'obj'));
      const kind = text(child(os, 'kind')) as ObjectUpdateKind | undefined;
      if (!ref || (kind !== 'enter' && kind !== 'modify' && kind !== 'leave')) continue;
      const changes = asArray(child(os, 'changeSet')).map((c) => ({
        name: text(child(c, 'name')) ?? '',
        op: (text(child(c, 'op')) ?? 'assign') as PropertyChange['op'],
        value: decodeValue(child(c, 'val')),
      }));
      objects.push({ kind, ref, changes });
    }
  }
  return { version: text(child(rv, 'version')) ?? version, truncated: text(child(rv, 'truncated')) === 'true', objects };
}

export async function cancelWaitForUpdates(session: VsphereSession, collector: MoRef): Promise<void> {
  await session.invoke('CancelWaitForUpdates', collector);
}

/** Reads properties of one object (tasks, a VM's state after an operation). */
export async function readProperties(session: VsphereSession, ref: MoRef, paths: readonly string[]): Promise<Map<string, unknown>> {
  const spec =
    `<propSet>${el('type', ref.type)}${paths.map((p) => el('pathSet', p)).join('')}</propSet>` + `<objectSet>${refEl('obj', ref)}${el('skip', false)}</objectSet>`;
  const { body } = await session.invoke('RetrievePropertiesEx', session.content.propertyCollector, `<specSet>${spec}</specSet><options></options>`);
  const first = asArray(child(child(body, 'returnval'), 'objects'))[0];
  return first ? objectContent(first).props : new Map();
}

function requireRef(body: XmlNode, method: string): MoRef {
  const ref = toRef(body['returnval']);
  if (!ref) throw new OutpostError('VCENTER_PROTOCOL', `${method} returned no object reference.`);
  return ref;
}
