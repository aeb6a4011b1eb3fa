"""PYME's client code paths, re-created in Python from PROTOCOL.md (§5, §6), to drive a data server
exactly the way python-microscopy's clusterIO and Streamer do: raw sockets with hand-written HTTP/1.1
(no Host header, `Connection: keep-alive`, Content-Length framing), PYME's minimal response parser
(each header line split on exactly one ": "), a separate send thread and receive thread per stream,
urllib for listings (as `requests` would), json for listings and status.

Usage: python3 pyme_client.py <host> <port> <prefix>
Prints one JSON object with the results; exits non-zero on the first protocol violation.
PYME itself cannot be installed here (no PyPI), so this is the closest stand-in: the wire bytes
and the parsing rules are PYME's.
"""
import io
import json
import queue
import socket
import sys
import threading
import time
import urllib.error
import urllib.request


def parse_response(fp):
    """clusterIO._parse_response: status line, headers split on ': ', body by Content-Length."""
    while True:
        line = fp.readline()
        if not line:
            raise EOFError('connection closed before a response')
        parts = line.decode('latin-1').strip().split(None, 2)
        status = int(parts[1])
        headers = {}
        n = 0
        while True:
            h = fp.readline()
            if h in (b'\r\n', b'\n', b''):
                break
            n += 1
            if n > 100:
                raise RuntimeError('too many headers')
            k, v = h.decode('latin-1').strip().split(': ')  # exactly two parts, as PYME
            headers[k.lower()] = v
        if status == 100:
            continue
        length = int(headers.get('content-length', 0))
        body = fp.read(length) if length else b''
        return status, headers, body


def request_bytes(name, data, close=False):
    conn = 'close' if close else 'keep-alive'
    return ('PUT /%s HTTP/1.1\r\nConnection: %s\r\nContent-Length: %d\r\n\r\n' % (name, conn, len(data))).encode('utf-8')


def put_files(host, port, files):
    """clusterIO.put_files: one connection, all requests first (last with Connection: close), then all answers."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(30)
    s.connect((host, port))
    for i, (name, data) in enumerate(files):
        s.sendall(request_bytes(name, data, close=(i == len(files) - 1)))
        if len(data):
            s.sendall(data)
    fp = s.makefile('rb', 65536)
    codes = [parse_response(fp)[0] for _ in files]
    s.close()
    return codes


class Stream(object):
    """cluster_streaming.Stream: a send thread and a receive thread on one persistent socket."""

    def __init__(self, host, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(30)
        self.sock.connect((host, port))
        self.put_queue = queue.Queue(200)
        self.sent = queue.Queue()
        self.results = []
        self.errors = []
        self.alive = True
        self.fp = self.sock.makefile('rb', 65536)
        self.tx = threading.Thread(target=self._send, daemon=True)
        self.rx = threading.Thread(target=self._recv, daemon=True)
        self.tx.start()
        self.rx.start()

    def put(self, name, data):
        self.put_queue.put((name, data))

    def _send(self):
        while self.alive or not self.put_queue.empty():
            try:
                name, data = self.put_queue.get(timeout=0.1)
            except queue.Empty:
                continue
            try:
                self.sock.sendall(request_bytes(name, data))
                if len(data):
                    self.sock.sendall(data)
                self.sent.put(name)
            except Exception as e:  # PYME's thread dies here; we record it
                self.errors.append('send %s: %r' % (name, e))
                return

    def _recv(self):
        # Unlike PYME (which stops reading as soon as alive is False), drain every answer.
        while self.alive or not self.sent.empty() or not self.put_queue.empty() or self.tx.is_alive():
            try:
                name = self.sent.get(timeout=0.1)
            except queue.Empty:
                continue
            try:
                status, _, _ = parse_response(self.fp)
                self.results.append((name, status))
            except Exception as e:
                self.errors.append('recv %s: %r' % (name, e))
                return

    def close(self):
        self.alive = False
        self.tx.join(60)
        self.rx.join(60)
        self.sock.close()


def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def main():
    host, port, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    base = 'http://%s:%d/' % (host, port)
    out = {}

    # put_files: 5 files pipelined, the last one with Connection: close
    out['put_files'] = put_files(host, port, [('%s/pf/f%d.bin' % (prefix, i), bytes([i]) * 1000) for i in range(5)])

    # The Streamer: 200 PUTs, an idle pause longer than Node's default keep-alive timeout, 50 more
    st = Stream(host, port)
    for i in range(200):
        st.put('%s/s1/frame%05d.pzf' % (prefix, i), (b'%05d' % i) * 20)
    deadline = time.time() + 30
    while len(st.results) < 200 and time.time() < deadline and not st.errors:
        time.sleep(0.05)
    time.sleep(6.0)
    for i in range(200, 250):
        st.put('%s/s1/frame%05d.pzf' % (prefix, i), (b'%05d' % i) * 20)
    st.put('%s/s1/frame00000.pzf' % prefix, b'again')  # write-once: must be 405, stream stays in step
    st.put('%s/s1/events.json' % prefix, b'[]')
    st.close()
    out['stream_errors'] = st.errors
    out['stream_codes'] = {}
    for name, status in st.results:
        out['stream_codes'][str(status)] = out['stream_codes'].get(str(status), 0) + 1
    out['stream_last'] = st.results[-2:]

    # Listings as clusterIO.list_single_node_dir reads them (trailing slash, json)
    status, body = get(base + prefix + '/s1/')
    listing = json.loads(body)
    out['listing_status'] = status
    out['listing_count'] = len(listing)
    out['listing_frame0'] = listing.get('frame00000.pzf')
    status, body = get(base + prefix + '/')
    out['parent_listing'] = json.loads(body)

    # get_file, 404 for a missing file, 301 handled by urllib for a directory without slash
    out['get_frame7'] = get(base + prefix + '/s1/frame00007.pzf')[1].decode('ascii')
    try:
        get(base + prefix + '/s1/missing.pzf')
        out['missing'] = 200
    except urllib.error.HTTPError as e:
        out['missing'] = e.code

    # /__status as clusterIO.get_status reads it
    status, body = get(base + '__status', timeout=0.5)
    st_json = json.loads(body)
    out['status_keys'] = sorted(k for k in st_json if k in ('IPAddress', 'BindAddress', 'Port', 'Protocol', 'TestMode', 'ComputerName', 'Disk', 'Uptime'))
    out['status_port'] = st_json.get('Port')
    print(json.dumps(out))


if __name__ == '__main__':
    main()
