"""Test session set-up."""

from mnist_utils.runtime import import_tensorflow


def pytest_configure(config):
    # Tests use PyTorch and TensorFlow in one process: load them in the safe order
    # (see mnist_utils.runtime.import_tensorflow).
    try:
        import_tensorflow()
    except ImportError:
        pass
