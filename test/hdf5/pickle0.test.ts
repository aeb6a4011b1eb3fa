import t from 'tap'
import { readPickle0, writePickle0 } from '../../lib/hdf5/pickle0.js'
import { PyFloat } from '../../lib/internal/py-float.js'

t.test('writes what pickle.dumps(value, 0) writes (memo aside)', async (t) => {
  t.equal(writePickle0(null), 'N.')
  t.equal(writePickle0(true), 'I01\n.')
  t.equal(writePickle0(false), 'I00\n.')
  t.equal(writePickle0(2), 'I2\n.')
  t.equal(writePickle0(2 ** 40), 'L1099511627776L\n.')
  t.equal(writePickle0(2n ** 70n), 'L1180591620717411303424L\n.')
  t.equal(writePickle0(1.5), 'F1.5\n.')
  t.equal(writePickle0(new PyFloat(100)), 'F100.0\n.')
  t.equal(writePickle0('a\\b\nµ😀'), 'Va\\u005cb\\u000a\\u00b5\\U0001f600\n.')
  t.equal(writePickle0([1.5, 2, 'x']), '(lF1.5\naI2\naVx\na.')
  t.equal(writePickle0({ a: 1 }), '(dVa\nI1\ns.')
})

t.test('reads plain data back, including memo opcodes and Python 2 strings', async (t) => {
  for (const v of [null, true, false, 7, -3, 'a\\b\nµ😀', [1, [2, 'x']], { a: [1], b: null }]) t.same(readPickle0(writePickle0(v)), v)
  t.same(readPickle0('(lp0\nF1.5\naI2\naVx\np1\na.'), [new PyFloat(1.5), 2, 'x'], 'PyTables\' own text')
  t.same(readPickle0('(dp0\nVa\np1\nI1\ns.'), { a: 1 })
  t.same(readPickle0("S'it\\'s'\np0\n."), "it's")
  t.same(readPickle0('(I1\nI2\nt.'), [1, 2])
  t.same(readPickle0('(lp0\nVx\np1\nag1\na.'), ['x', 'x'], 'GET of a memo')
  t.equal(readPickle0('(lp0\nI1\nag0\na.'), undefined, 'a list holding itself is not plain data')
  t.same(readPickle0(']I1\na.'), [1])
  t.same(readPickle0('}Va\nI1\ns.'), { a: 1 })
  t.same(readPickle0('(l(I1\nI2\ne.'), [1, 2], 'APPENDS')
  t.same(readPickle0('}(Va\nI1\nVb\nI2\nu.'), { a: 1, b: 2 }, 'SETITEMS')
  t.same(readPickle0('L123L\n.'), 123)
  t.same(readPickle0('I9007199254740993\n.'), 9007199254740993n)
  t.same(readPickle0('Fnan\n.'), new PyFloat(NaN))
  t.same(readPickle0('F-inf\n.'), new PyFloat(-Infinity))
  t.same(readPickle0('I1\n0N.'), null, 'POP')
})

t.test('anything that could run code, or is not a pickle, is not read', async (t) => {
  for (const text of [
    "cos\nsystem\n(S'ls'\ntR.", 'c__builtin__\neval\n.', '(iMod\nCls\n.', 'plain text.', 'I1\n', 'Ix\n.', 'Fabc\n.', "S'x\n.", 'g9\n.',
    'a.', 's.', 'N', 'NN.', '(N.', '\x80\x04N.', 'Lx\n.', 'V', 'p0', '0.', 'l.', '(I1\nd.', 'I1\n(e.', 'I1\nI2\nI3\ns.'
  ]) t.equal(readPickle0(text), undefined, JSON.stringify(text))
})
