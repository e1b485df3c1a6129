"""Plumbing shared by the mnist-from-scratch notebooks.

The teaching code (layers, losses, training loops) lives in the notebooks. This
module holds what every notebook needs but nobody wants to read twice:

* :func:`fetch_mnist` downloads the four MNIST files into a local cache, trying
  mirrors in order and checking each file's size and SHA-256 digest;
* :func:`load_mnist` decodes them into NumPy arrays, validating the IDX headers;
* :func:`check` checks a claim of a notebook's text on this run's figures: it fails the tests
  and the site build, and only prints a note in a learner's run;
* :func:`record_result` saves a notebook's headline figures (in ``results/`` only when
  ``python3 tasks.py results`` runs, in a scratch folder otherwise);
* :func:`load_notebook` runs only the definitions (functions, classes, constants) of another
  notebook, so that a notebook or a benchmark can use that notebook's code without a copy;
* a few plots: :func:`plot_digits`, :func:`plot_history`,
  :func:`plot_confusion_matrix`, and :func:`log_epoch` for one line per epoch.

Environment variables
---------------------
MNIST_MIRROR
    A mirror tried before the public ones: an ``http(s)://`` URL of a folder
    holding the four ``.gz`` files, or a local folder path (for classrooms and
    air-gapped machines).
MNIST_DATA_DIR
    Where the downloaded files are cached (default: ``_data/`` in the project).
MNIST_RESULTS_DIR
    Where :func:`record_result` writes (default: ``_build/results-scratch/`` in the project;
    ``python3 tasks.py results`` sets it to ``results/``).
MNIST_STRICT_CHECKS
    ``1``: a failed :func:`check` raises (the tests, the site build); otherwise it prints.
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import requests
import urllib3

if TYPE_CHECKING:
    from matplotlib.figure import Figure


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


# --------------------------------------------------------------------------
# Download
# --------------------------------------------------------------------------


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


def mirror_list(mirrors: Sequence[str] | None = None) -> list[str]:
    """Return the mirrors to try, in order.

    Parameters
    ----------
    mirrors
        Mirrors to use instead of the public defaults. The one named by
        ``$MNIST_MIRROR``, if set, always comes first (a relative folder is taken
        from the project's folder).

    Returns
    -------
    list of str
        Base URLs and folders.
    """
    chosen = list(DEFAULT_MIRRORS if mirrors is None else mirrors)
    own = os.environ.get(MIRROR_ENV, "").strip()
    if own and not re.match(r"^https?://", own):
        own = str(_from_project(own))
    if own:
        chosen = [own] + [m for m in chosen if m != own]
    return chosen


def sha256_of(path: str | os.PathLike) -> str:
    """Return the hex SHA-256 digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(CHUNK_SIZE), b""):
            digest.update(chunk)
    return digest.hexdigest()


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
        ``None`` when the file is intact, else what is wrong with it.
    """
    size, digest = MNIST_FILES[name]
    actual_size = os.path.getsize(path)
    if actual_size != size:
        kind = "truncated" if actual_size < size else "too long"
        return f"{kind}: {actual_size:,} bytes, expected {size:,}"
    actual_digest = sha256_of(path)
    if actual_digest != digest:
        return f"checksum mismatch: SHA-256 {actual_digest}, expected {digest}"
    return None


class ProgressBar:
    """A one-line text progress bar that redraws only when it grows (at most ``width`` times)."""

    def __init__(self, label: str, total: int, width: int = 30) -> None:
        self.label, self.total, self.width, self.shown = label, total, width, -1

    def update(self, done: int) -> None:
        """Show that ``done`` of ``total`` bytes have arrived."""
        filled = self.width * min(done, self.total) // self.total
        if filled == self.shown:
            return
        self.shown = filled
        bar = "#" * filled + "." * (self.width - filled)
        end = "\n" if filled == self.width else ""
        sizes = f"{min(done, self.total) / 1e6:5.1f}/{self.total / 1e6:.1f} MB"
        print(f"\r{self.label:<28} [{bar}] {sizes}", end=end, flush=True)

    def close(self) -> None:
        """End the line if the bar did not reach its end."""
        if 0 <= self.shown < self.width:
            print(flush=True)


def _copy_from_mirror(
    mirror: str,
    name: str,
    target: Path,
    timeout: tuple[float, float],
    progress: bool,
) -> None:
    """Copy ``mirror/name`` into the open path ``target`` (a URL or a folder)."""
    size = MNIST_FILES[name][0]
    if not re.match(r"^https?://", mirror):
        source = Path(mirror).expanduser() / name
        if not source.is_file():
            raise FileNotFoundError(f"no file {source}")
        shutil.copyfile(source, target)
        return
    url = mirror.rstrip("/") + "/" + name
    with requests.get(url, stream=True, timeout=timeout) as response:
        response.raise_for_status()
        bar = ProgressBar(name, size) if progress else None
        done = 0
        try:
            with open(target, "wb") as out:
                # The raw bytes: a server that labels the .gz file "Content-Encoding: gzip"
                # must not get it unzipped on the way.
                for chunk in response.raw.stream(CHUNK_SIZE, decode_content=False):
                    out.write(chunk)
                    done += len(chunk)
                    if bar:
                        bar.update(done)
        except urllib3.exceptions.ReadTimeoutError as error:
            raise requests.exceptions.ReadTimeout(error) from error
        except urllib3.exceptions.HTTPError as error:  # the connection broke mid-file
            raise requests.exceptions.ChunkedEncodingError(error) from error
        finally:
            if bar:
                bar.close()


def _describe(error: Exception) -> str:
    """Say in a few words why a download failed."""
    if isinstance(error, requests.HTTPError) and error.response is not None:
        return f"HTTP {error.response.status_code} {error.response.reason}"
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return "download cut short: the server closed the connection before the end"
    if isinstance(error, requests.Timeout):
        return f"timed out ({error.__class__.__name__})"
    if isinstance(error, requests.ConnectionError):
        return f"connection failed ({error.__class__.__name__})"
    return f"{error.__class__.__name__}: {error}"


def _fetch_one(
    name: str,
    folder: Path,
    mirrors: Sequence[str],
    timeout: tuple[float, float],
    progress: bool,
) -> Path:
    """Make sure one intact file is in ``folder``; return its path."""
    path = folder / name
    if path.is_file():
        problem = check_file(path, name)
        if problem is None:
            return path
        print(f"Cached {path} is bad ({problem}); fetching it again.", file=sys.stderr)
    failures = []
    for mirror in mirrors:
        try:
            handle, temp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
        except OSError as error:
            raise DownloadError(_unwritable(folder, error)) from error
        os.close(handle)
        temp = Path(temp_name)
        try:
            _copy_from_mirror(mirror, name, temp, timeout, progress)
            problem = check_file(temp, name)
            if problem is None:
                temp.chmod(0o644)
                os.replace(temp, path)
                return path
            failures.append(f"  {mirror}: {problem}")
        except (requests.RequestException, OSError) as error:
            failures.append(f"  {mirror}: {_describe(error)}")
        finally:
            temp.unlink(missing_ok=True)
    size, digest = MNIST_FILES[name]
    raise DownloadError(
        f"Could not get an intact copy of {name} from any mirror:\n"
        + "\n".join(failures)
        + f"\nTo fix it: check your connection, or set {MIRROR_ENV} to a mirror URL or a "
        f"folder holding the MNIST files, or place {name} by hand in {folder} "
        f"({size:,} bytes, SHA-256 {digest})."
    )


def _unwritable(folder: Path, error: OSError) -> str:
    """Say that the cache folder cannot be written, and what to do."""
    return (
        f"Cannot write to the cache folder {folder} ({error.strerror or error}). "
        f"Set {DATA_DIR_ENV} to a folder you can write to."
    )


def fetch_mnist(
    folder: str | os.PathLike | None = None,
    mirrors: Sequence[str] | None = None,
    timeout: tuple[float, float] = (5.0, 30.0),
    progress: bool = True,
) -> dict[str, Path]:
    """Make sure the four MNIST ``.gz`` files are cached, intact; download what is missing.

    A cached file with the right digest is used without touching the network.
    A cached file with a wrong size or digest is reported and fetched again.
    Each download goes to a temporary file that replaces the cached one only
    after its size and SHA-256 digest check out, so a good file is never lost.

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
        cache folder cannot be written.
    """
    target = data_dir(folder)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DownloadError(_unwritable(target, error)) from error
    chosen = mirror_list(mirrors)
    return {name: _fetch_one(name, target, chosen, timeout, progress) for name in MNIST_FILES}


# --------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------


def decode_idx(raw: bytes, name: str, magic: int) -> np.ndarray:
    """Decode the bytes of an uncompressed IDX file of unsigned bytes.

    Parameters
    ----------
    raw
        The whole file, header included.
    name
        The file's name, used in error messages.
    magic
        The expected magic number: 2051 (images) or 2049 (labels).

    Returns
    -------
    numpy.ndarray
        ``(n, 784)`` uint8 images, or ``(n,)`` uint8 labels.

    Raises
    ------
    ValueError
        When the header or the payload length is not what MNIST has.
    """
    ndim = 3 if magic == IMAGES_MAGIC else 1
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise ValueError(
            f"{name}: only {len(raw)} bytes, too short for an IDX header "
            f"({header_size} bytes); delete the file and fetch it again."
        )
    found_magic = int.from_bytes(raw[:4], "big")
    if found_magic != magic:
        raise ValueError(
            f"{name}: magic number {found_magic}, expected {magic} "
            f"({'images' if magic == IMAGES_MAGIC else 'labels'}); this is not "
            "the right IDX file, delete it and fetch it again."
        )
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    if ndim == 3 and dims[1:] != [IMAGE_SIDE, IMAGE_SIDE]:
        raise ValueError(
            f"{name}: images are {dims[1]}x{dims[2]}, expected {IMAGE_SIDE}x{IMAGE_SIDE}."
        )
    expected = int(np.prod(dims))
    payload = len(raw) - header_size
    if payload != expected:
        raise ValueError(
            f"{name}: header promises {expected:,} bytes of data "
            f"({' x '.join(map(str, dims))}) but the file holds {payload:,}; "
            "delete it and fetch it again."
        )
    array = np.frombuffer(raw, dtype=np.uint8, offset=header_size)
    return array.reshape(dims[0], -1) if ndim == 3 else array


def read_idx_gz(path: str | os.PathLike, magic: int) -> np.ndarray:
    """Read and decode one gzipped IDX file.

    Parameters
    ----------
    path
        The ``.gz`` file.
    magic
        The expected magic number: 2051 (images) or 2049 (labels).

    Returns
    -------
    numpy.ndarray
        See :func:`decode_idx`. The array is read-only: it shares the file's bytes.

    Raises
    ------
    FileNotFoundError
        When the file is missing.
    ValueError
        When it is not a valid gzip stream or not a valid MNIST IDX file; the
        message names the file to delete.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: run helpers.fetch_mnist() or load_mnist(fetch=True) to get it."
        )
    try:
        with gzip.open(path, "rb") as file:
            raw = file.read()
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(
            f"{path}: not a valid gzip stream ({error}); delete it and fetch it again."
        ) from error
    return decode_idx(raw, str(path), magic)


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
        When a file cannot be fetched intact (see :func:`fetch_mnist`).
    FileNotFoundError
        With ``fetch=False``, when a file is missing.
    ValueError
        When a file is not a valid gzipped MNIST IDX file.
    """
    folder = data_dir(folder)
    if fetch:
        fetch_mnist(folder, progress=True)
    x_train = read_idx_gz(folder / "train-images-idx3-ubyte.gz", IMAGES_MAGIC)
    y_train = read_idx_gz(folder / "train-labels-idx1-ubyte.gz", LABELS_MAGIC)
    x_test = read_idx_gz(folder / "t10k-images-idx3-ubyte.gz", IMAGES_MAGIC)
    y_test = read_idx_gz(folder / "t10k-labels-idx1-ubyte.gz", LABELS_MAGIC)
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


def check(holds: object, claim: str, got: object = "", reason: str = DEFAULT_REASON) -> bool:
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

    Returns
    -------
    bool
        Whether the claim holds. When it does not, in strict mode (see :func:`strict_checks`)
        :class:`ClaimError` is raised; otherwise the message is printed to stderr (JupyterLab
        shows it in red) and the notebook goes on.
    """
    if holds:
        return True
    message = (
        f"The text claims: {claim}\n"
        f"This run got:    {got if got != '' else '(see the cell above)'}\n"
        f"Likely reason:   {reason}"
    )
    if strict_checks():
        raise ClaimError(message)
    print(f"Note: a claim of the text does not hold on this run.\n{message}", file=sys.stderr)
    return False


# --------------------------------------------------------------------------
# Results
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
# Notebook code
# --------------------------------------------------------------------------
# The teaching code lives in the notebooks, not in a module. A notebook or a benchmark that
# needs another notebook's functions loads them with :func:`load_notebook` instead of re-typing
# them: a copy would drift away from what readers run. Only *definitions* run: cells whose
# top-level statements are imports, function or class definitions, docstrings or simple constants
# (``SEED = 0``, ``SIZES = (784, 100, 10)``); from other cells (loading data, training, plots,
# asserts) only such statements are kept, so loading a notebook takes a fraction of a second.


NOTEBOOKS = PROJECT_ROOT / "notebooks"

_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_FUNCTIONS_AND_CLASSES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class NotebookCodeMissing(LookupError):  # noqa: N818 (a name that reads as what happened)
    """Raised when a notebook, or a definition asked for from it, does not exist."""


def _notebook_path(name: str | Path) -> Path:
    """Return the path of a notebook given as a path, a file name or a stem like ``"03-..."``."""
    path = Path(name)
    if path.suffix != ".md":
        path = path.with_name(path.name + ".md")
    if not path.is_absolute() and not path.exists():
        path = NOTEBOOKS / path.name
    return path


def _is_constant_expression(node: ast.expr) -> bool:
    """Whether an expression only combines literals, names and attributes (no calls)."""
    if isinstance(node, (ast.Constant, ast.Name)):
        return True
    if isinstance(node, ast.Attribute):
        return _is_constant_expression(node.value)
    if isinstance(node, ast.UnaryOp):
        return _is_constant_expression(node.operand)
    if isinstance(node, ast.BinOp):
        return _is_constant_expression(node.left) and _is_constant_expression(node.right)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_is_constant_expression(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(
            k is not None and _is_constant_expression(k) and _is_constant_expression(v)
            for k, v in zip(node.keys, node.values, strict=True)
        )
    return False


def _is_definition(statement: ast.stmt) -> bool:
    """Whether a top-level statement only defines something (and does no work)."""
    if isinstance(statement, _DEFINITIONS):
        return True
    if isinstance(statement, ast.Expr):  # a bare string: a docstring or a comment block
        return isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str)
    if isinstance(statement, ast.Assign):
        targets_ok = all(
            isinstance(t, ast.Name)
            or (isinstance(t, ast.Tuple) and all(isinstance(e, ast.Name) for e in t.elts))
            # attaching a function to a class after it: ``Conv2D.backward = conv2d_backward``
            or (isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name))
            for t in statement.targets
        )
        return targets_ok and _is_constant_expression(statement.value)
    if isinstance(statement, ast.AnnAssign):
        return (
            isinstance(statement.target, ast.Name)
            and statement.value is not None
            and _is_constant_expression(statement.value)
        )
    return False


def _statement_source(source: str, statement: ast.stmt) -> str:
    """Return the source of one top-level statement, with its decorators if it has any."""
    decorators = getattr(statement, "decorator_list", [])
    first = min([statement.lineno] + [d.lineno for d in decorators])
    return "\n".join(source.splitlines()[first - 1 : statement.end_lineno])


def definition_cells(name: str | Path) -> list[tuple[str, bool]]:
    """Return the definitions of a notebook's code cells, one top-level statement each, in order.

    Each item is ``(source, is_function_or_class)``. Kept: imports, function and class
    definitions, docstrings and assignments of simple constants; cells with IPython magics or
    shell commands are left out whole.
    """
    path = _notebook_path(name)
    if not path.is_file():
        raise NotebookCodeMissing(f"notebook {path.name} does not exist (yet)")
    import jupytext  # here, so that importing helpers stays fast

    pieces = []
    for cell in jupytext.read(path).cells:
        if cell.cell_type != "code":
            continue
        source = cell.source
        if any(line.lstrip().startswith(("%", "!")) for line in source.splitlines()):
            continue  # IPython magics or shell commands: never definitions
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for statement in tree.body:
            if _is_definition(statement):
                is_function_or_class = isinstance(statement, _FUNCTIONS_AND_CLASSES)
                pieces.append((_statement_source(source, statement), is_function_or_class))
    return pieces


def load_notebook(name: str | Path, given: Mapping | None = None) -> dict:
    """Execute a notebook's definitions in a fresh namespace and return it.

    Parameters
    ----------
    name
        A notebook's stem (``"03-deep-learning-on-mnist"``), file name or path.
    given
        Names the notebook gets by running code, which :func:`load_notebook` does not run: for
        a notebook that takes functions from another one, that notebook's namespace. The
        namespace starts as a copy of it.

    Returns
    -------
    dict
        The namespace: every function, class, import and constant the notebook defines.
        ``namespace["__notebook__"]`` is the notebook's file name and
        ``namespace["__skipped__"]`` lists the functions and classes that could not be defined
        (a decorator or a default value uses a name that only work makes). An assignment that
        uses such a name (``steps = {"plain": plain_seconds}``) is work, and is left out.

    Examples
    --------
    >>> nb05 = load_notebook("05-softmax-minibatches-and-adam")
    >>> train_epoch, Adam = require(nb05, "train_epoch", "Adam")
    >>> nb07 = load_notebook("07-make-training-fast", given=nb05)  # it uses nb05's forward
    """
    path = _notebook_path(name)
    namespace = dict(given or {}, __name__=f"notebook_{path.stem.replace('-', '_')}")
    skipped = []
    for source, is_function_or_class in definition_cells(path):
        try:
            exec(compile(source, str(path), "exec"), namespace)  # noqa: S102
        except NameError as error:  # uses a name made by a cell that does work
            if is_function_or_class:
                skipped.append(f"{source.splitlines()[0][:60]!r}: {error}")
    namespace["__notebook__"] = path.name
    namespace["__skipped__"] = skipped
    return namespace


def require(namespace: dict, *names: str) -> object:
    """Return the named definitions of a loaded notebook; raise a clear error if one is missing.

    Parameters
    ----------
    namespace
        A notebook's definitions, from :func:`load_notebook`.
    *names
        The names needed.

    Returns
    -------
    object or tuple
        The definition for one name, else a tuple of them in the order asked.

    Raises
    ------
    NotebookCodeMissing
        When the notebook defines none of some name.
    """
    missing = [n for n in names if n not in namespace]
    if missing:
        notebook = namespace.get("__notebook__", "the notebook")
        raise NotebookCodeMissing(f"{notebook} defines no {', '.join(missing)}")
    found = tuple(namespace[n] for n in names)
    return found[0] if len(found) == 1 else found


# --------------------------------------------------------------------------
# Progress and plots
# --------------------------------------------------------------------------


def log_epoch(epoch: int, epochs: int, seconds: float | None = None, **metrics: float) -> None:
    """Print one line for a finished epoch, e.g. ``epoch  3/10  loss 0.2113 ...``."""
    parts = [f"epoch {epoch:>{len(str(epochs))}}/{epochs}"]
    for key, value in metrics.items():
        parts.append(f"{key.replace('_', ' ')} {value:.4f}")
    if seconds is not None:
        parts.append(f"{seconds:.3g} s")
    print("  ".join(parts), flush=True)


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
