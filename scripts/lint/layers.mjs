// The layers of lib/: which folder sits directly on which. docs/architecture.md shows the
// same table (test/lint/layers.test.ts keeps the two in step); the ESLint rule in
// layer-rule.mjs enforces it, so a folder reaches only what lies below it.
//
//   internal ─┬─ pzf ──────┬─ hdf5 ─────────┬─ server
//             │            │                │
//             └─ discovery ┼─ cluster ──────┼─ series ─┬─ backends ─┐
//                          └─ streamer ─────┼──────────┘            ├─ cli
//                                           └─ console ─────────────┘
//
// A folder may import any folder it reaches going down (the transitive closure), and
// lib/errors.ts. lib/errors.ts itself imports types only; lib/index.ts (the root entry
// point) imports anything but the programs (cli, console) and the server's entry point.

/** Each folder of lib/ and the folders it sits on directly. */
export const LAYERS = {
  internal: [],
  pzf: ['internal'],
  discovery: ['internal'],
  hdf5: ['pzf'],
  cluster: ['discovery'],
  streamer: ['pzf', 'discovery'],
  series: ['cluster', 'hdf5'],
  backends: ['series', 'streamer'],
  server: ['hdf5'],
  console: ['series'],
  cli: ['backends', 'server', 'console'],
}

/** Folders lib/index.ts may not import: programs and other entry points' servers. */
export const ROOT_INDEX_EXCLUDES = ['cli', 'console', 'server']

/** Every folder `folder` may import: what it reaches going down, itself excluded. */
export function reachable (folder) {
  const seen = new Set()
  const walk = (f) => {
    for (const below of LAYERS[f] ?? []) {
      if (!seen.has(below)) {
        seen.add(below)
        walk(below)
      }
    }
  }
  walk(folder)
  return seen
}
