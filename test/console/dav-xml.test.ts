import t from 'tap'
import { davHref, DavXmlError, encodeSegment, parsePropfind, parseXml, wellFormed, xmlAttr, xmlText } from '../../lib/console/dav-xml.js'

t.test('escaping hostile names', async (t) => {
  t.equal(xmlText('<script>"a"&\'b\'</script>'), '&lt;script&gt;"a"&amp;\'b\'&lt;/script&gt;', 'element text: quotes need no escaping')
  t.equal(xmlText('"f-1a-2-abc"'), '"f-1a-2-abc"', 'an entity tag passes as it is')
  t.equal(xmlAttr('urn:"a"&\'b\'<\u0001'), 'urn:&quot;a&quot;&amp;&apos;b&apos;&lt;\ufffd', 'attribute values: quotes too')
  t.equal(xmlText('a\u0001b\u001bc\td\re\nf'), 'a\ufffdb\ufffdc&#9;d&#13;e&#10;f', 'controls XML 1.0 cannot hold become U+FFFD; tab/CR/LF survive as references')
  t.equal(xmlText('\ufffe\uffff'), '\ufffd\ufffd')
  t.equal(wellFormed('a\ud800b\udc00c\ud83d\ude00'), 'a\ufffdb\ufffdc\ud83d\ude00', 'lone surrogates replaced, pairs kept')
  t.equal(encodeSegment("Grüße 日本!'()*#?%&/"), 'Gr%C3%BC%C3%9Fe%20%E6%97%A5%E6%9C%AC%21%27%28%29%2A%23%3F%25%26%2F')
  t.equal(encodeSegment('\ud800x'), '%EF%BF%BDx', 'a lone surrogate cannot make encodeURIComponent throw')
  t.equal(davHref('/dav/', '', true), '/dav/')
  t.equal(davHref('/dav/', 'a b/c', true), '/dav/a%20b/c/')
  t.equal(davHref('/dav/', 'a/<x>.tif', false), '/dav/a/%3Cx%3E.tif')
})

t.test('PROPFIND bodies', async (t) => {
  t.same(parsePropfind(''), { kind: 'allprop', include: [] })
  t.same(parsePropfind('  \n'), { kind: 'allprop', include: [] })
  t.same(parsePropfind('<?xml version="1.0" encoding="utf-8"?><!-- c --><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>'), { kind: 'allprop', include: [] })
  t.same(parsePropfind('<propfind xmlns="DAV:"><propname/></propfind>'), { kind: 'propname' })
  t.same(parsePropfind('<a:propfind xmlns:a=\'DAV:\' xmlns:b="urn:b"><a:prop><a:getetag/><b:x></b:x><c xmlns="urn:&amp;c"/><d xmlns=""/></a:prop></a:propfind>'), {
    kind: 'prop',
    props: [{ ns: 'DAV:', name: 'getetag' }, { ns: 'urn:b', name: 'x' }, { ns: 'urn:&c', name: 'c' }, { ns: '', name: 'd' }]
  })
  t.same(parsePropfind('<D:propfind xmlns:D="DAV:"><D:allprop/><D:include><D:quota-used-bytes/></D:include></D:propfind>'),
    { kind: 'allprop', include: [{ ns: 'DAV:', name: 'quota-used-bytes' }] })
  t.same(parseXml('<a><![CDATA[<b>]]><?pi x?><b/></a>').children.map((c) => c.name), ['b'])
  t.same(parsePropfind('<D:propfind xmlns:D="DAV:"><D:prop><D:displayname/></D:prop><D:x a="&#65;&#x42;&lt;&gt;&quot;&apos;"/></D:propfind>'),
    { kind: 'prop', props: [{ ns: 'DAV:', name: 'displayname' }] })
  const bad = ['<!DOCTYPE a><propfind xmlns="DAV:"/>', '<propfind xmlns="DAV:">', '<propfind xmlns="DAV:"></prop>', '<propfind xmlns="DAV:"/><x/>',
    '<p:propfind/>', '<propfind xmlns="DAV:"/>', '<x xmlns="DAV:"><allprop/></x>', '<propfind xmlns="DAV:"><allprop/></propfind> <', '<1bad/>',
    '<propfind xmlns="DAV:" a="&#x110000;"/>', 'text', '<a>text < more</a>']
  for (const b of bad) t.throws(() => parsePropfind(b), DavXmlError, b)
})
