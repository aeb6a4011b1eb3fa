// Module resolve hook of self-import.mjs: package.json's exports map, pointed at the sources.
const root = new URL('../../', import.meta.url)
const targets = {
  'pyme-cluster': 'lib/index.ts',
  'pyme-cluster/pzf': 'lib/pzf/index.ts',
  'pyme-cluster/server': 'lib/server/index.ts',
  'pyme-cluster/discovery': 'lib/discovery/index.ts',
  'pyme-cluster/package.json': 'package.json'
}

export async function resolve (specifier, context, next) {
  const target = Object.hasOwn(targets, specifier) ? targets[specifier] : undefined
  if (target === undefined) return await next(specifier, context)
  return { url: new URL(target, root).href, shortCircuit: true, ...(target.endsWith('.json') ? { importAttributes: context.importAttributes } : {}) }
}
