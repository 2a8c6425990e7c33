import { OutpostError } from '../contract/errors.js';
import type { SqlParams, SqlValue } from './sql.js';

/**
 * One store statement rewritten for PostgreSQL: `?` and `@name` placeholders become `$n`, and
 * `LIKE` becomes `ILIKE` (SQLite's LIKE ignores ASCII case; the stores rely on that). Only the
 * statement text is rewritten, never a value: values travel as parameters. Quoted text
 * ('...', "...", $tag$...$tag$) and comments are copied untouched, so a `?` or `@` in a literal
 * stays a character.
 */
export interface Translated {
  text: string;
  /** Positional: how many `?`. Named: the name of each `$n`, in order. */
  positional: number;
  names: readonly string[];
  /** The statement starts with INSERT INTO <table> (lower-case name), for `lastId`. */
  insertInto: string | null;
  returning: boolean;
}

const WORD = /[A-Za-z0-9_]/;

export function translate(sql: string): Translated {
  let out = '';
  let positional = 0;
  const names: string[] = [];
  const index = new Map<string, number>();
  let returning = false;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "'" || c === '"') {
      // A quoted literal or identifier; a doubled quote inside is the quote itself.
      let j = i + 1;
      for (;;) {
        if (j >= n) throw unterminated(sql);
        if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const j = end < 0 ? n : end;
      out += sql.slice(i, j);
      i = j;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) throw unterminated(sql);
      out += sql.slice(i, end + 2);
      i = end + 2;
    } else if (c === '$' && /[A-Za-z_$]/.test(next ?? '') && !WORD.test(sql[i - 1] ?? '')) {
      // A dollar-quoted string ($$...$$ or $tag$...$tag$).
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (!m) {
        out += c;
        i++;
        continue;
      }
      const end = sql.indexOf(m[0], i + m[0].length);
      if (end < 0) throw unterminated(sql);
      out += sql.slice(i, end + m[0].length);
      i = end + m[0].length;
    } else if (c === '?') {
      if (names.length > 0) throw mixed(sql);
      out += `$${++positional}`;
      i++;
    } else if (c === '@' && /[A-Za-z_]/.test(next ?? '')) {
      if (positional > 0) throw mixed(sql);
      let j = i + 1;
      while (j < n && WORD.test(sql[j]!)) j++;
      const name = sql.slice(i + 1, j);
      let k = index.get(name);
      if (k === undefined) {
        names.push(name);
        k = names.length;
        index.set(name, k);
      }
      out += `$${k}`;
      i = j;
    } else if (/[A-Za-z_]/.test(c) && !WORD.test(sql[i - 1] ?? '')) {
      let j = i + 1;
      while (j < n && WORD.test(sql[j]!)) j++;
      const word = sql.slice(i, j);
      const upper = word.toUpperCase();
      if (upper === 'LIKE') out += word === 'like' ? 'ilike' : 'ILIKE';
      else out += word;
      if (upper === 'RETURNING') returning = true;
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  const insert = /^\s*INSERT\s+INTO\s+("?)([A-Za-z_][A-Za-z0-9_]*)\1/i.exec(sql);
  return { text: out, positional, names, insertInto: insert ? insert[2]!.toLowerCase() : null, returning };
}

/** The values for a translated statement, in `$n` order; Uint8Array becomes a Buffer (bytea). */
export function bindValues(t: Translated, params: SqlParams, sql: string): unknown[] {
  if (Array.isArray(params)) {
    const list = params as readonly SqlValue[];
    if (t.names.length > 0) throw new OutpostError('INTERNAL', 'A statement with @names was given positional parameters.', { query: short(sql) });
    if (list.length !== t.positional) {
      throw new OutpostError('INTERNAL', `A statement expects ${t.positional} parameters, got ${list.length}.`, { query: short(sql) });
    }
    return list.map(value);
  }
  const named = params as Readonly<Record<string, SqlValue>>;
  if (t.positional > 0) throw new OutpostError('INTERNAL', 'A statement with ? was given named parameters.', { query: short(sql) });
  return t.names.map((name) => {
    if (!Object.prototype.hasOwnProperty.call(named, name)) throw new OutpostError('INTERNAL', `Missing named parameter @${name}.`, { query: short(sql) });
    return value(named[name] ?? null);
  });
}

function value(v: SqlValue): unknown {
  if (v instanceof Uint8Array && !Buffer.isBuffer(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === 'bigint') return v.toString();
  return v;
}

export function short(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim().slice(0, 200);
}

function unterminated(sql: string): OutpostError {
  return new OutpostError('INTERNAL', 'A statement has an unterminated quote or comment.', { query: short(sql) });
}

function mixed(sql: string): OutpostError {
  return new OutpostError('INTERNAL', 'A statement mixes ? and @name placeholders.', { query: short(sql) });
}
