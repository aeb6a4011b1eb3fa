#!/usr/bin/env python3
"""Writes lib/hdf5/pytables-templates.ts: empty HDF5 files made by PyTables itself.

h5wasm (our HDF5 library) cannot create three things PYME's files need: a VLEN-of-uint8
dataset (PyTables' VLArray of VLStringAtom, /PZFImageData), a dataset with two filters
(shuffle + zlib, PyTables' Filters(complevel=5, shuffle=True) on /PZFImageIndex and /Events),
and a NULL-dataspace attribute. So every new file starts as a copy of one of these templates,
made by the reference writer, and h5wasm only links, resizes, writes and sets attributes.

  series   root group as PyTables writes it, plus the hidden group /_p_pyme_templates with
           empty PZFImageData, PZFImageIndex and Events laid out exactly as PYME's
           H5RFile._appendToTable creates them (same atoms, filters, expectedrows, so the
           same chunk shapes; PZFImageData's row-pointer chunks are smaller, see CHUNK_ROWS). A node is hard-linked into / when PYME would create it.
           PyTables hides `_p_` names, so PYME and PyTables readers never see the group.
  results  root group only (h5r result files: their tables have the caller's dtypes).

Run with Debian's python3-tables: python3 scripts/make-pytables-templates.py
"""
import base64
import os
import sys
import tempfile

import numpy as np
import tables

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib', 'hdf5', 'pytables-templates.ts')
# Rows of PZFImageData per chunk. PyTables' default for a VLArray is 65536 rows: 1 MiB of row
# pointers, rewritten whole at every flush, i.e. at every committed frame append. 1024 rows
# (16 KiB) cut that I/O (about 16 -> 23 frames/s at 2048x2048 under load here); the chunk
# shape is storage only, every reader sees the same VLArray.
CHUNK_ROWS = 1024
FILTERS = tables.Filters(complevel=5, shuffle=True)


def series(path):
    f = tables.open_file(path, 'w')
    g = f.create_group(f.root, '_p_pyme_templates')
    f.create_vlarray(g, 'PZFImageData', tables.VLStringAtom(), chunkshape=(CHUNK_ROWS,))
    index = np.zeros(0, dtype=[('FrameNum', 'i4'), ('Position', 'i4')])
    f.create_table(g, 'PZFImageIndex', index, filters=FILTERS, expectedrows=50000)
    events = np.zeros(0, dtype=[('EventDescr', 'S256'), ('EventName', 'S32'), ('Time', '<f8')])
    f.create_table(g, 'Events', events, filters=FILTERS, expectedrows=500000)
    f.close()


def results(path):
    tables.open_file(path, 'w').close()


def encode(make):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, 't.h5')
        make(p)
        with open(p, 'rb') as fh:
            return base64.b64encode(fh.read()).decode('ascii')


def main():
    s = encode(series)
    r = encode(results)
    wrap = lambda b: '\n'.join("  '%s' +" % b[i:i + 100] for i in range(0, len(b), 100)).rstrip(' +')
    with open(OUT, 'w') as out:
        out.write('''/**
 * Empty HDF5 files written by PyTables %s (HDF5 %s), the starting point of every file we
 * create: see scripts/make-pytables-templates.py (which generated this file) for why and what.
 */

/** Hidden group of the series template holding the nodes PYME creates on demand. */
export const TEMPLATE_GROUP = '/_p_pyme_templates'

/** An .h5 series: root plus the hidden PZFImageData, PZFImageIndex and Events. */
export const SERIES_TEMPLATE_BASE64 =
%s

/** An .h5r / .hdf results file: the root group only. */
export const RESULTS_TEMPLATE_BASE64 =
%s
''' % (tables.__version__, tables.hdf5_version, wrap(s), wrap(r)))


if __name__ == '__main__':
    sys.exit(main())
