// ESLint rule `outpost/layer-imports`: which folder may import which (DESIGN.md, "The shape").
//   renderer/       -> only renderer/, core/contract/ and the UI packages below; no Node, no core services;
//                      inside it the shared parts never reach up into a feature: renderer/ui/ (the design
//                      system) imports neither renderer/views/ nor renderer/data/, and renderer/data/ (the
//                      contract hooks) imports neither renderer/views/ nor renderer/ui/; renderer/parts/ (shared
//                      components that read through data/ hooks, e.g. the VM picker) imports ui/ and data/, no feature
//   core/contract/  -> only itself, zod and ipaddr.js (pure; it is imported by every layer, including the renderer)
//   core/           -> never electron, React or the renderer; and each core/<folder> only the core/
//                      folders its row in lint/core-layers.js allows (foundations -> domains ->
//                      composition root -> transports), type-only imports included
//   electron/       -> never the renderer's code
// Everything else (e2e/, test/, bench/, scripts/) is unrestricted.
import path from 'node:path';
import { storeSql } from './store-sql.js';
import { coreFolderOf, coreLayerVerdict } from './core-layers.js';

const RENDERER_PACKAGES = [/^react(\/.*)?$/, /^react-dom(\/.*)?$/, /^zustand(\/.*)?$/, /^@xterm\//, /^@tanstack\//];
const RENDERER_TEST_PACKAGES = [/^vitest(\/.*)?$/, /^@testing-library\//];
const CONTRACT_PACKAGES = [/^zod(\/.*)?$/, /^ipaddr\.js$/];
const UI_PACKAGES = [/^electron(\/.*)?$/, /^react(\/.*)?$/, /^react-dom(\/.*)?$/, /^zustand(\/.*)?$/, /^@xterm\//, /^@tanstack\//];

function layerOf(rel) {
  if (rel.startsWith('renderer/')) return 'renderer';
  if (rel.startsWith('core/contract/')) return 'contract';
  if (rel.startsWith('core/')) return 'core';
  if (rel.startsWith('electron/')) return 'electron';
  return null;
}

const isTestFile = (rel) => /\.test\.tsx?$/.test(rel);

/** renderer/ui/, renderer/data/ and renderer/parts/ serve every feature, so they may not depend on one (nor ui/ and data/ on each other). */
const RENDERER_SHARED = [
  { folder: 'renderer/ui/', banned: ['renderer/views/', 'renderer/data/', 'renderer/parts/'], why: 'renderer/ui/ is the design system: it imports no feature (views/) and no data hook (data/); pass data in through props' },
  { folder: 'renderer/data/', banned: ['renderer/views/', 'renderer/ui/', 'renderer/parts/'], why: 'renderer/data/ holds the contract hooks: it imports no feature (views/) and no component (ui/, parts/)' },
  { folder: 'renderer/parts/', banned: ['renderer/views/'], why: 'renderer/parts/ holds shared components with data (ui/ + data/): it imports no feature (views/); pass feature knowledge in through props' },
];

function rendererFolderVerdict(rel, target) {
  for (const r of RENDERER_SHARED) {
    if (rel.startsWith(r.folder) && r.banned.some((b) => target.startsWith(b))) return r.why;
  }
  return null;
}

/** The core/ folder rule (lint/core-layers.js) for a relative import target; tests are exempt (see there). */
function coreFolderVerdict(rel, target) {
  if (isTestFile(rel)) return null;
  const from = coreFolderOf(rel);
  const to = target ? coreFolderOf(target) : null;
  if (!from || !to) return null;
  return coreLayerVerdict(from, to);
}

/** @type {import('eslint').Rule.RuleModule} */
export const layerImports = {
  meta: {
    type: 'problem',
    docs: { description: 'Keep the layers apart: renderer -> contract <- electron/host -> core services' },
    schema: [],
    messages: {
      forbidden: '{{layer}} may not import "{{source}}": {{why}}',
    },
  },
  create(context) {
    const root = context.cwd;
    const file = context.filename;
    const rel = path.relative(root, file).split(path.sep).join('/');
    const layer = layerOf(rel);
    if (!layer) return {};

    function check(node, source) {
      if (typeof source !== 'string') return;
      const why = verdict(source);
      if (why) context.report({ node, messageId: 'forbidden', data: { layer: rel, source, why } });
    }

    function verdict(source) {
      const relative = source.startsWith('.') || source.startsWith('/');
      const target = relative ? path.relative(root, path.resolve(path.dirname(file), source)).split(path.sep).join('/') : null;
      switch (layer) {
        case 'renderer':
          if (target) {
            if (target.startsWith('renderer/')) return rendererFolderVerdict(rel, target);
            if (target === 'core/contract' || target.startsWith('core/contract/')) return null;
            return 'the renderer may import only renderer/ and the pure core/contract/';
          }
          if (RENDERER_PACKAGES.some((re) => re.test(source))) return null;
          // Tests and their helpers (renderer/testing/) may use the test libraries; the app may not.
          if ((isTestFile(rel) || rel.startsWith('renderer/testing/')) && RENDERER_TEST_PACKAGES.some((re) => re.test(source))) return null;
          return 'the renderer has no Node and no core services; go through the contract client';
        case 'contract':
          if (target) return target.startsWith('core/contract/') || target === 'core/contract' ? null : 'the contract is pure: it imports only itself, zod and ipaddr.js';
          if (CONTRACT_PACKAGES.some((re) => re.test(source))) return null;
          return 'the contract is pure: it imports only itself, zod and ipaddr.js';
        case 'core':
          if (target && (target.startsWith('electron/') || target.startsWith('renderer/'))) return 'core/ never depends on electron/ or renderer/';
          if (!target && UI_PACKAGES.some((re) => re.test(source))) return 'core/ is plain Node: no Electron, no React';
          return coreFolderVerdict(rel, target);
        case 'electron':
          if (target && target.startsWith('renderer/')) return 'electron/ talks to the renderer only through the contract';
          return null;
        default:
          return null;
      }
    }

    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      // `typeof import('../x.js')` in a type: a type-only edge still counts toward the layering.
      TSImportType: (node) => {
        if (node.source?.type === 'Literal') return check(node, node.source.value); // typescript-eslint >= 8.x
        const arg = node.argument; // older typescript-eslint: a TSLiteralType
        if (arg?.type === 'TSLiteralType' && arg.literal.type === 'Literal') check(node, arg.literal.value);
      },
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal') {
          check(node, node.arguments[0].value);
        }
      },
    };
  },
};

export default { rules: { 'layer-imports': layerImports, 'store-sql': storeSql } };
