import t from 'tap'
import { workerExecArgv, workerExecArgvFallback } from '../../lib/internal/worker-exec-argv.js'

t.test('nothing to drop: the worker inherits (undefined)', async (t) => {
  t.equal(workerExecArgv([]), undefined)
  t.equal(workerExecArgv(['--expose-gc', '--import=@tapjs/typescript/import', '--enable-source-maps']), undefined)
})

t.test('program options are dropped with their values', async (t) => {
  t.same(workerExecArgv(['--input-type=module', '-e', 'code']), [])
  t.same(workerExecArgv(['--input-type', 'module', '--eval', '-1', '--import', 'x.js']), ['--import', 'x.js'])
  t.same(workerExecArgv(['--expose-gc', '-p', 'process.execArgv']), ['--expose-gc'])
  t.same(workerExecArgv(['--print=1', '--conditions=dev']), ['--conditions=dev'])
  t.same(workerExecArgv(['--test', '--test-reporter', 'tap', '--test-name-pattern=x', '--watch', '--watch-path', 'lib', '--no-warnings']), ['--no-warnings'])
  t.same(workerExecArgv(['-c', '-i', '--check', '--interactive', '--run', 'build', '-r', 'a.cjs']), ['-r', 'a.cjs'])
})

t.test('fallback keeps only what decides how code loads', async (t) => {
  t.same(workerExecArgvFallback(['--expose-gc', '--max-old-space-size=100', '--input-type=module', '-e', 'code',
    '--import', 'a.js', '--loader=b.js', '-C', 'dev', '--enable-source-maps', '--no-warnings', '--experimental-vm-modules',
    '--title=x', '-r', 'c.cjs', '--require=d.cjs', '--experimental-loader', 'e.js', '--test-timeout', '5']),
  ['--import', 'a.js', '--loader=b.js', '-C', 'dev', '--enable-source-maps', '--no-warnings', '--experimental-vm-modules',
    '-r', 'c.cjs', '--require=d.cjs', '--experimental-loader', 'e.js'])
  t.same(workerExecArgvFallback(['--import']), ['--import'], 'a value-less last option is kept as it is')
})
