import t from 'tap'
import { EVENTS_FILE, FINAL_METADATA_FILE, frameFileName, MAX_FRAME_INDEX, METADATA_FILE, parseFrameFileName } from '../../lib/internal/series-layout.js'

t.test("frame names are 'frame%05d.pzf'", async (t) => {
  t.equal(frameFileName(0), 'frame00000.pzf')
  t.equal(frameFileName(42), 'frame00042.pzf')
  t.equal(frameFileName(99999), 'frame99999.pzf')
  t.equal(frameFileName(100000), 'frame100000.pzf', 'more digits from 100,000 on, as Python %05d')
  t.equal(frameFileName(MAX_FRAME_INDEX), 'frame4294967295.pzf')
  t.equal(METADATA_FILE, 'metadata.json')
  t.equal(FINAL_METADATA_FILE, 'final_metadata.json')
  t.equal(EVENTS_FILE, 'events.json')
})

t.test('parsing accepts exactly what %05d writes', async (t) => {
  for (const n of [0, 7, 99999, 100000, 1234567, MAX_FRAME_INDEX]) t.equal(parseFrameFileName(frameFileName(n)), n)
  for (const bad of ['frame0001.pzf', 'frame012345.pzf', 'frame00001.PZF', 'frame00001.pzf.tmp', 'xframe00001.pzf', 'frame-0001.pzf',
    'frame4294967296.pzf', 'frame99999999999.pzf', 'metadata.json', '.pyme-tmp-1-2-3']) {
    t.equal(parseFrameFileName(bad), undefined, bad)
  }
})
