"""fetch_mnist against mirrors that misbehave (slow, endless, lying), full disks and bad settings.

Every server here listens on 127.0.0.1 and is started by the tests; nothing reaches the internet.
"""

import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from loopback import serve

import helpers

QUICK = (1.0, 1.0)
BIG = "train-images-idx3-ubyte.gz"
BIG_SIZE = helpers.MNIST_FILES[BIG][0]
CAP = 64 * 2**20  # the most an endless body sends before the server gives up
PAGE = b"<!DOCTYPE html><html><body>Please log in to the guest network</body></html>"


class FaultHandler(BaseHTTPRequestHandler):
    """Serves /MODE/NAME, misbehaving as MODE says; counts the body bytes it got out."""

    files: dict[str, bytes] = {}
    sent: list[int] = []

    def log_message(self, *args):
        pass

    def send_body(self, body: bytes, length: int | None, kind: str = "application/gzip") -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(body)
        self.sent.append(len(body))

    def send_endless(self, start: bytes, length: int | None) -> None:
        """Send ``start``, then zeros, until the client hangs up or CAP bytes are out."""
        self.send_response(200)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        done, chunk = 0, start
        try:
            while done < CAP:
                self.wfile.write(chunk)
                done += len(chunk)
                chunk = bytes(64 * 1024)
        except OSError:
            pass
        self.sent.append(done)

    def do_GET(self):  # noqa: N802 (the http.server API)
        _, mode, name = self.path.split("/", 2)
        body = self.files[name]
        labels = self.files["train-labels-idx1-ubyte.gz"]
        if mode == "trickle":  # the right length announced, then a byte every 20 ms for 3 s
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            end = time.monotonic() + 3
            for byte in body:
                if time.monotonic() > end:
                    break
                try:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                except OSError:
                    break
                time.sleep(0.02)
        elif mode == "endless":  # no length, a body that never ends
            self.send_endless(body, None)
        elif mode == "huge":  # announces 50 GB
            self.send_endless(body, 50_000_000_000)
        elif mode == "html":  # a captive portal: a web page with status 200
            self.send_body(PAGE, len(PAGE), "text/html; charset=utf-8")
        elif mode == "html-unlabelled":  # the same page, no length, labelled as a binary
            self.send_body(PAGE, None, "application/octet-stream")
        elif mode == "labels":  # the training labels under every name, with their length
            self.send_body(labels, len(labels))
        elif mode == "labels-unsized":  # the same without a length
            self.send_body(labels, None)
        else:
            self.send_body(body, len(body))


@pytest.fixture(scope="module")
def faulty(real_files):
    """Base URL of a loopback server of misbehaving mirrors; append MODE + '/'."""
    FaultHandler.files = real_files
    with serve(FaultHandler) as url:
        yield url


@pytest.fixture
def written(monkeypatch):
    """The bytes written into .part files during one test, write by write."""
    sizes = []
    original = helpers._Sink.write

    def counting(self, data):
        sizes.append(len(data))
        return original(self, data)

    monkeypatch.setattr(helpers._Sink, "write", counting)
    return sizes


def fetch(cache, *mirrors, progress=False):
    return helpers.fetch_mnist(cache, mirrors=list(mirrors), timeout=QUICK, progress=progress)


def failure(cache, *mirrors, **kwargs) -> str:
    with pytest.raises(helpers.DownloadError) as error:
        fetch(cache, *mirrors, **kwargs)
    return str(error.value)


# 1. Every download ends in bounded time, and shows progress from its first bytes.


def test_a_trickling_mirror_trips_the_deadline_and_shows_progress(
    cache, faulty, monkeypatch, capsys
):
    monkeypatch.setattr(helpers, "DEADLINE_FLOOR", 0.5)
    monkeypatch.setattr(helpers, "MIN_SPEED", 1e12)  # the floor decides
    start = time.monotonic()
    message = failure(cache, faulty + "trickle/", progress=True)
    assert time.monotonic() - start < 2.5
    assert f"{faulty}trickle/: too slow: " in message
    assert f"of {BIG_SIZE:,} bytes in 0." in message and "each file gets 0.5 s" in message
    assert "[..............................]   0.0/9.9 MB" in capsys.readouterr().out
    assert list(cache.iterdir()) == []


def test_the_deadline_grows_with_the_size_above_a_floor():
    assert helpers.download_deadline(4_542) == helpers.DEADLINE_FLOOR
    assert helpers.download_deadline(BIG_SIZE) == BIG_SIZE / helpers.MIN_SPEED
    assert helpers.download_deadline(BIG_SIZE) > helpers.DEADLINE_FLOOR


# 2. No more than the expected size is written or copied; a lying Content-Length is refused.


def test_an_endless_body_stops_at_the_expected_size(cache, faulty, written):
    FaultHandler.sent.clear()
    message = failure(cache, faulty + "endless/")
    assert f"too long: sent more than {BIG_SIZE:,} bytes" in message
    assert sum(written) <= BIG_SIZE
    end = time.monotonic() + 5
    while not FaultHandler.sent and time.monotonic() < end:  # the server's thread ends soon
        time.sleep(0.05)
    assert FaultHandler.sent and FaultHandler.sent[0] < CAP // 2  # the client hung up early
    assert list(cache.iterdir()) == []


def test_a_huge_content_length_is_refused_before_the_body(cache, faulty, written):
    message = failure(cache, faulty + "huge/")
    assert "announces 50,000,000,000 bytes (Content-Length), expected 9,912,422" in message
    assert "refused before downloading" in message
    assert written == []


def test_a_folder_mirror_file_of_another_size_is_not_copied(cache, tmp_path, written):
    folder = tmp_path / "stick"
    folder.mkdir()
    with open(folder / BIG, "wb") as file:
        file.truncate(64_000_000)  # sparse: no time or disk spent
    message = failure(cache, str(folder))
    assert f"{folder / BIG} has 64,000,000 bytes, expected 9,912,422; not copied" in message
    assert written == []


# 4. A mirror that failed for a lasting reason is tried once per call, and its failure is told.


def test_a_hung_mirror_is_tried_once_and_named_when_another_serves(cache, mirror, seen, capsys):
    fetch(cache, mirror + "hang/", mirror + "ok/")
    assert [p.split("/")[1] for p in seen] == ["hang", "ok", "ok", "ok", "ok"]
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert f"Got the files from {mirror}ok/, but first: {mirror}hang/: timed out" in err[0]


def test_a_refused_mirror_is_tried_once(cache, mirror, seen, refused_url, capsys, monkeypatch):
    attempts = []
    real_connect = helpers.urllib3.util.connection.create_connection

    def counting(address, *args, **kwargs):
        attempts.append(address)
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(helpers.urllib3.util.connection, "create_connection", counting)
    fetch(cache, refused_url, mirror + "ok/")
    port = int(refused_url.rsplit(":", 1)[1].strip("/"))
    assert [a for a in attempts if a[1] == port] == [("127.0.0.1", port)]
    assert len(seen) == 4
    assert f"{refused_url}: connection refused" in capsys.readouterr().err


# 5. Errors of the local disk are reported as such, once, and not retried on other mirrors.


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_reported_once_as_the_disks_fault(cache, mirror, seen, monkeypatch):
    real_mkstemp = tempfile.mkstemp

    def full_disk(*args, **kwargs):  # every write of the .part file fails with ENOSPC
        handle, name = real_mkstemp(*args, **kwargs)
        os.close(handle)
        return os.open("/dev/full", os.O_WRONLY), name

    monkeypatch.setattr(helpers.tempfile, "mkstemp", full_disk)
    message = failure(cache, mirror + "ok/", mirror + "ok2/")
    assert "No space left on device" in message
    assert "not of the mirrors" in message and "free some space" in message
    assert "check your connection" not in message
    assert len(seen) == 1  # neither retried on the other mirror nor for the other files
    assert list(cache.iterdir()) == []


def test_a_folder_under_a_files_name_is_reported_without_downloading(cache, mirror, seen):
    (cache / BIG).mkdir()
    message = failure(cache, mirror + "ok/", mirror + "ok2/")
    assert f"{cache / BIG} is a folder: move or delete it" in message
    assert "check your connection" not in message
    assert seen == []


# 6. Stale .part files from a killed run are swept.


def test_stale_part_files_are_swept(full_cache, refused_url):
    old = full_cache / f".{BIG}.abc123.part"
    fresh = full_cache / f".{BIG}.def456.part"
    other = full_cache / "notes.part"
    for path in (old, fresh, other):
        path.write_bytes(b"partial")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    os.utime(other, (two_hours_ago, two_hours_ago))
    fetch(full_cache, refused_url)
    assert not old.exists()
    assert fresh.exists() and other.exists()  # maybe another run's; not ours


# 7. Each reason says what really happened.


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("html", f"an HTML page (text/html; charset=utf-8, {len(PAGE)} bytes), not the file"),
        ("html-unlabelled", "an HTML page (application/octet-stream), not the gzip file"),
        ("labels", "announces 28,881 bytes (the size of train-labels-idx1-ubyte.gz)"),
        ("labels-unsized", "another MNIST file: a copy of train-labels-idx1-ubyte.gz"),
    ],
)
def test_the_reason_names_what_the_mirror_sent(cache, faulty, mode, reason):
    message = failure(cache, faulty + mode + "/")
    assert f"{faulty}{mode}/: {reason}" in message
    assert "truncated" not in message


def test_a_cached_html_page_is_called_one(full_cache, mirror, capsys):
    (full_cache / BIG).write_bytes(PAGE)
    fetch(full_cache, mirror + "ok/")
    assert f"is bad (an HTML page, not the gzip file ({len(PAGE)} bytes" in capsys.readouterr().err


def test_a_whole_gzip_of_another_size_is_not_called_truncated(full_cache, mirror, capsys):
    import gzip

    (full_cache / BIG).write_bytes(gzip.compress(b"something else"))
    fetch(full_cache, mirror + "ok/")
    assert "is bad (a whole gzip file of another size" in capsys.readouterr().err


def test_an_unknown_host_is_named(cache, refused_url, monkeypatch):
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host == "no-such-host.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    message = failure(cache, "http://no-such-host.invalid/mnist/", refused_url)
    assert "http://no-such-host.invalid/mnist/: unknown host" in message
    assert f"{refused_url}: connection refused" in message  # not the same words


# 8. MNIST_MIRROR: URLs in any case, file:// URLs, existing folders; anything else is quoted.


def test_mirror_url_scheme_in_any_case(cache, mirror, seen, monkeypatch):
    monkeypatch.setenv("MNIST_MIRROR", mirror.replace("http://", "HTTP://") + "ok/")
    assert helpers.mirror_list([]) == [mirror + "ok/"]
    helpers.fetch_mnist(cache, mirrors=[], timeout=QUICK, progress=False)
    assert len(seen) == 4


def test_mirror_file_url_is_a_folder(cache, full_cache, tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_MIRROR", full_cache.as_uri())
    assert helpers.mirror_list([]) == [str(full_cache)]
    paths = helpers.fetch_mnist(tmp_path / "copy", mirrors=[], timeout=QUICK, progress=False)
    assert all(helpers.check_file(path, name) is None for name, path in paths.items())


def test_relative_mirror_folder_is_taken_from_the_project(full_cache, monkeypatch):
    monkeypatch.setattr(helpers, "PROJECT_ROOT", full_cache.parent)
    monkeypatch.setenv("MNIST_MIRROR", full_cache.name)
    assert helpers.mirror_list([]) == [str(full_cache)]


@pytest.mark.parametrize("value", ["htp://classroom/mnist/", "no such folder", "ftp://x/"])
def test_a_mirror_neither_url_nor_folder_is_quoted(cache, value, monkeypatch):
    monkeypatch.setenv("MNIST_MIRROR", value)
    message = failure(cache)
    assert f"MNIST_MIRROR={value!r} is neither an http:// or https:// URL" in message
    assert "nor an existing folder" in message


def test_a_bad_mirror_setting_does_not_stop_a_cached_run(full_cache, monkeypatch):
    monkeypatch.setenv("MNIST_MIRROR", "htp://typo/")
    assert sorted(fetch(full_cache)) == sorted(helpers.MNIST_FILES)


# 9. Unreadable files and folders are DownloadErrors, not bare PermissionErrors.

UNREADABLE = """
import os, sys
sys.path.insert(0, {src!r})
import helpers
cache, folder = {cache!r}, {folder!r}
for call in (lambda: helpers.fetch_mnist(cache, mirrors=[], progress=False),
             lambda: helpers.load_mnist(cache, fetch=False),
             lambda: helpers.fetch_mnist(folder, mirrors=[], progress=False)):
    try:
        call()
        print("no error")
    except Exception as error:
        print(type(error).__name__, str(error).replace(chr(10), " "))
"""


def test_unreadable_cache_is_a_download_error(real_files):
    top = Path(tempfile.mkdtemp(prefix="mnist-unreadable-"))
    try:
        top.chmod(0o755)
        cache, folder = top / "cache", top / "locked"
        cache.mkdir()
        folder.mkdir()
        for name, body in real_files.items():
            (cache / name).write_bytes(body)
            (cache / name).chmod(0o000 if name == BIG else 0o644)
        cache.chmod(0o755)
        folder.chmod(0o333)  # can enter and write, not list
        src = str(Path(helpers.__file__).parent)
        script = textwrap.dedent(UNREADABLE).format(src=src, cache=str(cache), folder=str(folder))
        user = {"user": 65534} if os.geteuid() == 0 else {}  # root reads anything: run as nobody
        env = {k: v for k, v in os.environ.items() if not k.startswith("MNIST_")}
        run = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, **user
        )
        lines = run.stdout.splitlines()
        assert run.returncode == 0, run.stderr
        assert lines[0].startswith(f"DownloadError Cannot read the cached file {cache / BIG}")
        assert "Permission denied" in lines[0] and "give yourself the right" in lines[0]
        assert lines[1].startswith(f"DownloadError Cannot read {cache / BIG}: Permission denied")
        assert lines[2].startswith(f"DownloadError Cannot read the cache folder {folder}")
    finally:
        for path in (top / "locked", top):
            path.chmod(0o755)
        subprocess.run(["rm", "-rf", str(top)], check=True)


# 10. An empty mirror list says so.


def test_an_empty_mirror_list_says_so(cache):
    message = failure(cache)
    assert "No mirror to try" in message and "MNIST_MIRROR" in message
