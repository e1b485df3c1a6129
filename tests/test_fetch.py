"""fetch_mnist against a real loopback HTTP server: fallbacks, failures, and the cache."""

import os

import pytest

import helpers

SMALL = "t10k-labels-idx1-ubyte.gz"
QUICK = (1.0, 1.0)  # connect and read timeouts for tests


def fetch(cache, *mirrors):
    return helpers.fetch_mnist(cache, mirrors=list(mirrors), timeout=QUICK, progress=False)


def snapshot(folder):
    """Content and modification time of every file in a folder."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}


def test_downloads_all_four_files_intact(cache, mirror, seen):
    paths = fetch(cache, mirror + "ok/")
    assert sorted(paths) == sorted(helpers.MNIST_FILES)
    for name, path in paths.items():
        assert helpers.check_file(path, name) is None
    assert len(seen) == 4
    assert sorted(p.name for p in cache.iterdir()) == sorted(helpers.MNIST_FILES)  # no .part left


def test_progress_bar_reaches_full_size(cache, mirror, capsys):
    helpers.fetch_mnist(cache, mirrors=[mirror + "ok/"], timeout=QUICK, progress=True)
    out = capsys.readouterr().out
    assert "train-images-idx3-ubyte.gz" in out
    assert "9.9/9.9 MB" in out
    assert out.count("\r") <= 4 * 31  # redrawn only when the bar grows
    assert out.count("\n") == 4  # one finished line per file


def test_gzip_content_encoding_keeps_the_file_compressed(cache, mirror):
    paths = fetch(cache, mirror + "gzip-encoded/")
    for name, path in paths.items():
        assert helpers.check_file(path, name) is None


def test_falls_back_to_the_next_mirror_after_a_404(cache, mirror, seen):
    fetch(cache, mirror + "404/", mirror + "ok/")
    assert [p.split("/")[1] for p in seen] == ["404", "ok"] * 4


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("404", "HTTP 404 Not Found"),
        ("500", "HTTP 500 Internal Server Error"),
        ("hang", "timed out"),
        ("cut", "download cut short"),
        ("short", "announces 4,956,211 bytes (Content-Length), expected 9,912,422"),
        ("wrong", "checksum mismatch"),
    ],
)
def test_a_bad_mirror_gives_a_clear_error(cache, mirror, mode, reason):
    with pytest.raises(helpers.DownloadError) as error:
        fetch(cache, mirror + mode + "/")
    message = str(error.value)
    assert "train-images-idx3-ubyte.gz" in message
    assert f"{mirror}{mode}/: " in message
    assert reason in message
    assert "MNIST_MIRROR" in message and "by hand" in message
    assert list(cache.iterdir()) == []  # nothing half-written is left behind


def test_refused_connection_is_reported(cache, refused_url):
    with pytest.raises(helpers.DownloadError, match=r"connection refused"):
        fetch(cache, refused_url)


def test_every_failed_mirror_is_listed(cache, mirror, refused_url):
    with pytest.raises(helpers.DownloadError) as error:
        fetch(cache, mirror + "404/", refused_url, mirror + "wrong/")
    lines = str(error.value).splitlines()
    assert lines[1] == f"  {mirror}404/: HTTP 404 Not Found"
    assert lines[2].startswith(f"  {refused_url}: connection refused")
    assert lines[3].startswith(f"  {mirror}wrong/: checksum mismatch")


def test_good_cache_is_used_without_network(full_cache, refused_url, seen, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the network was used")

    monkeypatch.setattr(helpers.requests, "get", no_network)
    before = snapshot(full_cache)
    fetch(full_cache, refused_url)
    assert snapshot(full_cache) == before
    assert seen == []


def test_bad_cached_file_is_reported_and_fetched_again(full_cache, mirror, real_files, capsys):
    (full_cache / SMALL).write_bytes(b"not the labels")
    fetch(full_cache, mirror + "ok/")
    assert (full_cache / SMALL).read_bytes() == real_files[SMALL]
    assert (
        f"Cached {full_cache / SMALL} is bad (not a gzip file: 14 bytes" in capsys.readouterr().err
    )


def test_truncated_cached_file_is_called_truncated(full_cache, mirror, real_files, capsys):
    (full_cache / SMALL).write_bytes(real_files[SMALL][:1000])
    fetch(full_cache, mirror + "ok/")
    assert (full_cache / SMALL).read_bytes() == real_files[SMALL]
    assert "is bad (truncated: 1,000 bytes, expected 4,542)" in capsys.readouterr().err


def test_good_files_survive_when_every_mirror_fails(full_cache, mirror):
    (full_cache / SMALL).unlink()
    before = snapshot(full_cache)
    with pytest.raises(helpers.DownloadError, match=SMALL):
        fetch(full_cache, mirror + "wrong/", mirror + "cut/")
    assert snapshot(full_cache) == before


def test_bad_download_never_replaces_a_good_file(full_cache, mirror, real_files):
    # Even a corrupt cache file stays as it is until a verified copy arrives.
    (full_cache / SMALL).write_bytes(real_files[SMALL][:-1])
    before = snapshot(full_cache)
    with pytest.raises(helpers.DownloadError):
        fetch(full_cache, mirror + "wrong/")
    assert snapshot(full_cache) == before


def test_environment_mirror_comes_first(cache, mirror, seen, monkeypatch):
    monkeypatch.setenv("MNIST_MIRROR", mirror + "ok/")
    assert helpers.mirror_list() == [mirror + "ok/", *helpers.DEFAULT_MIRRORS]
    helpers.fetch_mnist(cache, timeout=QUICK, progress=False)
    assert len(seen) == 4 and all(p.startswith("/ok/") for p in seen)


def test_environment_mirror_can_be_a_folder(full_cache, tmp_path, monkeypatch, refused_url):
    # With only a refused public mirror: the files can only come from the folder.
    monkeypatch.setenv("MNIST_MIRROR", str(full_cache))
    target = tmp_path / "elsewhere"
    paths = helpers.fetch_mnist(target, mirrors=[refused_url], timeout=QUICK, progress=False)
    assert all(path.parent == target for path in paths.values())
    assert all(helpers.check_file(path, name) is None for name, path in paths.items())


def test_missing_file_in_a_folder_mirror_is_reported(cache, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(helpers.DownloadError, match=r"no file .*train-images-idx3-ubyte.gz"):
        fetch(cache, str(tmp_path / "empty"))


def test_missing_folder_mirror_is_reported(cache, tmp_path):
    with pytest.raises(helpers.DownloadError, match=r"no folder .*absent"):
        fetch(cache, str(tmp_path / "absent"))


def test_downloaded_files_are_readable_by_others(cache, mirror):
    paths = fetch(cache, mirror + "ok/")
    assert all(os.stat(p).st_mode & 0o044 == 0o044 for p in paths.values())


def test_unwritable_cache_folder_is_a_clear_error(tmp_path, mirror):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(helpers.DownloadError, match="set MNIST_DATA_DIR to a folder you can write"):
        fetch(blocker / "cache", mirror + "ok/")


def test_relative_data_dir_is_taken_from_the_project_folder(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MNIST_DATA_DIR", "elsewhere")
    assert helpers.data_dir() == helpers.PROJECT_ROOT / "elsewhere"
