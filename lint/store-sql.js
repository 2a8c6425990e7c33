// ESLint rule `outpost/store-sql`: SQL lives only in a table's store file (`*-store.ts`) and in
// core/db/ (the engines and migrations) - DESIGN.md, "One owner per table". Anywhere else in
// core/ and electron/ a database call (.prepare/.pragma/.transaction, .exec with SQL) or an SQL
// string is an error: ask the owning store for the rows instead. Tests, benchmarks and scripts
// may inspect the database directly.
import path from 'node:path';

/** SQL statements as the stores write them: upper-case keywords followed by SQL, not prose. */
const SQL_PATTERNS = [
  /\bSELECT\s+(DISTINCT\s+)?[\w*(][\s\S]*\bFROM\s+\w/,
  /\b(INSERT|REPLACE)\s+(OR\s+[A-Z]+\s+)?INTO\s+\w/,
  /\bUPDATE\s+\w+\s+SET\s/,
  /\bDELETE\s+FROM\s+\w/,
  /\b(CREATE|ALTER|DROP)\s+(TABLE|INDEX|TRIGGER|VIEW|VIRTUAL\s+TABLE)\b/,
  /^\s*PRAGMA\s+\w/,
];
const DB_METHODS = new Set(['prepare', 'pragma', 'transaction']);

export const isSql = (text) => SQL_PATTERNS.some((re) => re.test(text));

function applies(rel) {
  if (!rel.startsWith('core/') && !rel.startsWith('electron/')) return false;
  if (/\.test\.tsx?$/.test(rel)) return false;
  if (rel.startsWith('core/db/')) return false;
  return !/-store\.ts$/.test(rel);
}

/** @type {import('eslint').Rule.RuleModule} */
export const storeSql = {
  meta: {
    type: 'problem',
    docs: { description: 'SQL only in *-store.ts files and core/db/ (one owner per table)' },
    schema: [],
    messages: {
      call: '.{{method}}() on a database outside a store: move the query into the owning *-store.ts and call its method',
      sql: 'SQL outside a store: move it into the owning *-store.ts (one owner per table) and call its method',
    },
  },
  create(context) {
    const rel = path.relative(context.cwd, context.filename).split(path.sep).join('/');
    if (!applies(rel)) return {};
    const textOf = (node) => {
      if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
      if (node.type === 'TemplateLiteral') return node.quasis.map((q) => q.value.cooked ?? q.value.raw).join(' x ');
      return null;
    };
    return {
      CallExpression(node) {
        const callee = node.callee;
        if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier') return;
        const method = callee.property.name;
        if (DB_METHODS.has(method)) context.report({ node, messageId: 'call', data: { method } });
        // .exec is also RegExp#exec and a shell's exec: only an SQL argument makes it a database call.
        if (method === 'exec' && node.arguments[0] && isSql(textOf(node.arguments[0]) ?? '')) context.report({ node, messageId: 'call', data: { method } });
      },
      Literal(node) {
        if (typeof node.value === 'string' && isSql(node.value)) context.report({ node, messageId: 'sql' });
      },
      TemplateLiteral(node) {
        if (isSql(textOf(node))) context.report({ node, messageId: 'sql' });
      },
    };
  },
};
