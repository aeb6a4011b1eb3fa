import t from 'tap'
import { float, PyFloat } from '../../lib/internal/py-float.js'

t.test('PyFloat behaves as its number in JavaScript', async (t) => {
  const f = float(100)
  t.ok(f instanceof PyFloat)
  t.equal(f.value, 100)
  t.equal(+f + 1, 101, 'valueOf')
  t.equal(`${f.toString()}`, '100')
  t.equal(JSON.stringify({ f }), '{"f":100}', 'toJSON for JSON.stringify users')
  t.throws(() => float(Number('x')) && new PyFloat('1' as unknown as number), { code: 'PYME_ERR_INVALID_ARGUMENT' })
})
