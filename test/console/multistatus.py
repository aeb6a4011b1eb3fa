"""Parses a WebDAV multistatus document with Python's own XML parser (an independent check that
the gateway's XML is well-formed), printing JSON: [{href, props: {"{ns}name": {status, value}}}]."""
import json
import sys
import xml.etree.ElementTree as ET

D = '{DAV:}'
root = ET.fromstring(sys.stdin.buffer.read())
if root.tag != D + 'multistatus':
    raise SystemExit('not a DAV:multistatus: ' + root.tag)
out = []
for r in root.findall(D + 'response'):
    props = {}
    for ps in r.findall(D + 'propstat'):
        status = ps.find(D + 'status').text.split()[1]
        for p in ps.find(D + 'prop'):
            value = [c.tag for c in p] if len(p) else (p.text or '')
            props[p.tag] = {'status': int(status), 'value': value}
    out.append({'href': r.find(D + 'href').text, 'props': props})
print(json.dumps(out))
