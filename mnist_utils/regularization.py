"""The regularisation study's methods (chapter 11).

Each method changes one thing about the baseline run of article 000's network:
dropout, an L2 penalty (Adam's coupled ``weight_decay``), AdamW's decoupled decay,
augmentation, or early stopping.
"""

from __future__ import annotations

__all__ = ["METHODS", "TRAIN_SIZES"]

#: The methods, in the order the chapter's tables list them; "none" is the baseline.
METHODS = ("none", "dropout_0.25", "dropout_0.5", "l2", "adamw", "augment", "early_stop")

#: Training-set sizes: the reduced set of 5,000 images, and all 55,000.
TRAIN_SIZES = ("5000", "all")
