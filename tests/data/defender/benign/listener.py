"""The attacker's end of a reverse shell: accept on 127.0.0.1:PORT, tell the
shell to exit, close. Serves connections until killed.
Usage: python3 listener.py PORT"""
import socket
import sys
import time

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
while True:
    c, _ = s.accept()
    time.sleep(1)
    try:
        c.sendall(b"exit\n")
    except OSError:
        pass
    time.sleep(0.5)
    c.close()
