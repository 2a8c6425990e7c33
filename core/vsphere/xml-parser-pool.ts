import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { notXml, parseXml, PARSER_OPTIONS, type XmlNode } from './xml.js';

/**
 * Parses large SOAP answers on worker threads. A 1,000-VM page is ~3 MB of XML and parsing it is
 * most of a full sync's time; with the next page already requested (property-collector.ts), pages
 * that arrive while one is being parsed are parsed side by side instead of queueing on the main
 * thread. Small answers are parsed in place: a round trip to a worker would cost more.
 */
const LARGE = 512 * 1024;

// The worker is plain CommonJS evaluated from this string, so it needs no separate build entry;
// it loads the same fast-xml-parser the main thread uses and parses with the same options.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { XMLParser } = require(workerData.parserPath);
const parser = new XMLParser(workerData.options);
parentPort.on('message', (m) => {
  let reply;
  try { reply = { id: m.id, doc: parser.parse(m.text) }; }
  catch (e) { reply = { id: m.id, error: String((e && e.message) || e) }; }
  parentPort.postMessage(reply);
});`;

interface Job {
  resolve: (doc: XmlNode) => void;
  reject: (err: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  jobs: Map<number, Job>;
}

class XmlParserPool {
  private workers: PoolWorker[] | null = null;
  private broken = false;
  private nextId = 0;

  parse(text: string): Promise<XmlNode> {
    const workers = text.length >= LARGE ? this.start() : null;
    if (!workers || workers.length === 0) return Promise.resolve().then(() => parseXml(text));
    // The least busy worker; ties go to the first.
    const target = workers.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
    const id = this.nextId++;
    return new Promise<XmlNode>((resolve, reject) => {
      target.jobs.set(id, { resolve, reject });
      if (target.jobs.size === 1) target.worker.ref(); // keep the process alive while work is pending
      target.worker.postMessage({ id, text });
    });
  }

  private start(): PoolWorker[] | null {
    if (this.broken) return null;
    if (this.workers) return this.workers;
    try {
      const parserPath = createRequire(import.meta.url).resolve('fast-xml-parser');
      const size = Math.max(1, Math.min(2, availableParallelism()));
      this.workers = Array.from({ length: size }, () => this.spawn(parserPath));
    } catch {
      this.broken = true; // parse in place instead
      return null;
    }
    return this.workers;
  }

  private spawn(parserPath: string): PoolWorker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { parserPath, options: PARSER_OPTIONS } });
    const entry: PoolWorker = { worker, jobs: new Map() };
    worker.on('message', (m: { id: number; doc?: XmlNode; error?: string }) => {
      const job = entry.jobs.get(m.id);
      entry.jobs.delete(m.id);
      if (entry.jobs.size === 0) worker.unref();
      if (!job) return;
      if (m.error !== undefined) job.reject(notXml(m.error));
      else job.resolve(m.doc ?? {});
    });
    const fail = (err: Error): void => {
      // A dead worker fails only its own jobs; later answers are parsed in place.
      for (const job of entry.jobs.values()) job.reject(notXml(err.message));
      entry.jobs.clear();
      this.broken = true;
      this.workers = null;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => code !== 0 && fail(new Error(`XML worker exited with ${code}`)));
    worker.unref(); // idle workers never keep the process alive (after the listeners: adding one refs again)
    return entry;
  }
}

const pool = new XmlParserPool();

/** Parses a SOAP answer, large ones off the main thread. */
export function parseXmlAsync(text: string): Promise<XmlNode> {
  return pool.parse(text);
}
