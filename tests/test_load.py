"""load_mnist and IDX decoding: the real files, and malformed ones."""

import gzip
import tracemalloc

import numpy as np
import pytest

import helpers


def idx_bytes(magic: int, dims: list[int], payload: bytes) -> bytes:
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in dims)
    return header + payload


def test_load_mnist_shapes_dtypes_and_values(full_cache):
    x_train, y_train, x_test, y_test = helpers.load_mnist(full_cache, fetch=False)
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert x_train.max() == 255 and x_train.min() == 0
    assert np.array_equal(np.unique(y_train), np.arange(10))
    # Known facts of MNIST: the first training digit is a 5, the first test digit a 7.
    assert (y_train[0], y_test[0]) == (5, 7)
    assert np.bincount(y_train).tolist()[:3] == [5923, 6742, 5958]


def test_load_mnist_fetches_first(tmp_path, monkeypatch, full_cache):
    # The folder mirror is the only one: the public mirrors must not be reachable from a test.
    monkeypatch.setenv("MNIST_MIRROR", str(full_cache))
    monkeypatch.setattr(helpers, "DEFAULT_MIRRORS", ())
    target = tmp_path / "fetched"
    x_train, *_ = helpers.load_mnist(target)
    assert x_train.shape == (60000, 784)
    assert sorted(p.name for p in target.iterdir()) == sorted(helpers.MNIST_FILES)


def test_decode_labels():
    labels = helpers.decode_idx(idx_bytes(2049, [3], bytes([1, 2, 3])), "l", helpers.LABELS_MAGIC)
    assert labels.tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    ("raw", "magic", "message"),
    [
        (idx_bytes(2049, [2, 28, 28], bytes(1568)), 2051, r"magic number 2049, expected 2051"),
        (idx_bytes(2051, [1], bytes(1)), 2049, r"magic number 2051, expected 2049"),
        (idx_bytes(2051, [2, 28, 27], bytes(1512)), 2051, r"images are 28x27, expected 28x28"),
        (idx_bytes(2051, [2, 28, 28], bytes(1000)), 2051, r"header promises 1,568 .* holds 1,000"),
        (idx_bytes(2049, [5], bytes(6)), 2049, r"header promises 5 bytes .* holds 6"),
        (b"\x00\x00\x08", 2049, r"only 3 bytes, too short for an IDX header \(8 bytes\)"),
    ],
)
def test_malformed_idx_names_the_file_and_the_problem(raw, magic, message):
    with pytest.raises(ValueError, match="^bad.idx: " + message):
        helpers.decode_idx(raw, "bad.idx", magic)


def test_corrupt_gzip_is_a_clear_value_error(tmp_path, real_files):
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    good = real_files[path.name]
    path.write_bytes(good[:20] + bytes(len(good) - 20))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte.gz: not a valid gzip stream"):
        helpers.read_idx_gz(path, helpers.LABELS_MAGIC)


def test_not_gzip_at_all(tmp_path):
    path = tmp_path / "labels.gz"
    path.write_bytes(b"<html>404 Not Found</html>")
    with pytest.raises(ValueError, match=r"labels.gz: not a valid gzip stream"):
        helpers.read_idx_gz(path, helpers.LABELS_MAGIC)


def test_bad_header_inside_a_valid_gzip(tmp_path):
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(idx_bytes(2051, [1, 32, 32], bytes(1024))))
    with pytest.raises(ValueError, match=r"images.gz: images are 32x32"):
        helpers.read_idx_gz(path, helpers.IMAGES_MAGIC)


def test_missing_file_without_fetching_says_how_to_get_it(cache):
    with pytest.raises(helpers.MissingFileError, match=r"missing: run helpers.fetch_mnist\(\)"):
        helpers.load_mnist(cache, fetch=False)


def test_validation_split_is_a_fixed_partition():
    train_index, val_index = helpers.validation_split(100, size=10, seed=3)
    assert len(val_index) == 10 and len(train_index) == 90
    assert np.array_equal(np.sort(np.concatenate([train_index, val_index])), np.arange(100))
    again = helpers.validation_split(100, size=10, seed=3)
    assert np.array_equal(again[1], val_index) and np.array_equal(again[0], train_index)
    assert not np.array_equal(helpers.validation_split(100, size=10, seed=4)[1], val_index)


@pytest.mark.parametrize("size", [0, 100, -1])
def test_validation_split_refuses_an_impossible_size(size):
    with pytest.raises(ValueError, match="need 0 < size < count"):
        helpers.validation_split(100, size=size)


def gzip_bomb(path, head: bytes, zeros: int) -> None:
    """Write a small gzip file of ``head`` then ``zeros`` zero bytes, compressed as it goes."""
    with gzip.open(path, "wb", compresslevel=1) as file:
        file.write(head)
        block = bytes(2**20)
        for _ in range(zeros // len(block)):
            file.write(block)


def test_a_decompression_bomb_is_refused_with_bounded_memory(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    gzip_bomb(path, idx_bytes(2051, [1, 28, 28], b""), 64 * 2**20)  # 784 bytes promised, 64 MiB
    assert path.stat().st_size < 2**20
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"inflates to more than the 784 bytes .* promises"):
            helpers.read_idx_gz(path, helpers.IMAGES_MAGIC)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20


def test_a_header_promising_more_than_mnist_is_refused_before_inflating(tmp_path):
    path = tmp_path / "labels.gz"
    gzip_bomb(path, idx_bytes(2049, [2**31], b""), 2**20)
    with pytest.raises(ValueError, match=r"header says 2,147,483,648 labels, more than MNIST's"):
        helpers.read_idx_gz(path, helpers.LABELS_MAGIC)


def test_load_mnist_refuses_a_bomb_in_the_cache(full_cache):
    name = "t10k-labels-idx1-ubyte.gz"
    gzip_bomb(full_cache / name, idx_bytes(2049, [10_000], b""), 32 * 2**20)
    with pytest.raises(ValueError, match=name + ": inflates to more than the 10,000 bytes"):
        helpers.load_mnist(full_cache, fetch=False)


def test_labels_must_be_digits():
    with pytest.raises(ValueError, match=r"^l: a label is 10, but digits are 0-9"):
        helpers.decode_idx(idx_bytes(2049, [3], bytes([1, 10, 3])), "l", helpers.LABELS_MAGIC)


def test_counts_must_be_mnists(tmp_path, real_files):
    # The test labels under the training labels' name: right magic, 10,000 labels, not 60,000.
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(real_files["t10k-labels-idx1-ubyte.gz"])
    with pytest.raises(ValueError, match=r"the header says 10,000 labels, MNIST's file has 60,000"):
        helpers.read_idx_gz(path, helpers.LABELS_MAGIC, count=60_000)
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        (tmp_path / name).write_bytes(real_files[name.replace("train", "t10k")])
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (tmp_path / name).write_bytes(real_files[name])
    with pytest.raises(ValueError, match=r"header says 10,000 images, MNIST's file has 60,000"):
        helpers.load_mnist(tmp_path, fetch=False)
