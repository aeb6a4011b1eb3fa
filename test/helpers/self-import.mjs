// `node --import=./test/helpers/self-import.mjs …`: `pyme-cluster` and its subpaths resolve to the
// sources (lib/**/index.ts, loaded by the TypeScript loader imported before this file), so the
// examples, which import the package by name as a user's code does, run in the repository
// against the code under test instead of whatever dist/ holds. The packed package is tried as
// installed by test/package/packed-package.test.ts.
import { register } from 'node:module'

register(new URL('./self-import-hooks.mjs', import.meta.url))
