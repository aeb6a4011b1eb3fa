// Python fnmatch for one name, shared by the server's __glob and `find --name`.
import t from 'tap'
import { fnmatchPattern } from '../../lib/internal/fnmatch.js'

t.test('fnmatch translation', async (t) => {
  t.ok(fnmatchPattern('f*.bin').test('frame.bin'))
  t.notOk(fnmatchPattern('f*.bin').test('frame.binx'))
  t.ok(fnmatchPattern('f?').test('f1'))
  t.ok(fnmatchPattern('[!a]x').test('bx'))
  t.notOk(fnmatchPattern('[!a]x').test('ax'))
  t.ok(fnmatchPattern('[]]').test(']'))
  t.ok(fnmatchPattern('[^x]').test('^'), 'a leading ^ is literal in fnmatch')
  t.ok(fnmatchPattern('a(b)+c$').test('a(b)+c$'), 'regex characters are literal')
  t.ok(fnmatchPattern('[a\\]').test('\\'))
  t.ok(fnmatchPattern('frame?????.pzf').test('frame00012.pzf'))
  t.notOk(fnmatchPattern('*.pzf').test('a.pzfx'))
  t.ok(fnmatchPattern('[ab]*').test('b1'))
  t.notOk(fnmatchPattern('[!ab]*').test('a1'))
  t.ok(fnmatchPattern('a[').test('a['), 'an unclosed [ is literal')
  t.ok(fnmatchPattern('a.b').test('a.b'))
  t.notOk(fnmatchPattern('a.b').test('axb'))
  t.ok(fnmatchPattern('[!]]x').test('ax'))
  t.notOk(fnmatchPattern('[!]]x').test(']x'), "']' right after '[!' belongs to the set")
  t.ok(fnmatchPattern('*').test('a\nb'), 'a wildcard matches any character, newline included')
})
