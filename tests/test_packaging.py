"""``pip install .`` gives a working package: the distribution is named after the book (the
import name stays ``mnist_utils``), it carries every module and the torch and keras extras."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DISTRIBUTION = "convolutional-mnist-book"


def test_the_distribution_name_is_not_the_unrelated_mnist_utils_on_pypi():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == DISTRIBUTION
    assert set(project["optional-dependencies"]) >= {"torch", "keras"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The package installed by pip from the checkout into a folder of its own."""
    target = tmp_path_factory.mktemp("site")
    # build from a copy, so setuptools' build/ and egg-info folders stay out of the checkout
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "mnist_utils", source / "mnist_utils", ignore=shutil.ignore_patterns("__pycache__")
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        capture_output=True,
        cwd=source,
    )
    return target


def run_outside(installed, tmp_path, code):
    """Run ``code`` with only the installed copy of mnist_utils importable, from a folder
    that is not the book's checkout."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_pip_install_gives_every_module_and_the_extras(installed, tmp_path):
    out = run_outside(
        installed,
        tmp_path,
        "import importlib.metadata as m, mnist_utils, mnist_utils.inference, mnist_utils.speed;"
        f"d = m.distribution({DISTRIBUTION!r});"
        "print(mnist_utils.__file__);"
        "print(sorted(d.metadata.get_all('Provides-Extra')));"
        "print([r for r in d.requires if 'extra' in r])",
    )
    location, extras, extra_requirements = out.splitlines()
    assert location.startswith(str(installed))
    assert extras == "['keras', 'torch']"
    assert "torch" in extra_requirements and "tensorflow" in extra_requirements
    modules = {p.name for p in (ROOT / "mnist_utils").glob("*.py")}
    assert modules <= {p.name for p in (installed / "mnist_utils").glob("*.py")}


def test_the_installed_package_runs_outside_the_checkout(installed, tmp_path):
    out = run_outside(
        installed,
        tmp_path,
        "from mnist_utils.runtime import project_root; from mnist_utils import inference;"
        "import numpy as np;"
        "img = np.full((60, 60), 255, np.uint8); img[10:50, 27:33] = 0;"
        "print(project_root()); print(inference.prepare_image(img).shape)",
    )
    root, shape = out.splitlines()
    assert Path(root) == tmp_path.resolve()  # outside a checkout: the working folder
    assert shape == "(28, 28)"
