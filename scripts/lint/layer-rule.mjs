// ESLint rule `layers/layer-order`: a file in lib/<folder>/ imports only from its own folder,
// the folders below it in LAYERS (layers.mjs) and lib/errors.ts; lib/errors.ts imports types
// only. Relative specifiers are resolved to a path first, so `./x.js`, `../pzf/y.js` and
// `import('../z.js')` are judged by where they land, not by how they are spelled.
import { dirname, relative, resolve, sep } from 'node:path'
import { LAYERS, ROOT_INDEX_EXCLUDES, reachable } from './layers.mjs'

const folderOf = (relPath) => {
  const parts = relPath.split(sep)
  return parts.length === 1 ? `:${parts[0].replace(/\.[cm]?[jt]s$/, '')}` : parts[0]
}

/** @type {import('eslint').Rule.RuleModule} */
export const layerOrder = {
  meta: {
    type: 'problem',
    docs: { description: 'enforce the layer order of lib/ (docs/architecture.md)' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, additionalProperties: false }],
    messages: {
      upward: 'lib/{{from}} may not import lib/{{to}}: it does not lie below {{from}} (layers in docs/architecture.md); move the shared code down to where both reach it',
      unknownFolder: 'lib/{{from}} has no place in the layer table (scripts/lint/layers.mjs and docs/architecture.md)',
      outside: 'lib/ may not import from outside lib/ ({{source}})',
      rootIndex: 'lib/index.ts is the root entry point: it does not import lib/{{to}}',
      barrel: 'nothing in lib/ imports the root entry point lib/index.ts (it would hide cycles)',
      errorsTypesOnly: 'lib/errors.ts imports types only (`import type`): every layer imports it',
    },
  },
  create (context) {
    const root = resolve(context.cwd, context.options[0]?.root ?? 'lib')
    const file = context.filename
    const rel = relative(root, file)
    if (rel.startsWith('..') || rel === '') return {}
    const from = folderOf(rel)

    const check = (node, source, typeOnly) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return
      const target = relative(root, resolve(dirname(file), source))
      if (target.startsWith('..')) {
        context.report({ node, messageId: 'outside', data: { source } })
        return
      }
      const to = folderOf(target)
      if (to === from) return
      if (from === ':errors') {
        if (!typeOnly) context.report({ node, messageId: 'errorsTypesOnly' })
        return
      }
      if (to === ':errors') return
      if (to === ':index') {
        context.report({ node, messageId: 'barrel' })
        return
      }
      if (from === ':index') {
        if (ROOT_INDEX_EXCLUDES.includes(to)) context.report({ node, messageId: 'rootIndex', data: { to } })
        return
      }
      if (!(from in LAYERS)) {
        context.report({ node, messageId: 'unknownFolder', data: { from } })
        return
      }
      if (!reachable(from).has(to)) context.report({ node, messageId: 'upward', data: { from, to: to.replace(/^:/, '') + (to.startsWith(':') ? '.ts' : '') } })
    }

    const allTypes = (specifiers) => specifiers.length > 0 && specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type')
    return {
      ImportDeclaration (node) {
        check(node, node.source.value, node.importKind === 'type' || allTypes(node.specifiers))
      },
      ExportNamedDeclaration (node) {
        if (node.source !== null && node.source !== undefined) check(node, node.source.value, node.exportKind === 'type' || allTypes(node.specifiers))
      },
      ExportAllDeclaration (node) {
        check(node, node.source.value, node.exportKind === 'type')
      },
      ImportExpression (node) {
        if (node.source.type === 'Literal') check(node, node.source.value, false)
      },
      TSImportType (node) {
        const arg = node.argument
        const lit = arg?.type === 'TSLiteralType' ? arg.literal : arg
        if (lit?.type === 'Literal') check(node, lit.value, true)
      },
    }
  },
}

/** The plugin as eslint.config.js loads it. */
export const layersPlugin = { meta: { name: 'pyme-layers' }, rules: { 'layer-order': layerOrder } }
