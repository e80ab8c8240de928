"""Serves each conformance vector's raw bytes with Python's standard library.

GET /<file name>: the first request answers 200 text/event-stream with the
vector's bytes and closes; later requests answer 204 (stop) and report the
Last-Event-ID they carried on stdout as `<name>\t<id>`. The first stdout line
is the port.
"""
import http.server
import json
import pathlib
import sys

VECTORS = pathlib.Path(sys.argv[1])
served = set()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        name = self.path.lstrip("/")
        path = VECTORS / name
        if not path.is_file():
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if name in served:
            # http.server decodes header bytes as Latin-1; ids are UTF-8.
            raw = self.headers.get("Last-Event-ID", "").encode("latin-1")
            print(f"{name}\t{raw.decode('utf-8', 'replace')}", flush=True)
            self.send_response(204)
            self.send_header("Connection", "close")
            self.end_headers()
            return
        served.add(name)
        vector = json.loads(path.read_text(encoding="utf-8"))
        if "input_hex" in vector:
            body = bytes.fromhex(vector["input_hex"])
        else:
            body = vector["input"].encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        # Dribble the body in small writes so the client sees split reads.
        for i in range(0, len(body), 7):
            self.wfile.write(body[i:i + 7])
            self.wfile.flush()
        self.close_connection = True


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
