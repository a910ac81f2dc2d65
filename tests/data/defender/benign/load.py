"""Load a service: GET URL N times, each on a new connection, two at a
time. Prints how many answered 200; exits 1 unless all did.
Usage: python3 load.py URL N"""
import concurrent.futures
import http.client
import sys
import urllib.parse

url = urllib.parse.urlsplit(sys.argv[1])
n = int(sys.argv[2])


def get(_):
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=20)
    try:
        c.request("GET", url.path or "/")
        r = c.getresponse()
        r.read()
        return r.status == 200
    except OSError:
        return False
    finally:
        c.close()


with concurrent.futures.ThreadPoolExecutor(2) as pool:
    ok = sum(pool.map(get, range(n)))
print(ok)
sys.exit(0 if ok == n else 1)
