"""The shared helpers of *Convolutional MNIST, from scratch*.

One import gives a chapter what it needs; each module has one job, and each helper's
docstring names the chapter that introduces it. TensorFlow and PyTorch are imported
only inside the functions that need them, so ``import mnist_utils`` stays fast.

- :mod:`mnist_utils.data`    -- MNIST, verified and cached; torchvision files (ch. 02)
- :mod:`mnist_utils.runtime` -- parameters, quick mode, seeds, versions, device (ch. 02)
- :mod:`mnist_utils.plots`   -- saving and showing figures (ch. 02)
"""

from .data import MNISTUnavailableError, load_mnist, prepare_torchvision_root, train_val_split
from .plots import image_grid, save_and_show
from .runtime import ParameterError, check_param, glue, seed_everything, setup_chapter, torch_device

__version__ = "0.1.0"

__all__ = [
    "MNISTUnavailableError",
    "ParameterError",
    "check_param",
    "glue",
    "image_grid",
    "load_mnist",
    "prepare_torchvision_root",
    "save_and_show",
    "seed_everything",
    "setup_chapter",
    "torch_device",
    "train_val_split",
]
