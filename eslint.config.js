// ESLint: neostandard (the house style of STYLE.md, the style the code is written in) with
// typescript-eslint's type-aware rules that catch real bugs, and the layer rule of
// docs/architecture.md. `npm run lint`; `npm test` runs it after the typecheck.
import neostandard from 'neostandard'
import { layersPlugin } from './scripts/lint/layer-rule.mjs'

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'lib/pzf/wasm/**', 'coverage/**', '.tap/**', 'test/fixtures/**'] }),
  {
    rules: {
      // Layout the code already has and keeps: properties grouped on a few lines
      // (`{ a, b,\n c }`), and two blank lines between sections of a long file.
      '@stylistic/object-property-newline': 'off',
      '@stylistic/object-curly-newline': 'off',
      '@stylistic/no-multiple-empty-lines': ['error', { max: 2, maxEOF: 1, maxBOF: 0 }],
      // `void promise` marks a promise whose settling is handled elsewhere (no-floating-promises
      // accepts it); only `void` inside an expression hides a value.
      'no-void': ['error', { allowAsStatement: true }],
      // Names, paths and listings are checked for control characters on purpose (PYME's rules).
      'no-control-regex': 'off',
      // Flags loop-invariant operands of a compound condition (`!head && n < size`) and
      // counters that callbacks advance: noise here, never a bug found.
      'no-unmodified-loop-condition': 'off',
      // Naming only: our deferreds name the executor's functions `res`/`rej`.
      'promise/param-names': 'off',
      // Replaced by the type-aware versions below, which know a caught `unknown` from a string.
      'no-throw-literal': 'off',
      'prefer-promise-reject-errors': 'off',
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // neostandard's settings, plus `_` for a binding that must exist but is not read
      // (`for await (const _ of it)` drains an iterator).
      '@typescript-eslint/no-unused-vars': ['error', { args: 'none', caughtErrors: 'none', ignoreRestSiblings: true, vars: 'all', varsIgnorePattern: '^_$' }],
      // A promise nobody awaits loses its rejection (an unhandled rejection ends the process).
      // tap's subtests (`t.test`) are awaited by tap itself.
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafePromises: [{ from: 'package', name: 'PromiseWithSubtest', package: '@tapjs/core' }],
      }],
      // An async callback where a sync one is expected (an event listener, a forEach) drops its errors.
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // `any` switches the type checker off; in lib/ it must not flow anywhere unchecked.
      '@typescript-eslint/no-unsafe-assignment': 'error',
      '@typescript-eslint/no-unsafe-call': 'error',
      '@typescript-eslint/no-unsafe-member-access': 'error',
      '@typescript-eslint/no-unsafe-return': 'error',
      '@typescript-eslint/no-unsafe-argument': 'error',
      // `${obj}` and String(obj) print "[object Object]".
      '@typescript-eslint/restrict-template-expressions': 'error',
      '@typescript-eslint/no-base-to-string': 'error',
    },
  },
  {
    // Tests and benches parse what Python tools and servers print (JSON.parse → any) and
    // assert on it: a wrong shape fails the assertion, so casts would add words, not safety.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    files: ['lib/**/*.ts'],
    plugins: { layers: layersPlugin },
    rules: { 'layers/layer-order': ['error', { root: 'lib' }] },
  },
]
