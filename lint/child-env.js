// ESLint rule `outpost/child-env`: every program core/ and electron/ start gets a minimal,
// explicit environment. A child_process call (spawn, spawnSync, execFile, execFileSync, exec,
// execSync, fork) must pass an options object literal with `env: childEnv(...)`
// (core/exec/child-env.ts), so the vault passphrase, PGPASSWORD and the rest of the parent's
// environment never reach ip, iptables, ansible-playbook, ssh-keyscan or an RDP client.
// Tests (*.test.ts) and everything outside core/ and electron/ are not checked.
import path from 'node:path';

const MODULES = new Set(['node:child_process', 'child_process']);
const CALLS = new Set(['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync', 'fork']);

const checked = (rel) => (rel.startsWith('core/') || rel.startsWith('electron/')) && !/\.test\.tsx?$/.test(rel);

const isChildEnvCall = (node) => node?.type === 'CallExpression' && node.callee.type === 'Identifier' && node.callee.name === 'childEnv';

const hasChildEnv = (args) =>
  args.some(
    (arg) =>
      arg.type === 'ObjectExpression' &&
      arg.properties.some((p) => p.type === 'Property' && !p.computed && ((p.key.type === 'Identifier' && p.key.name === 'env') || (p.key.type === 'Literal' && p.key.value === 'env')) && isChildEnvCall(p.value)),
  );

/** @type {import('eslint').Rule.RuleModule} */
export const childEnv = {
  meta: {
    type: 'problem',
    docs: { description: 'Every child process in core/ and electron/ gets env: childEnv(...), never the parent environment' },
    schema: [],
    messages: {
      missing: '{{call}}() must pass an options object with `env: childEnv({...})` (core/exec/child-env.ts): a child never inherits the parent environment (vault passphrase, PGPASSWORD, ...).',
      dynamic: 'Import child_process with a static import so the `outpost/child-env` rule can check its calls.',
      indirect: 'Call {{name}} directly (not passed on, wrapped or destructured) so the `outpost/child-env` rule can check that it gets env: childEnv(...).',
    },
  },
  create(context) {
    const rel = path.relative(context.cwd, context.filename).split(path.sep).join('/');
    if (!checked(rel)) return {};
    /** local name -> child_process function name */
    const functions = new Map();
    /** local names bound to the whole module (namespace or default import) */
    const modules = new Set();

    return {
      ImportDeclaration(node) {
        if (!MODULES.has(node.source.value)) return;
        for (const s of node.specifiers) {
          let direct;
          if (s.type === 'ImportSpecifier') {
            const imported = s.imported.type === 'Identifier' ? s.imported.name : s.imported.value;
            if (!CALLS.has(imported)) continue;
            functions.set(s.local.name, imported);
            // Only `spawn(...)` itself: `promisify(execFile)` or `const run = spawn` would escape the check.
            direct = (id) => id.parent.type === 'CallExpression' && id.parent.callee === id;
          } else {
            modules.add(s.local.name);
            // Only `cp.spawn(...)`: `const { spawn } = cp` would escape the check.
            direct = (id) => id.parent.type === 'MemberExpression' && id.parent.object === id && !id.parent.computed && id.parent.parent.type === 'CallExpression' && id.parent.parent.callee === id.parent;
          }
          for (const variable of context.sourceCode.getDeclaredVariables(s)) {
            for (const ref of variable.references) {
              if (!direct(ref.identifier)) context.report({ node: ref.identifier, messageId: 'indirect', data: { name: s.local.name } });
            }
          }
        }
      },
      ImportExpression(node) {
        if (node.source.type === 'Literal' && MODULES.has(node.source.value)) context.report({ node, messageId: 'dynamic' });
      },
      CallExpression(node) {
        const { callee } = node;
        if (callee.type === 'Identifier' && callee.name === 'require' && node.arguments[0]?.type === 'Literal' && MODULES.has(node.arguments[0].value)) {
          context.report({ node, messageId: 'dynamic' });
          return;
        }
        let call = null;
        if (callee.type === 'Identifier' && functions.has(callee.name)) call = functions.get(callee.name);
        else if (callee.type === 'MemberExpression' && callee.object.type === 'Identifier' && modules.has(callee.object.name) && !callee.computed && callee.property.type === 'Identifier' && CALLS.has(callee.property.name)) call = callee.property.name;
        if (call && !hasChildEnv(node.arguments)) context.report({ node, messageId: 'missing', data: { call } });
      },
    };
  },
};

export default { rules: { 'child-env': childEnv } };
