"""Measuring a classifier honestly (chapters 5 to 7): accuracy with its uncertainty,
per-class scores, the confusion matrix, the worst mistakes and calibration."""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "accuracy",
    "accuracy_interval",
    "calibration_bins",
    "classification_table",
    "commonest_confusions",
    "confusion_matrix",
    "expected_calibration_error",
    "most_confident_mistakes",
    "softmax",
]


def _labels(y) -> np.ndarray:
    y = np.asarray(y)
    return y.argmax(axis=1) if y.ndim == 2 else y


def softmax(logits, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax along ``axis`` (the last: one row per image), in
    float64; subtracting the maximum first avoids overflow (chapter 3 shows why).
    The book's one softmax: ``numpy_cnn.softmax`` (chapter 4) is this function."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def accuracy(y_true, y_pred) -> float:
    """Share of correct predictions; labels may be integers, one-hot or probabilities."""
    y_true, y_pred = _labels(y_true), _labels(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{y_true.shape[0]} labels but {y_pred.shape[0]} predictions")
    return float(np.mean(y_true == y_pred))


def accuracy_interval(correct: int, total: int, confidence: float = 0.95):
    """Wilson score interval for an accuracy of ``correct``/``total``.

    On 10,000 test images an accuracy near 99% is known to about ±0.2 points at 95%
    confidence: differences smaller than that are noise.
    """
    if total <= 0 or not 0 <= correct <= total:
        raise ValueError(f"need 0 <= correct <= total and total > 0, got {correct}/{total}")
    z = {0.90: 1.6448536, 0.95: 1.9599640, 0.99: 2.5758293}.get(confidence)
    if z is None:
        raise ValueError("confidence must be 0.90, 0.95 or 0.99")
    p = correct / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return centre - half, centre + half


def confusion_matrix(y_true, y_pred, n_classes: int = 10) -> np.ndarray:
    """Counts: row = true class, column = predicted class."""
    y_true, y_pred = _labels(y_true), _labels(y_pred)
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def commonest_confusions(matrix, k: int = 8):
    """The ``k`` largest off-diagonal counts of a confusion matrix (chapter 7), as a
    pandas DataFrame: the true and predicted digit, the count, its share of the true
    digit's images, and the count of the reverse mistake."""
    import pandas as pd

    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"expected a square confusion matrix, got shape {matrix.shape}")
    true, predicted = np.nonzero(~np.eye(len(matrix), dtype=bool))  # off the diagonal
    order = np.argsort(-matrix[true, predicted], kind="stable")[:k]
    rows = [
        (i, j, matrix[i, j], matrix[i, j] / matrix[i].sum(), matrix[j, i])
        for i, j in zip(true[order], predicted[order])
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "true",
            "predicted",
            "count",
            "share of the true digit",
            "count the other way round",
        ],
    )


def classification_table(y_true, y_pred):
    """Per-class precision, recall, F1 and support as a pandas DataFrame (scikit-learn)."""
    import pandas as pd
    from sklearn.metrics import precision_recall_fscore_support

    y_true, y_pred = _labels(y_true), _labels(y_pred)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=range(10), zero_division=0)
    table = pd.DataFrame({"precision": p, "recall": r, "f1": f, "support": s})
    table.index.name = "digit"
    return table


def most_confident_mistakes(probabilities, y_true, k: int = 12) -> np.ndarray:
    """Indices of the ``k`` wrong predictions made with the highest confidence."""
    probabilities = np.asarray(probabilities)
    y_true = _labels(y_true)
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != y_true)
    confidence = probabilities[wrong, predicted[wrong]]
    return wrong[np.argsort(-confidence)[:k]]


def calibration_bins(probabilities, y_true, n_bins: int = 10):
    """Reliability-diagram data: per confidence bin, the mean confidence, the accuracy
    and the number of predictions (bins with no predictions hold NaN)."""
    probabilities = np.asarray(probabilities)
    y_true = _labels(y_true)
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == y_true
    edges = np.linspace(0, 1, n_bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)
    counts = np.bincount(which, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(which, confidence, n_bins) / counts
        acc = np.bincount(which, correct, n_bins) / counts
    return edges, mean_conf, acc, counts


def expected_calibration_error(probabilities, y_true, n_bins: int = 10) -> float:
    """Weighted mean gap between confidence and accuracy over the bins (ECE)."""
    _, mean_conf, acc, counts = calibration_bins(probabilities, y_true, n_bins)
    used = counts > 0
    return float(np.sum(counts[used] * np.abs(mean_conf[used] - acc[used])) / counts.sum())
