"""Reads an HDF5 file with PyTables (the reference reader) and prints what PYME would see, as JSON.

Mirrors PYME's own readers: H5File (PYME/IO/h5File.py: n_frames, get_frame via PZFImageIndex,
get_listing), HDFMDHandler (PYME/IO/MetaDataHandler.py: attributes of /MetaData, nested groups
for dotted keys) and HDFDataSource (PZFImageIndex present -> PZF frames).
"""
import hashlib
import json
import sys

import numpy as np
import tables


def md_entries(f):
    if '/MetaData' not in f:
        return None
    md = f.root.MetaData
    out = {}
    for a in [md] + list(md._f_walknodes()):
        for i in a._v_attrs._f_list():
            key = '.'.join(a._v_pathname.split('/')[2:] + [i])
            v = f.get_node_attr('/'.join(['', 'MetaData'] + key.split('.')[:-1]), i)
            if isinstance(v, bytes):
                v = v.decode('ascii')
            if isinstance(v, np.generic):
                v = v.tolist()
            out[key] = [type(v).__name__, v]
    return out


def plain(x):
    if isinstance(x, np.void):
        return [plain(y) for y in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and x != x:
        return 'nan'
    return x.decode() if isinstance(x, bytes) else x


def table_info(t):
    return {
        'class': t._v_attrs.CLASS, 'version': t._v_attrs.VERSION, 'nrows': int(t.nrows),
        'NROWS': int(t._v_attrs.NROWS) if 'NROWS' in t._v_attrs else None,
        'dtype': [[n, t.dtype[n].str] for n in t.dtype.names],
        'complevel': t.filters.complevel, 'complib': t.filters.complib, 'shuffle': bool(t.filters.shuffle),
    }


def main():
    f = tables.open_file(sys.argv[1])
    out = {'nodes': sorted(n._v_pathname for n in f.walk_nodes('/') if n._v_pathname != '/'), 'root_class': f.root._v_attrs.CLASS}
    if '/PZFImageData' in f:
        d = f.root.PZFImageData
        out['image'] = {'class': d._v_attrs.CLASS, 'pseudoatom': d._v_attrs.PSEUDOATOM, 'atom': type(d.atom).__name__, 'nrows': int(d.nrows),
                        'sha': [hashlib.sha256(r).hexdigest() for r in d[:]]}
    if '/PZFImageIndex' in f:
        idx = f.root.PZFImageIndex
        out['index'] = table_info(idx)
        out['index']['rows'] = [[int(r['FrameNum']), int(r['Position'])] for r in idx[:]]
    if '/Events' in f:
        ev = f.root.Events
        out['events'] = table_info(ev)
        out['events']['rows'] = [[r['EventName'].decode(), r['EventDescr'].decode(), float(r['Time'])] for r in ev[:]]
    out['metadata'] = md_entries(f)
    tabs = {}
    for n in f.root._f_iter_nodes('Table'):
        if n._v_name not in ('PZFImageIndex', 'Events'):
            info = table_info(n)
            info['rows'] = [[plain(x) for x in r] for r in n[:]]
            tabs[n._v_name] = info
    out['tables'] = tabs
    f.close()
    print(json.dumps(out))


main()
