"""Fixtures for the unit tests: the real MNIST files and a loopback mirror with bad routes."""

import socket
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from loopback import serve

import helpers


@pytest.fixture(scope="session")
def real_files() -> dict[str, bytes]:
    """The four canonical files' bytes, from the project's cache (fetched if missing)."""
    paths = helpers.fetch_mnist(progress=False)
    return {name: path.read_bytes() for name, path in paths.items()}


class MirrorHandler(BaseHTTPRequestHandler):
    """Serves /MODE/NAME: the real file, or one way of failing, chosen by MODE."""

    files: dict[str, bytes] = {}
    requests_seen: list[str] = []

    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):  # noqa: N802 (the http.server API)
        self.requests_seen.append(self.path)
        _, mode, name = self.path.split("/", 2)
        body = self.files.get(name)
        if body is None or mode == "404":
            return self.send_error(404)
        if mode == "500":
            return self.send_error(500)
        if mode == "hang":
            time.sleep(3)
            return self.send_error(503)
        if mode == "wrong":  # same length, a few bytes changed: only the digest can tell
            body = body[:100] + bytes(b ^ 0xFF for b in body[100:110]) + body[110:]
        if mode == "short":  # a complete response of a truncated file
            body = body[: len(body) // 2]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body if mode == "short" else self.files[name])))
        if mode == "gzip-encoded":  # a server that labels .gz files as compressed in transit
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        if mode == "cut":  # promises the whole file, sends half, closes
            body = body[: len(body) // 2]
        self.wfile.write(body)


@pytest.fixture(scope="session")
def mirror(real_files):
    """Base URL of a loopback HTTP server; append MODE + '/' to get a mirror."""
    MirrorHandler.files = real_files
    with serve(MirrorHandler) as url:
        yield url


@pytest.fixture
def seen():
    """The paths the loopback mirror was asked for during one test."""
    MirrorHandler.requests_seen.clear()
    return MirrorHandler.requests_seen


@pytest.fixture
def refused_url() -> str:
    """A loopback URL where nothing listens: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def cache(tmp_path) -> Path:
    """An empty cache folder."""
    folder = tmp_path / "cache"
    folder.mkdir()
    return folder


@pytest.fixture
def full_cache(cache, real_files) -> Path:
    """A cache folder holding the four intact files."""
    for name, body in real_files.items():
        (cache / name).write_bytes(body)
    return cache


@pytest.fixture(autouse=True)
def no_user_mirror(monkeypatch):
    """Tests choose their mirrors themselves: ignore the user's MNIST_MIRROR."""
    monkeypatch.delenv("MNIST_MIRROR", raising=False)
