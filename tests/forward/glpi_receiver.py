#!/usr/bin/env python3
"""A stand-in for GLPI's /front/inventory.php, for Parc's forwarding tests.

Validates every body against GLPI's inventory schema (the same check as
shared/tools/validate-glpi.py), checks the headers GLPI's agents send, records what it
got (one JSON line per request in STATE/received.jsonl, written before answering) and
answers as GLPI 10 does: {"status":"ok","expiration":24}, compressed like the request.

STATE/mode, read at every request, changes the answer: ok (default), 500 (an HTTP 500
page), garbage (HTTP 200 that is not GLPI's JSON), refuse (HTTP 400 as GLPI's error).

Usage: glpi_receiver.py STATE_DIR [--port N] [--cert PEM --key PEM]
The bound port is written to STATE/port once listening."""
import argparse
import gzip
import http.server
import json
import os
import re
import ssl
import sys
import zlib

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, '..', '..', '..', 'shared', 'reference', 'glpi-inventory',
                      'inventory.schema.json')
UUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('state')
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--cert')
    ap.add_argument('--key')
    args = ap.parse_args()
    validator = jsonschema.Draft7Validator(json.load(open(SCHEMA)))
    state = args.state

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def log_message(self, fmt, *a):
            sys.stderr.write('receiver: ' + (fmt % a) + '\n')

        def answer(self, status, body, ctype):
            self.send_response(status)
            self.send_header('Content-Type', ctype)
            self.send_header('Content-Length', str(len(body)))
            self.send_header('Connection', 'close')
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get('Content-Length', '0'))
            raw = self.rfile.read(length)
            ctype = (self.headers.get('Content-Type') or '').split(';')[0].strip().lower()
            record = {'path': self.path, 'content_type': ctype,
                      'agent_id': self.headers.get('GLPI-Agent-ID', ''),
                      'user_agent': self.headers.get('User-Agent', ''),
                      'bytes': len(raw), 'valid': False, 'errors': []}
            compressed = None
            try:
                if ctype in ('application/x-compress-zlib', 'application/x-zlib'):
                    text, compressed = zlib.decompress(raw), 'zlib'
                elif ctype in ('application/x-compress-gzip', 'application/x-gzip'):
                    text, compressed = gzip.decompress(raw), 'gzip'
                elif ctype == 'application/json':
                    text = raw
                else:
                    raise ValueError('unexpected Content-Type ' + ctype)
                doc = json.loads(text)
                errors = [f"/{'/'.join(map(str, e.path))}: {e.message[:160]}"
                          for e in validator.iter_errors(doc)]
                record['errors'] = errors[:5]
                record['valid'] = not errors
                record['action'] = doc.get('action')
                record['deviceid'] = doc.get('deviceid')
                record['hostname'] = doc.get('content', {}).get('hardware', {}).get('name')
                record['sections'] = sorted(k for k, v in doc.get('content', {}).items() if v)
            except Exception as e:  # noqa: BLE001 - recorded for the test to see
                record['errors'] = [f'unreadable body: {e}']
            if not UUID.match(record['agent_id']):
                record['valid'] = False
                record['errors'].append('GLPI-Agent-ID is not a UUID')
            if not record['user_agent'].startswith('Parc-Agent/'):
                record['valid'] = False
                record['errors'].append('User-Agent is not Parc-Agent/<version>')
            try:
                mode = open(os.path.join(state, 'mode')).read().strip() or 'ok'
            except FileNotFoundError:
                mode = 'ok'
            record['answered'] = mode if record['valid'] or mode != 'ok' else 'invalid'
            with open(os.path.join(state, 'received.jsonl'), 'a') as log:
                log.write(json.dumps(record) + '\n')
                log.flush()
                os.fsync(log.fileno())

            def glpi(status, payload):
                body = json.dumps(payload).encode()
                if compressed == 'zlib':
                    self.answer(status, zlib.compress(body), 'application/x-compress-zlib')
                elif compressed == 'gzip':
                    self.answer(status, gzip.compress(body), 'application/x-compress-gzip')
                else:
                    self.answer(status, body, 'application/json')

            if mode == '500':
                self.answer(500, b'<html><body>Internal Server Error</body></html>', 'text/html')
            elif mode == 'garbage':
                self.answer(200, b'<html>this is not GLPI</html>', 'text/html')
            elif mode == 'refuse' or not record['valid']:
                glpi(400, {'status': 'error', 'message': '; '.join(record['errors']) or 'refused',
                           'expiration': 24})
            else:
                glpi(200, {'status': 'ok', 'expiration': 24})

    server = http.server.HTTPServer(('127.0.0.1', args.port), Handler)
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    port_file = os.path.join(state, 'port')
    with open(port_file + '.tmp', 'w') as f:
        f.write(str(server.server_address[1]))
    os.replace(port_file + '.tmp', port_file)
    server.serve_forever()


if __name__ == '__main__':
    main()
