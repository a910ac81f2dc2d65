#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Serve files from a directory on 127.0.0.1 with a few deliberate faults.

Usage: httpserve.py DIR PORTFILE
Binds a free port on 127.0.0.1, writes it to PORTFILE, then serves GET:
  /short/NAME      NAME with a Content-Length 1000 bytes larger than the body,
                   then closes: an interrupted download
  /redirect/N/NAME a 302 chain of N hops ending at /NAME
  /NAME            NAME as is (404 when absent)
Standard library only.
"""
import http.server
import os
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("httpserve: " + (fmt % args) + "\n")

    def send_file(self, name, extra=0):
        path = os.path.join(self.server.root, os.path.basename(name))
        if not os.path.isfile(path):
            self.send_error(404, "no such file")
            return
        with open(path, "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body) + extra))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def do_GET(self):
        parts = self.path.lstrip("/").split("/")
        if parts[0] == "short" and len(parts) == 2:
            self.send_file(parts[1], extra=1000)
        elif parts[0] == "redirect" and len(parts) == 3 and parts[1].isdigit():
            n = int(parts[1])
            self.send_response(302)
            self.send_header("Location", "/%s" % parts[2] if n <= 1
                             else "/redirect/%d/%s" % (n - 1, parts[2]))
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_file(self.path.lstrip("/"))


def main():
    root, portfile = sys.argv[1], sys.argv[2]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.root = root
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
