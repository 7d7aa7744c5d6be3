"""A small web site on a loopback address, served by a thread, for end-to-end runs.

Every path is an HTML page titled after it, except ``/gone/...``, which is a 404.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/gone/"):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = f"<html><head><title>Page {self.path}</title></head><body></body></html>"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_: object) -> None:
        return None


@contextlib.contextmanager
def serving(address: str = "127.0.0.1") -> Iterator[str]:
    """The site's base URL (``http://address:port``) while it is served."""
    server = ThreadingHTTPServer((address, 0), Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{address}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
