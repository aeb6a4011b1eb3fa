"""Reads a TIFF with tifffile (what napari uses) and prints JSON: the series' shape, dtype and
axes, ImageJ metadata, the first page's resolution, and the MD5 of every page's pixels
(little-endian bytes, x fastest), so that a test can compare them with the frames it wrote."""
import hashlib
import json
import sys

import numpy
import tifffile

with tifffile.TiffFile(sys.argv[1]) as t:
    s = t.series[0]
    data = s.asarray()
    pages = data.reshape((-1,) + data.shape[-2:])
    page0 = t.pages[0]
    res = page0.tags.get('XResolution')
    print(json.dumps({
        'shape': list(data.shape),
        'dtype': str(data.dtype),
        'axes': s.axes,
        'imagej': {k: v for k, v in (t.imagej_metadata or {}).items() if isinstance(v, (int, float, str, bool))},
        'is_imagej': bool(t.is_imagej),
        'is_bigtiff': bool(t.is_bigtiff),
        'pages': len(t.pages),
        'resolution': list(res.value) if res is not None else None,
        'md5': [hashlib.md5(numpy.ascontiguousarray(p).astype(p.dtype.newbyteorder('<')).tobytes()).hexdigest() for p in pages],
    }))
