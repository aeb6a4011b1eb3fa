import t from 'tap'
import { DEFAULT_FLOAT_KEYS, MetaDataHandler } from '../../lib/series/metadata-handler.js'
import { float, PyFloat } from '../../lib/internal/py-float.js'
import { pythonMissing, runPython } from './python-oracle.js'

t.test('the bare backend example of §7.5', async (t) => {
  const mdh = new MetaDataHandler()
  mdh.set('imageID', 0).set('DimOrder', 'XYCZT').set('SizeC', 1).set('SizeT', -1).set('SizeZ', 1)
  t.equal(mdh.stringify(), '{\n  "DimOrder": "XYCZT",\n  "SizeC": 1,\n  "SizeT": -1,\n  "SizeZ": 1,\n  "imageID": 0\n}')
  t.equal(mdh.size, 5)
  t.same(mdh.keys(), ['DimOrder', 'SizeC', 'SizeT', 'SizeZ', 'imageID'])
  t.equal(new MetaDataHandler().stringify(), '{}')
})

t.test('ints and floats: JS users get what Python expects', async (t) => {
  const mdh = new MetaDataHandler({}, { floatKeys: ['Lab.Gain', 'Stage.*'] })
  mdh.set('voxelsize.x', 1) // a known float key
  mdh.set('voxelsize.y', 0.07)
  mdh.set('Camera.ROIWidth', 512) // int
  mdh.set('Camera.ADOffset', 100)
  mdh.setFloat('Custom.Scale', 2)
  mdh.setInt('StartTime', 5) // forced int on a float key
  mdh.set('Lab.Gain', 3)
  mdh.set('Stage.X', [1, 2.5, 3n])
  mdh.set('Positioning.z', 0)
  mdh.set('Wrapped', float(7))
  mdh.set('Big', 2n ** 70n)
  t.equal(mdh.stringify(), [
    '{',
    '  "Big": 1180591620717411303424,',
    '  "Camera.ADOffset": 100.0,',
    '  "Camera.ROIWidth": 512,',
    '  "Custom.Scale": 2.0,',
    '  "Lab.Gain": 3.0,',
    '  "Positioning.z": 0.0,',
    '  "Stage.X": [',
    '    1.0,',
    '    2.5,',
    '    3',
    '  ],',
    '  "StartTime": 5,',
    '  "Wrapped": 7.0,',
    '  "voxelsize.x": 1.0,',
    '  "voxelsize.y": 0.07',
    '}'
  ].join('\n'))
  t.equal(mdh.get('voxelsize.x'), 1, 'get() gives plain numbers')
  t.ok(mdh.getEntry('voxelsize.x') instanceof PyFloat, 'getEntry() keeps the float marker')
  t.same(mdh.get('Stage.X'), [1, 2.5, 3n])
  t.ok(mdh.isFloatKey('Stage.anything.deep'))
  t.notOk(mdh.isFloatKey('Stage'))
  t.ok(DEFAULT_FLOAT_KEYS.includes('voxelsize.z'))
  t.equal(mdh.get('missing'), undefined)
})

t.test('objects flatten to dotted keys; handlers nest', async (t) => {
  const cam = new MetaDataHandler().set('ADOffset', float(100)).set('Name', 'Zyla')
  const mdh = new MetaDataHandler({ Camera: { ROI: { X: 0, Y: 0 }, Serial: 'X-1' }, Protocol: { Filename: 'p.py' } })
  mdh.set('Cam2', cam)
  mdh.set('Empty', {})
  mdh.set('List', [{ b: 1, a: [2] }, 'x', null, true])
  t.same(mdh.toObject(), {
    'Cam2.ADOffset': 100,
    'Cam2.Name': 'Zyla',
    'Camera.ROI.X': 0,
    'Camera.ROI.Y': 0,
    'Camera.Serial': 'X-1',
    List: [{ b: 1, a: [2] }, 'x', null, true],
    'Protocol.Filename': 'p.py'
  })
  t.ok(mdh.stringify().includes('"Cam2.ADOffset": 100.0'), 'float-ness survives nesting')
  t.ok(mdh.has('Camera.Serial'))
  t.ok(mdh.delete('Camera.Serial'))
  t.notOk(mdh.has('Camera.Serial'))
  const copy = new MetaDataHandler(mdh, { floatKeys: ['X'] })
  t.equal(copy.stringify(), mdh.stringify())
  t.ok(copy.isFloatKey('X'))
  const c2 = mdh.markFloat('Q.*').copy()
  t.ok(c2.isFloatKey('Q.r'), 'copies keep float keys')
  c2.set('Camera.ROI.X', 5)
  t.equal(mdh.get('Camera.ROI.X'), 0, 'copies are independent')
  const upd = new MetaDataHandler().update(mdh)
  t.same(upd.entries(), mdh.entries())
})

t.test('bad keys and values are refused', async (t) => {
  const mdh = new MetaDataHandler()
  for (const k of ['', '.a', 'a.', 'a..b', 3 as unknown as string]) {
    t.throws(() => mdh.set(k, 1), { code: 'PYME_ERR_INVALID_ARGUMENT' }, `key ${String(k)}`)
  }
  const bad: unknown[] = [undefined, () => 1, Symbol('s'), new Date(), new Uint16Array(3), [new Map()], { x: [undefined] }]
  for (const v of bad) t.throws(() => mdh.set('k', v as never), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  t.throws(() => mdh.setFloat('k', '1' as unknown as number), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  t.throws(() => mdh.setInt('k', 1.5), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  t.throws(() => mdh.setInt('k', '1' as unknown as number), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  t.throws(() => mdh.markFloat(''), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  t.throws(() => new MetaDataHandler({}, { floatKeys: 5 as unknown as string[] }), { code: 'PYME_ERR_INVALID_ARGUMENT', message: /floatKeys/ })
  t.throws(() => mdh.update([] as never), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  let deep: unknown = 1
  for (let i = 0; i < 80; i++) deep = [deep]
  t.throws(() => mdh.set('deep', deep as never), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  t.throws(() => new PyFloat('1' as unknown as number), { code: 'PYME_ERR_INVALID_ARGUMENT' })
  t.equal(mdh.size, 0, 'nothing half-set')
})

t.test('parse: lenient, exact, flattened', async (t) => {
  const text = '{\n  "Camera.ADOffset": 100.0,\n  "Nested": {"a": 1, "b": {"c": NaN}},\n  "imageID": 12345678901234567890,\n  "voxelsize.x": 1\n}'
  const mdh = MetaDataHandler.parse(text)
  t.ok(mdh.getEntry('Camera.ADOffset') instanceof PyFloat)
  t.equal(mdh.getEntry('voxelsize.x'), 1, 'an int in the file stays an int, even on a float key')
  t.equal(mdh.get('imageID'), 12345678901234567890n)
  t.ok(Number.isNaN(mdh.get('Nested.b.c') as number))
  t.equal(mdh.stringify(), '{\n  "Camera.ADOffset": 100.0,\n  "Nested.a": 1,\n  "Nested.b.c": NaN,\n  "imageID": 12345678901234567890,\n  "voxelsize.x": 1\n}')
  t.throws(() => MetaDataHandler.parse('[1]', 'metadata.json'), { code: 'PYME_ERR_SERIES_FORMAT', message: 'metadata.json is not a JSON object' })
  t.throws(() => MetaDataHandler.parse('{'), { code: 'PYME_ERR_SERIES_FORMAT' })
})

t.test('differential: Python writes PYME-like metadata; we read and write it identically', { skip: pythonMissing }, async (t) => {
  const script = [
    'import json',
    'md = {"imageID": 0, "DimOrder": "XYCZT", "SizeC": 1, "SizeT": -1, "SizeZ": 1, "StartTime": 1716872400.123456,',
    '      "EndTime": 1716872460.0, "Camera.ADOffset": 100.0, "Camera.ElectronsPerCount": 0.28, "Camera.IntegrationTime": 0.01,',
    '      "Camera.ROI": [0, 0, 2048, 2048], "Camera.Name": "Andor Zyla \\u00b5", "voxelsize.x": 0.065, "voxelsize.units": "um",',
    '      "Protocol.Filename": "prebleach671.py", "Sample.Notes": "", "Shift": "{\\"a.B\\": {\\"x\\": 1}}", "PYME.Version": "24.5.1",',
    '      "Camera.EMGain": 0, "Camera.TrueEMGain": 1.0, "Positioning.x": 1e-05, "Ratio": 1e16, "Nothing": None, "Flag": True}',
    'print(json.dumps(md, indent=2, sort_keys=True), end="")'
  ].join('\n')
  const text = runPython(script, '')
  const mdh = MetaDataHandler.parse(text)
  t.equal(mdh.stringify(), text)
  // And the same metadata built by a JS user, the natural way:
  const js = new MetaDataHandler()
  js.update({ imageID: 0, DimOrder: 'XYCZT', SizeC: 1, SizeT: -1, SizeZ: 1, StartTime: 1716872400.123456, EndTime: 1716872460 })
  js.update({ Camera: { ADOffset: 100, ElectronsPerCount: 0.28, IntegrationTime: 0.01, ROI: [0, 0, 2048, 2048], Name: 'Andor Zyla µ', EMGain: 0, TrueEMGain: 1 } })
  js.update({ voxelsize: { x: 0.065, units: 'um' }, Protocol: { Filename: 'prebleach671.py' }, Sample: { Notes: '' } })
  js.update({ Shift: '{"a.B": {"x": 1}}', PYME: { Version: '24.5.1' }, Positioning: { x: 1e-5 }, Ratio: float(1e16), Nothing: null, Flag: true })
  t.equal(js.stringify(), text, 'default float keys make the natural JS calls produce PYME bytes')
})
