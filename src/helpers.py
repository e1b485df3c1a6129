"""Plumbing shared by the mnist-from-scratch notebooks.

The teaching code (layers, losses, training loops) lives in the notebooks. This module holds
what the notebooks need but nobody wants to read twice. Its public names, by section:

Settings
    :data:`PROJECT_ROOT` (the checkout, or the working folder when installed without one), the
    environment variables' names :data:`MIRROR_ENV`, :data:`DATA_DIR_ENV`,
    :data:`RESULTS_DIR_ENV`, :data:`STRICT_CHECKS_ENV`; :data:`SCRATCH_RESULTS`;
    :data:`DEFAULT_MIRRORS`; :data:`MNIST_FILES` (name -> size and SHA-256),
    :data:`IMAGES_MAGIC`, :data:`LABELS_MAGIC`, :data:`IMAGE_SIDE`, :data:`CHUNK_SIZE`;
    the errors :class:`DownloadError` and :class:`MissingFileError`.
Download
    :func:`fetch_mnist` makes sure the four files are cached and intact, trying the mirrors of
    :func:`mirror_list` in order, each file within :func:`download_deadline` (the limits
    :data:`MIN_SPEED`, :data:`DEADLINE_FLOOR`, :data:`STALE_PART_SECONDS`,
    :data:`REDRAW_SECONDS`, :data:`GZIP_MAGIC`), into :func:`data_dir`; :func:`check_file`
    and :func:`sha256_of` tell an intact file; :class:`ProgressBar` draws the progress.
Decoding
    :func:`read_idx_gz` and :func:`decode_idx` turn an IDX file into an array, checking its
    header against :data:`MNIST_COUNTS` and never inflating more than it promises.
Data
    :func:`load_mnist` returns the four arrays; :func:`validation_split` holds out the course's
    validation images.
Checks of the prose's claims
    :func:`check` checks a claim of a notebook's text on this run's figures: it raises
    :class:`ClaimError` under the tests and the site build (:func:`strict_checks`), and only
    prints a note (with :data:`DEFAULT_REASON` unless given one) in a learner's run.
Results and the machine
    :func:`record_result` saves a notebook's headline figures (:data:`REQUIRED_METRICS`) into
    :func:`results_dir`; :func:`load_results` reads them back and :func:`results_table` formats
    them; :func:`machine` describes this machine in one line.
Progress, plots and evaluation
    :func:`log_epoch` prints one line per epoch; :func:`plot_digits`, :func:`plot_weights`,
    :func:`plot_history` and :func:`plot_confusion_matrix` draw; :func:`confusion_matrix` and
    :func:`most_confused` count the mistakes.
Draw a digit
    :func:`digit_pad` is a pad (an anywidget) to draw a digit on in JupyterLab, showing the
    28x28 input and the ten probabilities as one draws (:data:`PAD_SIZE` pixels);
    :func:`drawing_from` makes a "drawing" of an MNIST digit and :func:`plot_drawn_digits` shows
    drawings as the pad does. :func:`export_network` saves a trained network for the site's
    "Draw a digit" page in the format :data:`NETWORK_FORMAT` (layers of :data:`LAYER_TYPES`,
    float32, no pickle) into :func:`networks_dir` (:data:`NETWORKS_DIR`); :func:`load_network`
    reads it back and :func:`run_network` is the format's reference forward pass.
Exercises
    :func:`compare` checks a learner's answer to an exercise of "On your own" against a
    reference, or a figure to beat, and says what is wrong: the worst mismatch, a wrong shape, or
    an answer not written yet.

Environment variables
---------------------
MNIST_MIRROR
    A mirror tried before the public ones: an ``http(s)://`` or ``file://`` URL of a folder
    holding the four ``.gz`` files, or a local folder path (for classrooms and air-gapped
    machines).
MNIST_DATA_DIR
    Where the downloaded files are cached (default: ``_data/`` in the project).
MNIST_RESULTS_DIR
    Where :func:`record_result` writes (default: ``_build/results-scratch/`` in the project;
    ``python3 tasks.py results`` sets it to ``results/``).
MNIST_STRICT_CHECKS
    ``1``: a failed :func:`check` raises (the tests, the site build); otherwise it prints.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import json
import os
import platform
import re
import socket
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import requests
import urllib3

if TYPE_CHECKING:
    from matplotlib.figure import Figure


__all__ = [
    "PROJECT_ROOT",
    "MIRROR_ENV",
    "DATA_DIR_ENV",
    "RESULTS_DIR_ENV",
    "STRICT_CHECKS_ENV",
    "SCRATCH_RESULTS",
    "DEFAULT_MIRRORS",
    "MNIST_FILES",
    "IMAGES_MAGIC",
    "LABELS_MAGIC",
    "IMAGE_SIDE",
    "CHUNK_SIZE",
    "DownloadError",
    "MissingFileError",
    "MIN_SPEED",
    "DEADLINE_FLOOR",
    "STALE_PART_SECONDS",
    "REDRAW_SECONDS",
    "GZIP_MAGIC",
    "data_dir",
    "mirror_list",
    "download_deadline",
    "sha256_of",
    "check_file",
    "ProgressBar",
    "fetch_mnist",
    "MNIST_COUNTS",
    "decode_idx",
    "read_idx_gz",
    "load_mnist",
    "validation_split",
    "DEFAULT_REASON",
    "ClaimError",
    "strict_checks",
    "check",
    "REQUIRED_METRICS",
    "machine",
    "results_dir",
    "record_result",
    "load_results",
    "results_table",
    "log_epoch",
    "plot_digits",
    "plot_weights",
    "plot_history",
    "plot_confusion_matrix",
    "confusion_matrix",
    "most_confused",
    "NETWORKS_DIR",
    "NETWORK_FORMAT",
    "LAYER_TYPES",
    "PAD_SIZE",
    "networks_dir",
    "run_network",
    "export_network",
    "load_network",
    "drawing_from",
    "plot_drawn_digits",
    "digit_pad",
    "compare",
]


def _find_project_root() -> Path:
    """Return the project's folder: the checkout this module lies in, or the working folder's.

    An editable install (``python3 tasks.py``, the conda route) imports this file from the
    checkout's ``src/``. An ordinary install (a hosted notebook that pip-installed the project)
    imports it from site-packages: then the project is the nearest folder, from the working
    folder up, that holds ``notebooks/`` and ``pyproject.toml``, or else the working folder.
    """
    here = Path(__file__).resolve().parent.parent
    if (here / "pyproject.toml").is_file() and (here / "notebooks").is_dir():
        return here
    cwd = Path.cwd().resolve()
    for folder in (cwd, *cwd.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "notebooks").is_dir():
            return folder
    return cwd


PROJECT_ROOT = _find_project_root()

MIRROR_ENV = "MNIST_MIRROR"
DATA_DIR_ENV = "MNIST_DATA_DIR"
RESULTS_DIR_ENV = "MNIST_RESULTS_DIR"
STRICT_CHECKS_ENV = "MNIST_STRICT_CHECKS"
# Where results go unless MNIST_RESULTS_DIR says otherwise: a scratch folder. Only
# `python3 tasks.py results` points MNIST_RESULTS_DIR at the committed results/.
SCRATCH_RESULTS = Path("_build") / "results-scratch"

DEFAULT_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

#: The four canonical files: name -> (size in bytes, SHA-256 digest).
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": (
        9_912_422,
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    ),
    "train-labels-idx1-ubyte.gz": (
        28_881,
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    ),
    "t10k-images-idx3-ubyte.gz": (
        1_648_877,
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    ),
    "t10k-labels-idx1-ubyte.gz": (
        4_542,
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    ),
}

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
IMAGE_SIDE = 28

CHUNK_SIZE = 64 * 1024


class DownloadError(RuntimeError):
    """Raised when a file cannot be had intact from any mirror."""


class MissingFileError(DownloadError, FileNotFoundError):
    """Raised when a file is not in the cache and was not to be fetched (``fetch=False``).

    A :class:`DownloadError`, like every failure to get the data, and a ``FileNotFoundError``.
    """


# --------------------------------------------------------------------------
# Download
# --------------------------------------------------------------------------

#: Every file gets ``max(DEADLINE_FLOOR, size / MIN_SPEED)`` seconds to arrive, however the
#: server trickles its bytes: at least a minute, more for a large file at a slow 50 kB/s.
MIN_SPEED = 50_000  # bytes per second, on average over one file
DEADLINE_FLOOR = 60.0  # seconds
#: ``.part`` files (downloads under way) older than this are left over from a killed run.
STALE_PART_SECONDS = 3600.0
#: Seconds between redraws of a progress bar whose bar has not grown (a slow mirror).
REDRAW_SECONDS = 1.0
GZIP_MAGIC = b"\x1f\x8b"


class _MirrorError(Exception):
    """A mirror did not give the file; ``lasting`` when trying it again in this call is useless."""

    def __init__(self, reason: str, lasting: bool = False) -> None:
        super().__init__(reason)
        self.lasting = lasting


class _DiskError(Exception):
    """Writing the cache failed: the local disk's fault, not the mirror's."""

    def __init__(self, path: Path, error: OSError) -> None:
        super().__init__(str(error))
        self.path, self.error = path, error


def _from_project(path: str | os.PathLike) -> Path:
    """Return ``path`` with ``~`` expanded, a relative one taken from the project's folder.

    Notebooks run in ``notebooks/`` and the tasks in the project's folder: anchoring relative
    paths there makes ``MNIST_DATA_DIR=cache`` mean the same folder for both.
    """
    return PROJECT_ROOT / Path(path).expanduser()


def data_dir(path: str | os.PathLike | None = None) -> Path:
    """Return the cache folder: ``path``, else ``$MNIST_DATA_DIR``, else ``_data/``.

    A relative ``$MNIST_DATA_DIR`` is taken from the project's folder.
    """
    if path:
        return Path(path).expanduser()
    return _from_project(os.environ.get(DATA_DIR_ENV) or "_data")


def _is_url(mirror: str) -> bool:
    """Whether a mirror is a web address (``http://`` or ``https://``, in any case)."""
    return re.match(r"^https?://", mirror, flags=re.IGNORECASE) is not None


def _normalise(mirror: str) -> str:
    """Return a mirror with its URL scheme in lower case, or a ``file://`` URL as a folder."""
    scheme, sep, rest = mirror.partition("://")
    if sep and scheme.lower() in ("http", "https"):
        return scheme.lower() + "://" + rest
    if sep and scheme.lower() == "file":
        parts = urllib.parse.urlsplit("file://" + rest)
        if parts.netloc not in ("", "localhost"):
            raise DownloadError(
                f"The mirror {mirror!r} is a file:// URL of another machine ({parts.netloc}); "
                "only local folders can be read: use file:///path/to/folder or the folder's path."
            )
        return urllib.request.url2pathname(parts.path)
    return mirror


def _own_mirror(value: str) -> str:
    """Return the mirror ``$MNIST_MIRROR`` names (a URL or an existing folder), or say why not."""
    normalised = _normalise(value)
    if _is_url(normalised):
        return normalised
    folder = _from_project(normalised)
    if folder.is_dir():
        return str(folder)
    raise DownloadError(
        f"{MIRROR_ENV}={value!r} is neither an http:// or https:// URL (nor a file:// URL) "
        f"nor an existing folder ({folder} is not a folder). To fix it: set {MIRROR_ENV} to the "
        "web address of a folder holding the four MNIST .gz files "
        "(e.g. http://classroom-server.local/mnist/) or to such a folder on this machine, "
        "or unset it to use the public mirrors."
    )


def mirror_list(mirrors: Sequence[str] | None = None) -> list[str]:
    """Return the mirrors to try, in order.

    Parameters
    ----------
    mirrors
        Mirrors to use instead of the public defaults. The one named by
        ``$MNIST_MIRROR``, if set, always comes first.

    Returns
    -------
    list of str
        Base URLs (scheme in lower case) and folders (``file://`` URLs become folders).

    Raises
    ------
    DownloadError
        When ``$MNIST_MIRROR`` is neither an ``http(s)://`` or ``file://`` URL nor an existing
        folder (a relative folder is taken from the project's folder).
    """
    chosen = [_normalise(m) for m in (DEFAULT_MIRRORS if mirrors is None else mirrors)]
    own = os.environ.get(MIRROR_ENV, "").strip()
    if own:
        own = _own_mirror(own)
        chosen = [own] + [m for m in chosen if m != own]
    return chosen


def download_deadline(size: int) -> float:
    """Return the seconds a file of ``size`` bytes gets to arrive (see :data:`MIN_SPEED`)."""
    return max(DEADLINE_FLOOR, size / MIN_SPEED)


def sha256_of(path: str | os.PathLike) -> str:
    """Return the hex SHA-256 digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(CHUNK_SIZE), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _looks_like_html(head: bytes) -> bool:
    """Whether the first bytes of a body are a web page rather than a gzip file."""
    start = head.lstrip().lower()
    return start.startswith(b"<") or b"<html" in start


def _same_size_as(size: int, name: str) -> str | None:
    """Return the other MNIST file that has ``size`` bytes, if any."""
    return next((n for n, (s, _) in MNIST_FILES.items() if s == size and n != name), None)


def _complete_gzip(path: str | os.PathLike, limit: int = 64 * 2**20) -> bool:
    """Whether a file is a whole gzip stream, inflating at most ``limit`` bytes (then ``False``)."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    inflated = 0
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(CHUNK_SIZE), b""):
            data = chunk
            while data and not inflater.eof:
                try:
                    inflated += len(inflater.decompress(data, CHUNK_SIZE))
                except zlib.error:
                    return False
                if inflated > limit:
                    return False
                data = inflater.unconsumed_tail
            if inflater.eof:
                return True
    return inflater.eof


def _wrong_size(path: str | os.PathLike, name: str, actual: int) -> str:
    """Say what a file of the wrong size really is: a web page, another file, a truncated copy."""
    size, _ = MNIST_FILES[name]
    with open(path, "rb") as file:
        head = file.read(512)
    sizes = f"{actual:,} bytes, expected {size:,}"
    other = _same_size_as(actual, name)
    if other and sha256_of(path) == MNIST_FILES[other][1]:
        return f"another MNIST file: a copy of {other} ({actual:,} bytes), not {name} ({size:,})"
    if not head.startswith(GZIP_MAGIC):
        if _looks_like_html(head):
            return f"an HTML page, not the gzip file ({sizes})"
        return f"not a gzip file: {sizes}, starting {head[:16]!r}"
    if actual < size:
        if _complete_gzip(path):
            return f"a whole gzip file of another size, not {name}: {sizes}"
        return f"truncated: {sizes}"
    return f"too long: {sizes}"


def check_file(path: str | os.PathLike, name: str) -> str | None:
    """Compare a file with the canonical size and digest of ``name``.

    Parameters
    ----------
    path
        The file to check.
    name
        Its MNIST file name, a key of :data:`MNIST_FILES`.

    Returns
    -------
    str or None
        ``None`` when the file is intact, else what is wrong with it: truncated, too long, a
        checksum mismatch, an HTML page, another MNIST file, or not a gzip file at all.
    """
    size, digest = MNIST_FILES[name]
    actual_size = os.path.getsize(path)
    if actual_size != size:
        return _wrong_size(path, name, actual_size)
    actual_digest = sha256_of(path)
    if actual_digest != digest:
        return f"checksum mismatch: SHA-256 {actual_digest}, expected {digest}"
    return None


class ProgressBar:
    """A one-line text progress bar.

    It draws as soon as the first bytes arrive, then redraws when the bar grows (at most
    ``width`` times), or, on a slow download, when the byte count changed and
    :data:`REDRAW_SECONDS` have passed.
    """

    def __init__(self, label: str, total: int, width: int = 30) -> None:
        self.label, self.total, self.width, self.shown = label, total, width, -1
        self.text, self.drawn_at = "", 0.0

    def update(self, done: int) -> None:
        """Show that ``done`` of ``total`` bytes have arrived."""
        filled = self.width * min(done, self.total) // self.total
        sizes = f"{min(done, self.total) / 1e6:5.1f}/{self.total / 1e6:.1f} MB"
        now = time.monotonic()
        late = sizes != self.text and now - self.drawn_at >= REDRAW_SECONDS
        if filled == self.shown and not late:
            return
        self.shown, self.text, self.drawn_at = filled, sizes, now
        bar = "#" * filled + "." * (self.width - filled)
        end = "\n" if filled == self.width else ""
        print(f"\r{self.label:<28} [{bar}] {sizes}", end=end, flush=True)

    def close(self) -> None:
        """End the line if the bar did not reach its end."""
        if 0 <= self.shown < self.width:
            print(flush=True)


class _Sink:
    """The ``.part`` file a download goes to; a failed write is the disk's fault."""

    def __init__(self, handle: int, path: Path) -> None:
        self.path, self.file = path, os.fdopen(handle, "wb")

    def write(self, data: bytes) -> None:
        try:
            self.file.write(data)
        except OSError as error:
            raise _DiskError(self.path, error) from error

    def close(self) -> None:
        if self.file.closed:
            return
        try:
            self.file.close()
        except OSError as error:
            raise _DiskError(self.path, error) from error


class _Clock:
    """The deadline of one file's download."""

    def __init__(self, size: int) -> None:
        self.size, self.allowed, self.start = size, download_deadline(size), time.monotonic()

    def check(self, done: int) -> None:
        elapsed = time.monotonic() - self.start
        if elapsed > self.allowed:
            raise _MirrorError(
                f"too slow: {done:,} of {self.size:,} bytes in {elapsed:.1f} s; each file gets "
                f"{self.allowed:.1f} s (at least {DEADLINE_FLOOR:g} s, or the time to arrive at "
                f"{MIN_SPEED / 1000:g} kB/s)",
                lasting=True,
            )


def _too_long(name: str) -> _MirrorError:
    size = MNIST_FILES[name][0]
    return _MirrorError(
        f"too long: sent more than {size:,} bytes, the size of {name}; stopped there "
        "(another file, or a body that does not end)"
    )


def _copy_from_folder(folder: Path, name: str, sink: _Sink) -> None:
    """Copy ``folder/name`` into ``sink``, refusing a file of the wrong size before copying."""
    size = MNIST_FILES[name][0]
    if not folder.is_dir():
        raise _MirrorError(f"no folder {folder}", lasting=True)
    source = folder / name
    try:
        actual = source.stat().st_size
        if not source.is_file():
            raise _MirrorError(f"{source} is not a file")
        if actual != size:
            other = _same_size_as(actual, name)
            which = f" (the size of {other})" if other else ""
            raise _MirrorError(
                f"{source} has {actual:,} bytes{which}, expected {size:,}; not copied"
            )
        clock, done = _Clock(size), 0
        with open(source, "rb") as file:
            while chunk := file.read(CHUNK_SIZE):
                done += len(chunk)
                if done > size:  # it grew while being copied
                    raise _too_long(name)
                sink.write(chunk)
                clock.check(done)
    except FileNotFoundError as error:
        raise _MirrorError(f"no file {source}") from error
    except OSError as error:
        raise _MirrorError(f"cannot read {source}: {error.strerror or error}") from error


def _download(
    url: str, name: str, sink: _Sink, timeout: tuple[float, float], progress: bool
) -> None:
    """Stream ``url`` into ``sink``: at most the file's size, within its deadline."""
    size = MNIST_FILES[name][0]
    clock = _Clock(size)
    with requests.get(url, stream=True, timeout=timeout) as response:
        response.raise_for_status()
        kind = response.headers.get("Content-Type", "")
        announced = response.headers.get("Content-Length", "").strip()
        if announced.isdigit() and int(announced) != size:
            if "html" in kind.lower():
                raise _MirrorError(f"an HTML page ({kind}, {int(announced):,} bytes), not the file")
            other = _same_size_as(int(announced), name)
            which = f" (the size of {other})" if other else ""
            raise _MirrorError(
                f"announces {int(announced):,} bytes{which} (Content-Length), expected "
                f"{size:,}; refused before downloading"
            )
        # The raw bytes: a server that labels the .gz file "Content-Encoding: gzip" must not
        # get it unzipped on the way. read1 returns what has arrived, however little, so that
        # the deadline and the progress bar do not wait for a full chunk.
        raw = response.raw
        if hasattr(raw, "read1"):
            read = lambda: raw.read1(CHUNK_SIZE, decode_content=False)  # noqa: E731
        else:  # urllib3 1.x
            read = lambda: raw.read(1024, decode_content=False)  # noqa: E731
        bar = ProgressBar(name, size) if progress else None
        done, head = 0, b""
        try:
            while chunk := read():
                if len(head) < 2:
                    head = (head + chunk)[:64]
                    if len(head) >= 2 and not head.startswith(GZIP_MAGIC):
                        if "html" in kind.lower() or _looks_like_html(head):
                            raise _MirrorError(
                                f"an HTML page ({kind or 'no Content-Type'}), not the gzip file"
                            )
                        raise _MirrorError(f"not a gzip file: it starts {head[:16]!r}")
                done += len(chunk)
                if done > size:
                    raise _too_long(name)
                sink.write(chunk)
                if bar:
                    bar.update(done)
                clock.check(done)
        except urllib3.exceptions.ReadTimeoutError as error:
            raise requests.exceptions.ReadTimeout(error) from error
        except urllib3.exceptions.HTTPError as error:  # the connection broke mid-file
            raise requests.exceptions.ChunkedEncodingError(error) from error
        finally:
            if bar:
                bar.close()


def _causes(error: BaseException) -> Iterator[BaseException]:
    """Yield the error and every error it wraps (causes, contexts, urllib3's reasons)."""
    stack: list[object] = [error]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        stack += [item.__cause__, item.__context__, getattr(item, "reason", None), *item.args]


def _describe(error: Exception, timeout: tuple[float, float]) -> tuple[str, bool]:
    """Say in a few words why a download failed, and whether that will last."""
    if isinstance(error, _MirrorError):
        return str(error), error.lasting
    if isinstance(error, requests.HTTPError) and error.response is not None:
        return f"HTTP {error.response.status_code} {error.response.reason}", False
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return "download cut short: the server closed the connection before the end", False
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return f"timed out: no connection within {timeout[0]:g} s", True
    if isinstance(error, requests.Timeout):
        return f"timed out: no data for {timeout[1]:g} s", True
    causes = list(_causes(error))
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return "connection refused: no server listens there", True
    unresolved = (
        socket.gaierror,
        getattr(urllib3.exceptions, "NameResolutionError", socket.gaierror),
    )
    if any(isinstance(c, unresolved) for c in causes):
        return "unknown host: its name does not resolve (a typo, or no DNS here?)", True
    if isinstance(error, requests.ConnectionError):
        root = causes[-1]
        return f"connection failed ({root.__class__.__name__}: {root})", True
    return f"{error.__class__.__name__}: {error}", False


def _disk_error(
    path: Path, error: OSError, doing: str = "write", fix: str | None = None
) -> DownloadError:
    """Say that the local disk, not a mirror, failed, and what to do."""
    what = error.strerror or str(error)
    if fix is not None:
        pass  # the caller knows best
    elif error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        fix = f"free some space on the disk that holds {path.parent}, or set {DATA_DIR_ENV} to a "
        fix += "folder on another disk"
    elif error.errno == errno.EISDIR:
        fix = f"{path} is a folder: move or delete it"
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = f"give yourself the right to read and write {path} (or delete it), or set "
        fix += f"{DATA_DIR_ENV} to a folder you can write to"
    else:
        fix = f"check the disk, or set {DATA_DIR_ENV} to a folder you can write to"
    return DownloadError(
        f"Cannot {doing} {path}: {what}. This is a problem of this machine's disk, not of the "
        f"mirrors. To fix it: {fix}."
    )


def _cached_is_good(path: Path, name: str) -> bool:
    """Whether ``path`` holds an intact copy; report a bad one; raise if it cannot be read."""
    try:
        if not os.path.lexists(path):
            return False
        if not path.is_file():
            raise _disk_error(path, IsADirectoryError(errno.EISDIR, "not a file"), "use")
        problem = check_file(path, name)
    except OSError as error:
        raise _disk_error(path, error, "read the cached file") from error
    if problem is None:
        return True
    print(f"Cached {path} is bad ({problem}); fetching it again.", file=sys.stderr)
    return False


def _fetch_one(
    name: str,
    folder: Path,
    mirrors: Sequence[str],
    timeout: tuple[float, float],
    progress: bool,
    failed: dict[str, str],
) -> tuple[str, list[str]]:
    """Download one intact file into ``folder``; return the mirror that gave it, and failures.

    ``failed`` maps the mirrors that failed for a lasting reason earlier in this call to that
    reason; they are not tried again. Mirrors that fail now are added to it.
    """
    path = folder / name
    failures = []
    for mirror in mirrors:
        if mirror in failed:
            failures.append(f"  {mirror}: {failed[mirror]} (not tried again)")
            continue
        try:
            handle, temp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
        except OSError as error:
            raise _disk_error(folder / f".{name}.part", error, "create") from error
        temp = Path(temp_name)
        sink = _Sink(handle, temp)
        try:
            if _is_url(mirror):
                _download(mirror.rstrip("/") + "/" + name, name, sink, timeout, progress)
            else:
                _copy_from_folder(Path(mirror).expanduser(), name, sink)
            sink.close()
            problem = check_file(temp, name)
            if problem is None:
                try:
                    temp.chmod(0o644)
                    os.replace(temp, path)
                except OSError as error:
                    raise _disk_error(path, error) from error
                return mirror, failures
            failures.append(f"  {mirror}: {problem}")
        except _DiskError as problem:
            raise _disk_error(problem.path, problem.error) from problem.error
        except (requests.RequestException, OSError, _MirrorError) as error:
            reason, lasting = _describe(error, timeout)
            failures.append(f"  {mirror}: {reason}")
            if lasting:
                failed[mirror] = reason
        finally:
            try:
                sink.close()
            except _DiskError:
                pass
            temp.unlink(missing_ok=True)
    size, digest = MNIST_FILES[name]
    raise DownloadError(
        f"Could not get an intact copy of {name} from any mirror:\n"
        + "\n".join(failures)
        + f"\nTo fix it: check your connection, or set {MIRROR_ENV} to a mirror URL or a "
        f"folder holding the MNIST files, or place {name} by hand in {folder} "
        f"({size:,} bytes, SHA-256 {digest})."
    )


def _sweep_stale_parts(folder: Path) -> None:
    """Delete ``.part`` files of downloads older than :data:`STALE_PART_SECONDS` (a killed run)."""
    prefixes = tuple(f".{name}." for name in MNIST_FILES)
    now = time.time()
    try:
        entries = list(folder.iterdir())
    except OSError as error:
        raise _disk_error(folder, error, "read the cache folder") from error
    for entry in entries:
        if entry.name.startswith(prefixes) and entry.name.endswith(".part"):
            try:
                if now - entry.lstat().st_mtime > STALE_PART_SECONDS:
                    entry.unlink()
            except OSError:
                pass  # another process's, or not ours to delete: leave it


def fetch_mnist(
    folder: str | os.PathLike | None = None,
    mirrors: Sequence[str] | None = None,
    timeout: tuple[float, float] = (5.0, 30.0),
    progress: bool = True,
) -> dict[str, Path]:
    """Make sure the four MNIST ``.gz`` files are cached, intact; download what is missing.

    A cached file with the right digest is used without touching the network.
    A cached file with a wrong size or digest is reported and fetched again.
    Each download goes to a temporary ``.part`` file that replaces the cached one only
    after its size and SHA-256 digest check out, so a good file is never lost; ``.part``
    files older than an hour (from a killed run) are deleted.

    Every download ends in bounded time and size: a file gets
    ``max(DEADLINE_FLOOR, size / MIN_SPEED)`` seconds, no more than its size is written, and
    a server that announces another size is refused before it sends the body. A mirror that
    fails for a lasting reason (refused, timed out, too slow, unknown host) is not tried again
    for the other files, and when a later mirror serves, one line on stderr says which mirrors
    failed and why.

    Parameters
    ----------
    folder
        The cache folder (default: :func:`data_dir`).
    mirrors
        Base URLs or folders to try in order (default: ``$MNIST_MIRROR``, then
        :data:`DEFAULT_MIRRORS`).
    timeout
        Connect and read timeouts in seconds, for each request.
    progress
        Whether to draw a progress bar for each download.

    Returns
    -------
    dict
        File name -> path of the intact cached file.

    Raises
    ------
    DownloadError
        When no mirror gives an intact file; the message lists each mirror
        and why it failed, and how to place the files by hand. Also when the
        cache folder or a file in it cannot be read or written (at once, without
        trying other mirrors), and when ``$MNIST_MIRROR`` is neither a URL nor a folder.
    """
    target = data_dir(folder)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fix = f"set {DATA_DIR_ENV} to a folder you can write to"
        raise _disk_error(target, error, "create the cache folder", fix) from error
    _sweep_stale_parts(target)
    paths = {name: target / name for name in MNIST_FILES}
    missing = [name for name, path in paths.items() if not _cached_is_good(path, name)]
    if not missing:
        return paths
    chosen = mirror_list(mirrors)
    if not chosen:
        raise DownloadError(
            f"No mirror to try: the list of mirrors is empty and {MIRROR_ENV} is not set. "
            f"To fix it: pass mirrors=None for the public mirrors, or set {MIRROR_ENV}."
        )
    failed: dict[str, str] = {}
    used, failures = [], []
    for name in missing:
        mirror, failed_first = _fetch_one(name, target, chosen, timeout, progress, failed)
        used += [mirror] if mirror not in used else []
        failures += [
            f"{line.strip()} ({name})"
            for line in failed_first
            if not line.endswith("(not tried again)")
        ]
    if failures:
        print(
            f"Got the files from {', '.join(used)}, but first: " + "; ".join(failures),
            file=sys.stderr,
        )
    return paths


# --------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------

#: The number of images (and labels) in MNIST's files: no IDX file read here promises more.
MNIST_COUNTS = {"train": 60_000, "t10k": 10_000}


def _idx_header(head: bytes, name: str, magic: int, count: int | None) -> tuple[int, list[int]]:
    """Check an IDX header; return its size in bytes and its dimensions."""
    ndim = 3 if magic == IMAGES_MAGIC else 1
    header_size = 4 + 4 * ndim
    if len(head) < header_size:
        raise ValueError(
            f"{name}: only {len(head)} bytes, too short for an IDX header "
            f"({header_size} bytes); delete the file and fetch it again."
        )
    found_magic = int.from_bytes(head[:4], "big")
    if found_magic != magic:
        raise ValueError(
            f"{name}: magic number {found_magic}, expected {magic} "
            f"({'images' if magic == IMAGES_MAGIC else 'labels'}); this is not "
            "the right IDX file, delete it and fetch it again."
        )
    dims = [int.from_bytes(head[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    if ndim == 3 and dims[1:] != [IMAGE_SIDE, IMAGE_SIDE]:
        raise ValueError(
            f"{name}: images are {dims[1]}x{dims[2]}, expected {IMAGE_SIDE}x{IMAGE_SIDE}."
        )
    what = "images" if magic == IMAGES_MAGIC else "labels"
    if count is not None and dims[0] != count:
        raise ValueError(
            f"{name}: the header says {dims[0]:,} {what}, MNIST's file has {count:,}; "
            "delete it and fetch it again."
        )
    most = max(MNIST_COUNTS.values())
    if dims[0] > most:
        raise ValueError(
            f"{name}: the header says {dims[0]:,} {what}, more than MNIST's {most:,}; "
            "this is not an MNIST file, delete it and fetch it again."
        )
    return header_size, dims


def _check_labels(array: np.ndarray, name: str) -> None:
    if array.size and array.max() > 9:
        raise ValueError(
            f"{name}: a label is {int(array.max())}, but digits are 0-9; "
            "delete the file and fetch it again."
        )


def decode_idx(raw: bytes, name: str, magic: int, count: int | None = None) -> np.ndarray:
    """Decode the bytes of an uncompressed IDX file of unsigned bytes.

    Parameters
    ----------
    raw
        The whole file, header included.
    name
        The file's name, used in error messages.
    magic
        The expected magic number: 2051 (images) or 2049 (labels).
    count
        The number of images or labels the file must hold (e.g. 10,000); ``None`` accepts
        up to MNIST's 60,000.

    Returns
    -------
    numpy.ndarray
        ``(n, 784)`` uint8 images, or ``(n,)`` uint8 labels (each 0-9).

    Raises
    ------
    ValueError
        When the header, the payload length or a label is not what MNIST has.
    """
    header_size, dims = _idx_header(raw, name, magic, count)
    expected = int(np.prod(dims))
    payload = len(raw) - header_size
    if payload != expected:
        raise ValueError(
            f"{name}: header promises {expected:,} bytes of data "
            f"({' x '.join(map(str, dims))}) but the file holds {payload:,}; "
            "delete it and fetch it again."
        )
    array = np.frombuffer(raw, dtype=np.uint8, offset=header_size)
    if magic == IMAGES_MAGIC:
        return array.reshape(dims[0], -1)
    _check_labels(array, name)
    return array


def read_idx_gz(path: str | os.PathLike, magic: int, count: int | None = None) -> np.ndarray:
    """Read and decode one gzipped IDX file, inflating no more than its header promises.

    The header is read first; then at most the bytes it promises, plus one to tell a file
    that holds more (a decompression bomb inflates no further than that).

    Parameters
    ----------
    path
        The ``.gz`` file.
    magic
        The expected magic number: 2051 (images) or 2049 (labels).
    count
        The number of images or labels the file must hold (see :func:`decode_idx`).

    Returns
    -------
    numpy.ndarray
        See :func:`decode_idx`. The array is read-only: it shares the file's bytes.

    Raises
    ------
    MissingFileError
        When the file is missing (a :class:`DownloadError` and a ``FileNotFoundError``).
    DownloadError
        When the file cannot be read (permissions).
    ValueError
        When it is not a valid gzip stream or not a valid MNIST IDX file; the
        message names the file to delete.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(
            f"{path} is missing: run helpers.fetch_mnist() or load_mnist(fetch=True) to get it."
        )
    try:
        file = open(path, "rb")
    except OSError as error:
        raise _disk_error(path, error, "read") from error
    with file, gzip.GzipFile(fileobj=file, mode="rb") as stream:
        try:
            ndim = 3 if magic == IMAGES_MAGIC else 1
            head = stream.read(4 + 4 * ndim)
            header_size, dims = _idx_header(head, str(path), magic, count)
            expected = int(np.prod(dims))
            body = stream.read(expected + 1)
        except (OSError, EOFError, zlib.error) as error:
            raise ValueError(
                f"{path}: not a valid gzip stream ({error}); delete it and fetch it again."
            ) from error
    if len(body) > expected:
        raise ValueError(
            f"{path}: inflates to more than the {expected:,} bytes of data its header promises "
            f"({' x '.join(map(str, dims))}); not an MNIST file, delete it and fetch it again."
        )
    return decode_idx(head + body, str(path), magic, count)


# --------------------------------------------------------------------------
# Data: the four arrays and the validation split
# --------------------------------------------------------------------------
def load_mnist(
    folder: str | os.PathLike | None = None, fetch: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return MNIST as ``x_train, y_train, x_test, y_test``.

    Images are ``(n, 784)`` uint8 arrays with values 0-255, labels ``(n,)``
    uint8 arrays with values 0-9: 60,000 training and 10,000 test images.

    Parameters
    ----------
    folder
        The cache folder (default: :func:`data_dir`).
    fetch
        Whether to call :func:`fetch_mnist` first (checking digests, and
        downloading what is missing). With ``False`` the files are only read.

    Returns
    -------
    tuple of numpy.ndarray
        ``x_train, y_train, x_test, y_test``, read-only (make a copy to change them).

    Raises
    ------
    DownloadError
        When a file cannot be fetched intact (see :func:`fetch_mnist`), or read; with
        ``fetch=False``, :class:`MissingFileError` when a file is missing.
    ValueError
        When a file is not a valid gzipped MNIST IDX file.
    """
    folder = data_dir(folder)
    if fetch:
        fetch_mnist(folder, progress=True)
    arrays = []
    for part in ("train", "t10k"):
        for kind, magic in (("images-idx3", IMAGES_MAGIC), ("labels-idx1", LABELS_MAGIC)):
            path = folder / f"{part}-{kind}-ubyte.gz"
            arrays.append(read_idx_gz(path, magic, MNIST_COUNTS[part]))
    x_train, y_train, x_test, y_test = arrays
    return x_train, y_train, x_test, y_test


def validation_split(
    count: int = 60_000, size: int = 5_000, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Choose which training images to hold out as a validation set.

    The same ``count``, ``size`` and ``seed`` always give the same split, so notebooks that
    call it with the defaults hold out the same 5,000 of MNIST's 60,000 training images.

    Parameters
    ----------
    count
        Number of training images.
    size
        Number of them to hold out.
    seed
        Seed of the random permutation that picks them.

    Returns
    -------
    tuple of numpy.ndarray
        ``train_index, val_index``: the indices of the images kept for training and of those held
        out, each in the random order of the permutation.
    """
    if not 0 < size < count:
        raise ValueError(f"cannot hold out {size} of {count} images: need 0 < size < count")
    order = np.random.default_rng(seed).permutation(count)
    return order[size:], order[:size]


# --------------------------------------------------------------------------
# Checks of the prose's claims
# --------------------------------------------------------------------------

DEFAULT_REASON = (
    "a setting in the notebook was changed (an exercise?), or this machine or NumPy version "
    "computes slightly different numbers"
)


class ClaimError(AssertionError):
    """A claim of a notebook's text does not hold for this run (raised in strict mode only)."""


def strict_checks() -> bool:
    """Whether a failed :func:`check` raises: under the tests, the site build and ``results``.

    ``$MNIST_STRICT_CHECKS=1`` turns it on (``conftest.py``, ``docs/conf.py`` and
    ``python3 tasks.py results`` set it); a learner's run only prints what failed.
    """
    return os.environ.get(STRICT_CHECKS_ENV, "").strip() not in ("", "0")


def check(holds: object, claim: str, got: object = "", reason: str = DEFAULT_REASON) -> None:
    """Check that a claim the notebook's text makes holds for this run's figures.

    Parameters
    ----------
    holds
        Whether the claim holds (anything truthy).
    claim
        What the text claims, e.g. ``"the network gets more than 97.5% of the test digits"``.
    got
        What this run got, e.g. ``f"{accuracy:.2%}"``.
    reason
        The likely reason when it fails.

    Raises
    ------
    ClaimError
        When the claim does not hold, in strict mode (see :func:`strict_checks`). Otherwise the
        message is printed to stderr (JupyterLab shows it in red) and the notebook goes on.
        Nothing is returned, so that a check at the end of a cell shows nothing when it holds.
    """
    if holds:
        return
    message = (
        f"The text claims: {claim}\n"
        f"This run got:    {got if got != '' else '(see the cell above)'}\n"
        f"Likely reason:   {reason}"
    )
    if strict_checks():
        raise ClaimError(message)
    print(f"Note: a claim of the text does not hold on this run.\n{message}", file=sys.stderr)


# --------------------------------------------------------------------------
# Results and the machine
# --------------------------------------------------------------------------

REQUIRED_METRICS = ("model", "test_accuracy", "parameters", "train_seconds", "seed", "train_size")


def machine() -> str:
    """Describe this machine in one line: CPU, cores, OS, Python and NumPy.

    On Linux the CPU is named as ``/proc/cpuinfo`` names it, with its family and model numbers
    and its widest vector instructions, since a virtual machine's CPU name alone ("AMD EPYC")
    can stand for processors of very different speeds.
    """
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        cpu = _describe_cpu(cpuinfo.read_text()) or cpu
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()}, "
        f"Python {platform.python_version()}, NumPy {np.__version__}"
    )


# The widest vector instructions a CPU flag names, widest first.
_VECTOR_FLAGS = [("avx512f", "AVX-512"), ("avx2", "AVX2"), ("avx", "AVX"), ("asimd", "NEON")]


def _describe_cpu(cpuinfo: str) -> str | None:
    """Name, family, model and widest vector instructions of the first CPU in ``cpuinfo``."""
    fields = dict(re.findall(r"^([^\t:]+?)\s*:\s*(.*)$", cpuinfo.split("\n\n")[0], re.M))
    if "model name" not in fields:
        return None
    details = (
        [f"family {fields['cpu family']} model {fields['model']}"] if "cpu family" in fields else []
    )
    flags = set(fields.get("flags", "").split())
    vector = next((name for flag, name in _VECTOR_FLAGS if flag in flags), None)
    details += [vector] if vector else []
    return fields["model name"].strip() + (f" ({', '.join(details)})" if details else "")


def results_dir() -> Path:
    """Return where :func:`record_result` writes: ``$MNIST_RESULTS_DIR``, else a scratch folder.

    This is the one place that decides it. Only ``python3 tasks.py results`` sets
    ``$MNIST_RESULTS_DIR`` to the committed ``results/``; every other run (JupyterLab, the tests,
    the website build, a hosted notebook) writes to ``_build/results-scratch/``, so running a
    notebook never changes ``results/``.
    """
    return _from_project(os.environ.get(RESULTS_DIR_ENV) or SCRATCH_RESULTS)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def record_result(notebook: str, **metrics: object) -> Path:
    """Save one model's headline figures as JSON under ``results/``.

    Parameters
    ----------
    notebook
        The notebook's file name without extension, e.g. ``"03-deep-learning-on-mnist"``.
    **metrics
        At least ``model`` (a short description), ``test_accuracy`` (a fraction
        in [0, 1]), ``parameters``, ``train_seconds``, ``seed`` and
        ``train_size``. The machine is added.

    Returns
    -------
    pathlib.Path
        The file written: ``results/<notebook>--<model>.json``.
    """
    missing = [key for key in REQUIRED_METRICS if key not in metrics]
    if missing:
        raise ValueError(f"record_result({notebook!r}) needs {', '.join(missing)}")
    accuracy = float(metrics["test_accuracy"])
    if not 0.0 <= accuracy <= 1.0:
        raise ValueError(f"test_accuracy must be a fraction in [0, 1], got {accuracy}")
    plain = {key: _plain(value) for key, value in metrics.items()}
    record = {"notebook": notebook, **plain, "machine": machine()}
    folder = results_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{notebook}--{_slug(str(metrics['model']))}.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path


def _plain(value: object) -> object:
    """Turn a NumPy scalar into a plain Python number, for JSON."""
    return value.item() if isinstance(value, np.generic) else value


def load_results(folder: str | os.PathLike | None = None) -> list[dict]:
    """Return every recorded result in ``folder`` (default: the committed ``results/``)."""
    folder = Path(folder) if folder else PROJECT_ROOT / "results"
    return [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]


def results_table(results: Iterable[Mapping]) -> str:
    """Format results as a Markdown table (model, parameters, accuracy, time)."""
    lines = [
        "| notebook | model | parameters | test accuracy | training time "
        "| training images | seed |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    results = list(results)
    for r in results:
        lines.append(
            f"| {r['notebook']} | {r['model']} | {r['parameters']:,} | "
            f"{100 * r['test_accuracy']:.2f}% | {r['train_seconds']:.1f} s | "
            f"{r['train_size']:,} | {'none (no randomness)' if r['seed'] is None else r['seed']} |"
        )
    machines = sorted({r["machine"] for r in results})
    lines.append("")
    lines.append("Measured on: " + "; ".join(machines) + "." if machines else "No results yet.")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Progress
# --------------------------------------------------------------------------
def log_epoch(epoch: int, epochs: int, seconds: float | None = None, **metrics: float) -> None:
    """Print one line for a finished epoch, e.g. ``epoch  3/10  loss 0.2113 ...``."""
    parts = [f"epoch {epoch:>{len(str(epochs))}}/{epochs}"]
    for key, value in metrics.items():
        parts.append(f"{key.replace('_', ' ')} {value:.4f}")
    if seconds is not None:
        parts.append(f"{seconds:.3g} s")
    print("  ".join(parts), flush=True)


# --------------------------------------------------------------------------
# Plots
# --------------------------------------------------------------------------


def plot_digits(
    images: np.ndarray,
    labels: Sequence[int] | np.ndarray | None = None,
    predicted: Sequence[int] | np.ndarray | None = None,
    columns: int = 10,
    size: float = 1.1,
) -> Figure:
    """Draw digits in a grid, titled with their labels (and predictions).

    Parameters
    ----------
    images
        ``(n, 784)`` or ``(n, 28, 28)`` array.
    labels
        True labels, shown as titles.
    predicted
        Predicted labels; a wrong prediction is titled in red as ``true→predicted``.
    columns
        Digits per row.
    size
        Inches per digit.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    images = np.asarray(images).reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    rows = -(-len(images) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(columns * size, rows * size * 1.15))
    for i, ax in enumerate(np.atleast_1d(axes).ravel()):
        ax.axis("off")
        if i >= len(images):
            continue
        ax.imshow(images[i], cmap="gray_r")
        if labels is not None and predicted is not None:
            wrong = labels[i] != predicted[i]
            ax.set_title(
                f"{labels[i]}→{predicted[i]}" if wrong else f"{labels[i]}",
                color="crimson" if wrong else "black",
                fontsize=9,
            )
        elif labels is not None:
            ax.set_title(f"{labels[i]}", fontsize=9)
    fig.tight_layout()
    return fig


def plot_weights(
    weights: np.ndarray,
    titles: Sequence[str],
    columns: int = 5,
    title: str | None = None,
    percentile: float = 100.0,
) -> Figure:
    """Draw weight vectors as 28x28 pictures: red for positive weights, blue for negative ones.

    Parameters
    ----------
    weights
        ``(n, 784)`` or ``(n, 28, 28)`` array: one picture per row, such as the rows of a
        single layer's weights or the columns of a first hidden layer's, transposed.
    titles
        One title per picture.
    columns
        Pictures per row.
    title
        Title of the whole figure.
    percentile
        Each picture's colour scale ends at this percentile of its absolute weights (100: at the
        largest), so that a few extreme weights need not wash out the rest.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    pictures = np.asarray(weights).reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    if len(titles) != len(pictures):
        raise ValueError(f"{len(pictures)} pictures but {len(titles)} titles")
    rows = -(-len(pictures) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(2 * columns, 2.1 * rows + 0.4))
    for i, ax in enumerate(np.atleast_1d(axes).ravel()):
        ax.axis("off")
        if i >= len(pictures):
            continue
        limit = np.percentile(np.abs(pictures[i]), percentile) or 1.0  # all zero: any scale
        ax.imshow(pictures[i], cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(titles[i], fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_history(history: Mapping[str, Sequence[float]], title: str | None = None) -> Figure:
    """Plot per-epoch curves: losses on the left, accuracies on the right.

    Parameters
    ----------
    history
        Series by name, one value per epoch. Names containing ``loss`` go to
        the left panel, those containing ``acc`` to the right one; e.g.
        ``{"train_loss": [...], "val_loss": [...], "train_accuracy": [...],
        "val_accuracy": [...]}``.
    title
        A title over both panels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(10, 3.6))
    for name, values in history.items():
        epochs = np.arange(1, len(values) + 1)
        ax = loss_ax if "loss" in name else acc_ax if "acc" in name else None
        if ax is not None:
            ax.plot(epochs, values, marker="o", markersize=3, label=name.replace("_", " "))
    loss_ax.set(xlabel="epoch", ylabel="loss", title="loss")
    acc_ax.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(
    y_true: np.ndarray, y_pred: np.ndarray, title: str | None = None
) -> Figure:
    """Draw the confusion matrix with counts in each cell.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    matrix = confusion_matrix(y_true, y_pred)
    fig, ax = plt.subplots(figsize=(6, 5.2))
    shown = ax.imshow(np.log1p(matrix), cmap="Blues")
    threshold = shown.norm.vmax / 2
    for (i, j), count in np.ndenumerate(matrix):
        color = "white" if np.log1p(count) > threshold else "black"
        ax.text(j, i, f"{count}", ha="center", va="center", fontsize=8, color=color)
    ax.set(
        xticks=range(10),
        yticks=range(10),
        xlabel="predicted label",
        ylabel="true label",
        title=title or f"accuracy {np.trace(matrix) / matrix.sum():.2%}",
    )
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------
def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, classes: int = 10) -> np.ndarray:
    """Count ``(true, predicted)`` pairs in a ``classes x classes`` matrix."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return matrix


def most_confused(
    y_true: np.ndarray, y_pred: np.ndarray, count: int = 5, classes: int = 10
) -> list[tuple[int, int, int]]:
    """List the most frequent mistakes, most frequent first.

    Parameters
    ----------
    y_true, y_pred : numpy.ndarray
        True and predicted labels, one per image.
    count : int
        How many mistakes to list at most; pairs that never occur are left out.
    classes : int
        Number of classes.

    Returns
    -------
    list of (true, predicted, times)
        Ties are listed by true label, then by predicted label.
    """
    matrix = confusion_matrix(y_true, y_pred, classes)
    np.fill_diagonal(matrix, 0)
    order = np.argsort(-matrix, axis=None, kind="stable")[:count]
    pairs = zip(*np.unravel_index(order, matrix.shape), strict=True)
    return [(int(t), int(p), int(matrix[t, p])) for t, p in pairs if matrix[t, p] > 0]


# --------------------------------------------------------------------------
# Draw a digit
# --------------------------------------------------------------------------
# The format of an exported network, read by docs/_static/draw.js (keep the two in step):
#
#   NAME.json  {"format": NETWORK_FORMAT, "name": ..., "description": ..., "parameters": ...,
#               "input_shape": [784] or [28, 28, 1], "data": "NAME.bin", "dtype": "<f4",
#               "layers": [{"type": "dense", "name": "dense0",
#                           "weights": {"offset": 0, "shape": [784, 100]},
#                           "biases": {"offset": 78400, "shape": [100]}},
#                          {"type": "relu"}, ..., {"type": "softmax"}]}
#   NAME.bin   every array, little-endian float32, C order, back to back (offsets in values)
#   index.json {"format": NETWORK_FORMAT, "networks": [{"name", "description", "parameters",
#               "file": "NAME.json"}, ...]}: what is in the folder
NETWORKS_DIR = Path("_build") / "networks"
NETWORK_FORMAT = "mnist-from-scratch network 1"
LAYER_TYPES = ("dense", "conv", "relu", "maxpool", "flatten", "softmax")
PAD_SIZE = 280  # pixels of the drawing pad, 10 per pixel of the 28x28 input
_WEIGHTED = ("dense", "conv")
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


def networks_dir() -> Path:
    """Return the folder of the exported networks, ``_build/networks/`` in the project."""
    return PROJECT_ROOT / NETWORKS_DIR


def _layer_arrays(layer: Mapping, arrays: Mapping) -> tuple[np.ndarray, np.ndarray]:
    if layer.get("name") not in arrays:
        raise ValueError(f"no arrays for the {layer['type']} layer named {layer.get('name')!r}")
    weights, biases = (np.asarray(a, dtype=np.float64) for a in arrays[layer["name"]])
    rank = 2 if layer["type"] == "dense" else 4
    if weights.ndim != rank or biases.shape != weights.shape[-1:]:
        raise ValueError(
            f"layer {layer['name']!r} ({layer['type']}): weights of shape {weights.shape} and "
            f"biases of shape {biases.shape}; a {layer['type']} layer needs {rank}-D weights "
            "and one bias per output (the last axis)"
        )
    return weights, biases


def run_network(
    architecture: Sequence[Mapping], arrays: Mapping[str, Sequence[np.ndarray]], images: np.ndarray
) -> np.ndarray:
    """Run a network described in the export format on images, in float64.

    The reference forward pass of the format (:func:`export_network`): what the site's
    ``draw.js`` must compute too.

    Parameters
    ----------
    architecture
        The ordered layers, as :func:`export_network` takes them.
    arrays
        ``{layer name: (weights, biases)}``.
    images
        ``(n, 784)`` or ``(n, 28, 28)`` pixels in [0, 1], in row order.

    Returns
    -------
    numpy.ndarray
        ``(n, outputs)``: what the last layer gives (probabilities, after ``softmax``).
    """
    x = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
    for layer in architecture:
        kind = layer["type"]
        if kind == "conv":
            weights, biases = _layer_arrays(layer, arrays)
            if x.ndim == 2:  # the pixels: one channel
                x = x.reshape(len(x), IMAGE_SIDE, IMAGE_SIDE, 1)
            k = weights.shape[0]
            windows = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(1, 2))
            n, h, w = windows.shape[:3]  # windows: (n, h, w, channels, k, k)
            columns = windows.transpose(0, 1, 2, 4, 5, 3).reshape(n * h * w, -1)
            x = (columns @ weights.reshape(-1, weights.shape[-1]) + biases).reshape(n, h, w, -1)
        elif kind == "dense":
            weights, biases = _layer_arrays(layer, arrays)
            x = x @ weights + biases
        elif kind == "relu":
            x = np.maximum(x, 0)
        elif kind == "maxpool":
            n, h, w, c = x.shape
            x = (
                x[:, : h // 2 * 2, : w // 2 * 2]
                .reshape(n, h // 2, 2, w // 2, 2, c)
                .max(axis=(2, 4))
            )
        elif kind == "flatten":
            x = x.reshape(len(x), -1)  # (rows, columns, channels) order
        elif kind == "softmax":
            e = np.exp(x - x.max(axis=1, keepdims=True))
            x = e / e.sum(axis=1, keepdims=True)
        else:
            raise ValueError(f"unknown layer type {kind!r}; the format knows {LAYER_TYPES}")
    return x


def export_network(
    name: str,
    architecture: Sequence[Mapping],
    arrays: Mapping[str, Sequence[np.ndarray]],
    description: str = "",
    folder: str | os.PathLike | None = None,
) -> Path:
    """Save a trained network for the site's "Draw a digit" page, in float32, without pickle.

    Writes ``NAME.json`` (the layers, with the shape and offset of each array), ``NAME.bin``
    (the arrays as little-endian float32, back to back) and ``index.json`` (every network of the
    folder) into :func:`networks_dir`, from where the site build copies them.

    Parameters
    ----------
    name
        Lower-case letters, digits and hyphens, e.g. ``"mlp"`` or ``"cnn"``.
    architecture
        The layers in order, each a dict with a ``"type"`` of :data:`LAYER_TYPES` and, for
        ``dense`` and ``conv``, a ``"name"`` that keys ``arrays``:

        - ``dense``: weights ``(inputs, outputs)``, so ``z = x @ W + b``;
        - ``conv``: weights ``(kh, kw, channels_in, channels_out)``, stride 1, no padding, on
          ``(rows, columns, channels)`` maps (the 28x28 pixels are one channel);
        - ``relu``; ``maxpool``: 2x2 windows, stride 2 (an odd last row or column is dropped);
        - ``flatten``: maps to vectors in ``(rows, columns, channels)`` order;
        - ``softmax``: the last layer, giving the ten probabilities.
    arrays
        ``{layer name: (weights, biases)}``, any float dtype (saved as float32).
    description
        One line shown on the page, e.g. ``"784-100-10 MLP of notebook 3, 97.9% on test"``.
    folder
        Where to write (default: :func:`networks_dir`).

    Returns
    -------
    pathlib.Path
        The ``NAME.json`` written.
    """
    if not _NAME.fullmatch(name):
        raise ValueError(f"network name {name!r}: use lower-case letters, digits and hyphens")
    if not architecture or architecture[-1].get("type") != "softmax":
        raise ValueError("the last layer must be {'type': 'softmax'}")
    folder = Path(folder) if folder is not None else networks_dir()
    chunks, layers, offset = [], [], 0
    for layer in architecture:
        if layer.get("type") not in LAYER_TYPES:
            raise ValueError(f"unknown layer type {layer.get('type')!r}; use one of {LAYER_TYPES}")
        entry = {"type": layer["type"]}
        if layer["type"] in _WEIGHTED:
            entry["name"] = layer["name"]
            for key, array in zip(("weights", "biases"), _layer_arrays(layer, arrays), strict=True):
                data = np.ascontiguousarray(array, dtype="<f4")
                entry[key] = {"offset": offset, "shape": list(data.shape)}
                chunks.append(data.tobytes())
                offset += data.size
        layers.append(entry)
    first = architecture[0]["type"]
    probe = np.zeros((1, IMAGE_SIDE * IMAGE_SIDE))
    outputs = run_network(architecture, arrays, probe).shape[1:]  # shapes chain, or it raises
    if outputs != (10,):
        raise ValueError(f"the network gives {outputs} outputs per image, not 10")
    description_json = {
        "format": NETWORK_FORMAT,
        "name": name,
        "description": description,
        "parameters": offset,
        "input_shape": [IMAGE_SIDE, IMAGE_SIDE, 1] if first == "conv" else [IMAGE_SIDE**2],
        "data": f"{name}.bin",
        "dtype": "<f4",
        "layers": layers,
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.bin").write_bytes(b"".join(chunks))
    path = folder / f"{name}.json"
    path.write_text(json.dumps(description_json, indent=1) + "\n")
    index = []
    for other in sorted(folder.glob("*.json")):
        if other.name == "index.json":
            continue
        found = json.loads(other.read_text())
        if found.get("format") == NETWORK_FORMAT:
            keys = ("name", "description", "parameters")
            index.append({**{k: found[k] for k in keys}, "file": other.name})
    index_json = {"format": NETWORK_FORMAT, "networks": index}
    (folder / "index.json").write_text(json.dumps(index_json, indent=1) + "\n")
    return path


def load_network(
    name: str, folder: str | os.PathLike | None = None
) -> tuple[list[dict], dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Read back a network written by :func:`export_network`.

    Parameters
    ----------
    name
        The network's name.
    folder
        Where it was written (default: :func:`networks_dir`).

    Returns
    -------
    tuple
        ``(architecture, arrays)`` as :func:`export_network` takes them (arrays in float32),
        ready for :func:`run_network`.
    """
    folder = Path(folder) if folder is not None else networks_dir()
    description = json.loads((folder / f"{name}.json").read_text())
    if description.get("format") != NETWORK_FORMAT:
        raise ValueError(f"{name}.json is not in the format {NETWORK_FORMAT!r}")
    values = np.frombuffer((folder / description["data"]).read_bytes(), dtype="<f4")
    if values.size != description["parameters"]:
        raise ValueError(
            f"{description['data']} holds {values.size} values, not the "
            f"{description['parameters']} of {name}.json"
        )
    architecture, arrays = [], {}
    for layer in description["layers"]:
        architecture.append({k: layer[k] for k in ("type", "name") if k in layer})
        if layer["type"] in _WEIGHTED:
            arrays[layer["name"]] = tuple(
                values[part["offset"] : part["offset"] + int(np.prod(part["shape"]))].reshape(
                    part["shape"]
                )
                for part in (layer["weights"], layer["biases"])
            )
    return architecture, arrays


def drawing_from(
    image: np.ndarray, height: int, top: int, left: int, size: int = PAD_SIZE
) -> np.ndarray:
    """Make a pad-sized "drawing" of an MNIST digit: enlarged and placed anywhere, as one draws.

    Parameters
    ----------
    image
        784 pixels (0-255 or 0-1) of a digit.
    height
        Pixels of the pad the digit's 28 rows are stretched to (nearest neighbour).
    top, left
        Where its top-left corner goes on the pad.
    size
        The pad's side.

    Returns
    -------
    numpy.ndarray
        ``(size, size)`` values in [0, 1].
    """
    image = np.asarray(image, dtype=np.float64).reshape(IMAGE_SIDE, IMAGE_SIDE)
    image = image / 255 if image.max() > 1 else image
    rows = np.arange(height) * IMAGE_SIDE // height
    big = image[rows][:, rows]
    pad = np.zeros((size, size))
    bottom, right = min(size, top + height), min(size, left + height)
    pad[top:bottom, left:right] = big[: bottom - top, : right - left]
    return pad


def plot_drawn_digits(
    drawings: Sequence[np.ndarray],
    preprocess: Callable[[np.ndarray], np.ndarray] | Sequence[Callable[[np.ndarray], np.ndarray]],
    predict: Callable[[np.ndarray], np.ndarray],
    titles: Sequence[str] | None = None,
) -> Figure:
    """Show drawings as the pad does: the drawing, the 28x28 input, the ten probabilities.

    Parameters
    ----------
    drawings
        Pad-sized arrays in [0, 1] (see :func:`drawing_from`).
    preprocess
        Turns a drawing into the ``(28, 28)`` input, e.g. the notebook's ``mnist_style``; or
        one such function per drawing, to compare them.
    predict
        Turns a ``(28, 28)`` input into ten probabilities.
    titles
        One title per drawing, shown above it.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(drawings), 3, figsize=(7.5, 2.2 * len(drawings)), squeeze=False)
    preprocesses = [preprocess] * len(drawings) if callable(preprocess) else list(preprocess)
    for i, drawing in enumerate(drawings):
        image = np.asarray(preprocesses[i](drawing)).reshape(IMAGE_SIDE, IMAGE_SIDE)
        probabilities = np.asarray(predict(image)).ravel()
        drawn, seen, bars = axes[i]
        drawn.imshow(drawing, cmap="gray_r", vmin=0, vmax=1)
        drawn.set_title(titles[i] if titles else "the drawing", fontsize=9)
        seen.imshow(image, cmap="gray_r", vmin=0, vmax=1)
        seen.set_title(
            f"what the network sees\n({getattr(preprocesses[i], '__name__', '')})", fontsize=9
        )
        for ax in (drawn, seen):
            ax.set_xticks([])
            ax.set_yticks([])
        guess = int(probabilities.argmax())
        colours = ["tab:blue" if d == guess else "lightgray" for d in range(10)]
        bars.barh(range(10), probabilities, color=colours)
        bars.set_yticks(range(10))
        bars.set_xlim(0, 1)
        bars.invert_yaxis()
        bars.set_title(f"reads {guess} ({probabilities[guess]:.0%})", fontsize=9)
    fig.tight_layout()
    return fig


# The pad's JavaScript and CSS, given to anywidget inline (nothing is loaded from elsewhere).
# The drawing is the canvas's alpha channel (0-255 per pixel), sent as bytes while one draws;
# the kernel answers with the 28x28 input and the ten probabilities, which the pad draws.
_PAD_ESM = """
function render({ model, el }) {
  const size = model.get("size");
  el.classList.add("mnist-pad");
  el.innerHTML = `
    <div class="mnist-pad-drawing">
      <canvas class="mnist-pad-canvas" width="${size}" height="${size}"
        aria-label="Draw a digit here"></canvas>
      <button type="button" class="mnist-pad-clear">Clear</button>
    </div>
    <div class="mnist-pad-seen">
      <canvas class="mnist-pad-input" width="28" height="28"></canvas>
      <div class="mnist-pad-caption">what the network sees</div>
    </div>
    <div class="mnist-pad-bars"></div>
    <div class="mnist-pad-status"></div>`;
  const canvas = el.querySelector(".mnist-pad-canvas");
  const pen = canvas.getContext("2d", { willReadFrequently: true });
  pen.lineWidth = size / 12;
  pen.lineCap = "round";
  pen.lineJoin = "round";
  pen.strokeStyle = "#000";
  const bars = el.querySelector(".mnist-pad-bars");
  for (let digit = 0; digit < 10; digit++) {
    bars.insertAdjacentHTML("beforeend", `<div class="mnist-pad-bar" data-digit="${digit}">
      <span>${digit}</span><div><div class="mnist-pad-fill"></div></div><output></output></div>`);
  }
  let last = null;
  let timer = null;
  const send = () => {
    timer = null;
    const rgba = pen.getImageData(0, 0, size, size).data;
    const alpha = new Uint8Array(size * size);
    for (let i = 0; i < alpha.length; i++) alpha[i] = rgba[4 * i + 3];
    model.set("drawing", new DataView(alpha.buffer));
    model.save_changes();
  };
  const soon = () => { if (timer === null) timer = setTimeout(send, 80); };
  const at = (event) => {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * size / box.width,
            (event.clientY - box.top) * size / box.height];
  };
  canvas.addEventListener("pointerdown", (event) => {
    canvas.setPointerCapture(event.pointerId);
    last = at(event);
    pen.beginPath();
    pen.moveTo(...last);
    pen.lineTo(...last);
    pen.stroke();
    soon();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (last === null) return;
    const point = at(event);
    pen.beginPath();
    pen.moveTo(...last);
    pen.lineTo(...point);
    pen.stroke();
    last = point;
    soon();
  });
  const lift = () => { if (last !== null) { last = null; soon(); } };
  canvas.addEventListener("pointerup", lift);
  canvas.addEventListener("pointercancel", lift);
  el.querySelector(".mnist-pad-clear").addEventListener("click", () => {
    pen.clearRect(0, 0, size, size);
    send();
  });
  const seen = el.querySelector(".mnist-pad-input").getContext("2d");
  const show = () => {
    const image = model.get("image");
    const picture = seen.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      const grey = 255 - Math.round(255 * Math.min(1, Math.max(0, image[i] || 0)));
      picture.data.set([grey, grey, grey, 255], 4 * i);
    }
    seen.putImageData(picture, 0, 0);
    const probabilities = model.get("probabilities");
    const best = probabilities.indexOf(Math.max(...probabilities));
    bars.querySelectorAll(".mnist-pad-bar").forEach((bar, digit) => {
      const p = probabilities.length ? probabilities[digit] : 0;
      bar.dataset.probability = p;
      bar.classList.toggle("mnist-pad-best", probabilities.length > 0 && digit === best);
      bar.querySelector(".mnist-pad-fill").style.width = `${100 * p}%`;
      bar.querySelector("output").textContent = probabilities.length
        ? `${(100 * p).toFixed(1)}%` : "";
    });
    el.querySelector(".mnist-pad-status").textContent = model.get("status");
  };
  model.on("change:image", show);
  model.on("change:probabilities", show);
  model.on("change:status", show);
  show();
}
export default { render };
"""

_PAD_CSS = """
.mnist-pad { display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start;
  font-family: sans-serif; font-size: 14px; }
.mnist-pad-canvas { width: 280px; height: 280px; max-width: 80vw; max-height: 80vw;
  background: #fff; border: 1px solid #999; touch-action: none; cursor: crosshair; display: block; }
.mnist-pad-clear { margin-top: 0.5em; }
.mnist-pad-input { width: 112px; height: 112px; image-rendering: pixelated;
  border: 1px solid #999; display: block; }
.mnist-pad-caption { font-size: 12px; color: #555; margin-top: 0.3em; }
.mnist-pad-bars { min-width: 200px; }
.mnist-pad-bar { display: grid; grid-template-columns: 1.2em 140px 4em; gap: 0.4em;
  align-items: center; height: 22px; }
.mnist-pad-bar > div { background: #eee; height: 14px; }
.mnist-pad-fill { background: #9ab; height: 100%; width: 0; }
.mnist-pad-best .mnist-pad-fill { background: #1f77b4; }
.mnist-pad-best { font-weight: bold; }
.mnist-pad-bar output { text-align: right; font-variant-numeric: tabular-nums; }
.mnist-pad-status { flex-basis: 100%; color: #b00; }
"""

_PAD_CLASS: list = []  # the widget class, made on first use (anywidget is imported only then)


def _pad_class() -> type:
    if not _PAD_CLASS:
        import anywidget
        import traitlets

        class DigitPad(anywidget.AnyWidget):
            """A drawing pad: the kernel turns each drawing into an input and probabilities."""

            _esm = _PAD_ESM
            _css = _PAD_CSS
            size = traitlets.Int(PAD_SIZE).tag(sync=True)
            # Any, not Bytes: the front end's bytes arrive as a memoryview, which Bytes refuses.
            drawing = traitlets.Any(b"").tag(sync=True)
            image = traitlets.List([]).tag(sync=True)
            probabilities = traitlets.List([]).tag(sync=True)
            status = traitlets.Unicode("").tag(sync=True)

            def __init__(self, predict, preprocess, **kwargs):
                super().__init__(**kwargs)
                self.predict, self.preprocess = predict, preprocess
                self.observe(self._update, names="drawing")

            def _update(self, change) -> None:
                raw = np.frombuffer(bytes(change["new"]), dtype=np.uint8)
                if raw.size != self.size * self.size:
                    return
                drawing = raw.reshape(self.size, self.size) / 255
                try:
                    image = np.asarray(self.preprocess(drawing), dtype=np.float64)
                    probabilities = np.asarray(self.predict(image.reshape(28, 28))).ravel()
                except Exception as error:  # shown on the pad: a widget's errors go to a log
                    self.status = f"{type(error).__name__}: {error}"
                    return
                self.status = ""
                self.image = np.round(image.ravel(), 4).tolist()
                self.probabilities = [float(p) for p in probabilities]

        _PAD_CLASS.append(DigitPad)
    return _PAD_CLASS[0]


def digit_pad(
    predict: Callable[[np.ndarray], np.ndarray],
    preprocess: Callable[[np.ndarray], np.ndarray],
    size: int = PAD_SIZE,
) -> object:
    """Make a pad to draw a digit on with the mouse (or a finger) in JupyterLab, read as one draws.

    While one draws, the drawing (``(size, size)`` values in [0, 1], ink is 1) goes to
    ``preprocess``, which makes the ``(28, 28)`` input, and that to ``predict``; the pad shows the
    input as the network sees it and the ten probabilities as bars. An error of either function
    is shown under the pad.

    Parameters
    ----------
    predict
        ``(28, 28)`` input in [0, 1] -> ten probabilities (the notebook's own forward pass).
    preprocess
        ``(size, size)`` drawing -> ``(28, 28)`` input (e.g. the notebook's ``mnist_style``).
    size
        The pad's side in pixels; the pen is ``size / 12`` wide.

    Returns
    -------
    anywidget.AnyWidget
        The widget (an anywidget, made for JupyterLab; needs a running kernel).
    """
    return _pad_class()(predict, preprocess, size=size)


# --------------------------------------------------------------------------
# Exercises
# --------------------------------------------------------------------------


def compare(
    answer: object,
    reference: object,
    name: str,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    beat: bool = False,
) -> bool:
    """Check a learner's answer to an exercise, and say what is wrong when it is.

    An exercise's check cell calls this after the learner's cell (and, in the full notebook, after
    the collapsed solution cell, which defines the same names). The answer is right when it has
    the reference's shape and every value is within ``atol + rtol * |reference|`` of it; with
    ``beat=True`` the answer is a figure (an accuracy, say) that must be larger than the
    reference, the figure to beat.

    Parameters
    ----------
    answer
        What the learner's code gave: an array, a number, or ``None`` (or ``...``) when the
        exercise's stub has not been written yet.
    reference
        What it should be (computed another way, e.g. by a slow loop or finite differences), or
        with ``beat=True`` the figure to beat.
    name
        What is compared, e.g. ``"class_means(images, labels)"``.
    rtol, atol
        Relative and absolute tolerance.
    beat
        Whether the answer is a figure that must exceed ``reference``.

    Returns
    -------
    bool
        Whether the answer is right. A right answer prints one line saying so (with the worst
        relative error, or the largest difference when the reference is all 0); a wrong one
        prints what is wrong to stderr (JupyterLab shows it in red) and the notebook goes on.

    Raises
    ------
    ClaimError
        When the answer is wrong in strict mode (:func:`strict_checks`): under the tests and the
        site build, where the check runs after the exercise's solution.
    """
    problem = None
    if answer is None or answer is Ellipsis:
        problem = f"{name} is not written yet (it gave {answer!r}): write it in the cell above"
    elif beat:
        figure, target = float(np.asarray(answer)), float(np.asarray(reference))
        if not figure > target:
            problem = f"{name} is {figure:.6g}, which does not beat {target:.6g}"
        else:
            print(f"Right: {name} is {figure:.6g}, better than {target:.6g}")
            return True
    else:
        got, wanted = np.asarray(answer), np.asarray(reference)
        if got.shape != wanted.shape:
            problem = f"{name} has shape {got.shape}; it should have shape {wanted.shape}"
        elif not np.issubdtype(got.dtype, np.number) and got.dtype != bool:
            problem = f"{name} holds {got.dtype} values; it should hold numbers"
        else:
            got64, wanted64 = got.astype(np.float64), wanted.astype(np.float64)
            error = np.abs(got64 - wanted64)
            error = np.where(np.isnan(got64) != np.isnan(wanted64), np.inf, np.nan_to_num(error))
            scale = np.maximum(np.abs(got64), np.abs(wanted64))
            relative = np.where(error == 0, 0.0, error / np.maximum(scale, 1e-300))
            wrong = error > atol + rtol * np.abs(np.nan_to_num(wanted64))
            if not wrong.any():
                # A relative error means nothing where the reference is 0: say the difference.
                nonzero = wanted64 != 0
                if nonzero.any():
                    detail = f"worst relative error {relative[nonzero].max():.1e}"
                else:
                    detail = f"largest difference {error.max() if error.size else 0.0:.1e}"
                print(f"Right: {name} matches the reference ({detail})")
                return True
            at = np.unravel_index(np.argmax(np.where(wrong, error, -1.0)), wrong.shape)
            where = f" at index {tuple(int(i) for i in at)}" if got.ndim else ""
            problem = (
                f"{name} differs from the reference in {int(wrong.sum()):,} of {wrong.size:,} "
                f"values; the worst{where}: yours {got64[at]:.6g}, the reference "
                f"{wanted64[at]:.6g} (relative error {relative[at]:.1e})"
            )
    if strict_checks():
        raise ClaimError(problem)
    print(f"Not yet: {problem}", file=sys.stderr)
    return False
