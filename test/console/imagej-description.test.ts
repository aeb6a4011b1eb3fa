import t from 'tap'
import { imagejDescription, imagejDescriptionCapacity, MAX_DESCRIBED_FRAMES } from '../../lib/console/imagej-description.js'

t.test('ImageJ descriptions', async (t) => {
  t.equal(imagejDescription({ frames: 3, depth: 1 }), 'ImageJ=1.11a\nimages=3\nframes=3\nloop=false\n')
  t.equal(imagejDescription({ frames: 3, depth: 4, micron: true, zSpacing: 0.2, frameInterval: 0.05, missingFrames: 2 }),
    'ImageJ=1.11a\nimages=12\nslices=4\nframes=3\nhyperstack=true\nunit=micron\nspacing=0.2\nfinterval=0.05\nloop=false\nmissing_frames=2\n')
  t.notMatch(imagejDescription({ frames: 1, depth: 1, zSpacing: 0.2, frameInterval: 0 }), /spacing|finterval/, 'no z spacing for 2-D frames, no zero interval')
  for (const depth of [1, 7]) {
    const d = { depth, micron: true, zSpacing: 1.25, frameInterval: 0.001 }
    const widest = imagejDescription({ ...d, frames: MAX_DESCRIBED_FRAMES, missingFrames: MAX_DESCRIBED_FRAMES })
    t.ok(imagejDescriptionCapacity(d) > widest.length, 'room for the largest counts and the NUL')
  }
})
