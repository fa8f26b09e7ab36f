"""The shared helpers of *Convolutional MNIST, from scratch*.

One import gives a chapter what it needs; each module has one job, and each helper's
docstring names the chapter that introduces it. TensorFlow and PyTorch are imported
only inside the functions that need them, so ``import mnist_utils`` stays fast.

Set-up and bookkeeping, shared by every chapter:

- :mod:`mnist_utils.runtime` -- chapter set-up: quick mode, seeds, threads, versions, CPU and
  device; recording and glueing a chapter's figures (ch. 02)
- :mod:`mnist_utils.parameters` -- every chapter parameter's type, bounds and choices (ch. 02)
- :mod:`mnist_utils.checks`  -- argument checks shared by every module (ch. 02)
- :mod:`mnist_utils.sources` -- where MNIST comes from: cache, offline package, mirrors,
  each checked; IDX files; torchvision's raw files (ch. 02)
- :mod:`mnist_utils.data`    -- ``load_mnist``, the validation split, ``load_splits`` (ch. 02, 05)
- :mod:`mnist_utils.files`   -- atomic file writes (ch. 02)
- :mod:`mnist_utils.paths`   -- paths as the book prints them, relative to its checkout (ch. 05)
- :mod:`mnist_utils.plots`   -- saving and showing figures, training curves (ch. 02, 05, 07)
- :mod:`mnist_utils.display` -- showing the package's source in a chapter (ch. 04, 06)
- :mod:`mnist_utils.results` -- the record of every measured run (ch. 05)
- :mod:`mnist_utils.claims`  -- findings in the prose, checked by the run: ✓, ✗ or ○ (ch. 05);
  :mod:`~mnist_utils.claim_index` lists them on the page "Claims"
- :mod:`mnist_utils.studies` -- running a study's grid, summarising its runs (ch. 08-11)
- :mod:`mnist_utils.sweep`   -- a chapter for many parameter values (papermill; Dask if asked)
- :mod:`mnist_utils.translation` -- the Chinese edition's notebooks (``make lab LANG=zh_CN``)
  and claim sentences: markdown translated from its gettext catalogue

Networks, training and evaluation:

- :mod:`mnist_utils.models`  -- the articles' CNNs in Keras and PyTorch from one spec;
  BatchNorm and residual variants; parameter counts (ch. 05-06, 10)
- :mod:`mnist_utils.training` -- a plain PyTorch loop and fast in-memory batches (ch. 06);
  per-batch schedules (ch. 12)
- :mod:`mnist_utils.metrics` -- accuracy, softmax, intervals, confusion, calibration (ch. 05-07)
- :mod:`mnist_utils.inference` -- your own digit images in MNIST form, and predicting them (ch. 07)
- :mod:`mnist_utils.export`  -- a trained model exported to run without PyTorch (ch. 07)
- :mod:`mnist_utils.diagnostics` -- per-layer gradient norms (ch. 09-10)
- :mod:`mnist_utils.augment` -- batched, seeded affine augmentation on tensors (ch. 11)
- :mod:`mnist_utils.ensembles` -- test-time augmentation and ensembles (ch. 12)

One chapter's subject each:

- :mod:`mnist_utils.layer_arithmetic` -- output shapes, parameter counts, receptive fields (ch. 01)
- :mod:`mnist_utils.concept_figures` -- chapter 1's figures
- :mod:`mnist_utils.data_figures` -- chapter 2's figures
- :mod:`mnist_utils.crosscheck` -- a NumPy result compared with PyTorch, TensorFlow, Keras (ch. 03)
- :mod:`mnist_utils.hand_figures` -- chapter 3's figures
- :mod:`mnist_utils.numpy_cnn` -- a CNN from scratch in NumPy, forward and backward (ch. 04);
  :mod:`~mnist_utils.numpy_cnn_training`, :mod:`~mnist_utils.numpy_cnn_checks` and
  :mod:`~mnist_utils.numpy_cnn_figures` train it, check it and draw it
- :mod:`mnist_utils.feature_maps` -- first-layer kernels and feature maps of a trained network
  (ch. 05)
- :mod:`mnist_utils.throughput` -- timing the ways of feeding a PyTorch network (ch. 06)
- :mod:`mnist_utils.own_digits` -- digits that did not come from MNIST (ch. 07)
- :mod:`mnist_utils.occlusion` -- which part of a digit a prediction rests on (ch. 07)
- :mod:`mnist_utils.transfer` -- task split, label budgets, freezing, LoRA adapters (ch. 08);
  :mod:`~mnist_utils.transfer_report` shows the study's results
- :mod:`mnist_utils.activations` -- the activation study's functions, tables, figures (ch. 09)
- :mod:`mnist_utils.depth`   -- the depth study's networks (ch. 10); :mod:`~mnist_utils.depth_study`
  its tables and figures
- :mod:`mnist_utils.regularization` -- the regularisation study's methods and tables (ch. 11)
- :mod:`mnist_utils.speed`   -- the race to 99%, its tables and goal, the ablation (ch. 12);
  :mod:`~mnist_utils.peer_recipes` the public recipes it races against;
  :mod:`~mnist_utils.recipe_figures` pictures of the recipes' ingredients (chs. 12-13)
- :mod:`mnist_utils.best_model` -- the best recipe's members and combinations (ch. 13)
- :mod:`mnist_utils.draw`    -- draw a digit with the mouse, live probabilities (ch. 13)
- :mod:`mnist_utils.scoreboard` -- the results page's picture of every model

The framework-specific modules (models, training) are imported as
``from mnist_utils import models``; they load PyTorch/TensorFlow only when called.
"""

from .checks import ParameterError
from .data import (
    MNISTUnavailableError,
    load_mnist,
    load_splits,
    prepare_torchvision_root,
    train_val_split,
)
from .inference import predict_image, prepare_image
from .plots import image_grid, save_and_show
from .runtime import glue, seed_everything, setup_chapter, torch_device

__version__ = "0.1.0"

__all__ = [
    "MNISTUnavailableError",
    "ParameterError",
    "glue",
    "image_grid",
    "load_mnist",
    "load_splits",
    "predict_image",
    "prepare_image",
    "prepare_torchvision_root",
    "save_and_show",
    "seed_everything",
    "setup_chapter",
    "torch_device",
    "train_val_split",
]
