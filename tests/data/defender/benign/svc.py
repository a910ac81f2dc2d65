"""A Python service that runs subprocesses per request (a shell, then a
plain program). Usage: python3 svc.py PORT"""
import http.server
import subprocess
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    count = 0

    def do_GET(self):
        Handler.count += 1
        if Handler.count % 2:
            out = subprocess.run(["sh", "-c", "echo $PPID; ls /tmp | head -n 3"],
                                 capture_output=True, check=True).stdout
        else:
            out = subprocess.check_output(["uname", "-a"])
        self.send_response(200)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
