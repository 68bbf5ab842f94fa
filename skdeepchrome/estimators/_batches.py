"""Mini-batches by tensor slicing, for skorch's ``iterator_train`` / ``iterator_valid``.

torch's default DataLoader fetches samples one by one and collates them, which costs more
than DeepChrome's forward pass on small inputs. The data already sit in one float32
tensor (or a dict of tensors: the signal and its sample weights), so a batch is one
fancy-index.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch


def _rows(data, rows):
    if isinstance(data, Mapping):
        return {key: value[rows] for key, value in data.items()}
    return data[rows]


class TensorBatches:
    """Iterate ``(X_batch, y_batch)`` over a skorch ``Dataset`` of tensors.

    Parameters
    ----------
    dataset : skorch.dataset.Dataset
        Holds ``X`` (a tensor, or a dict of tensors of equal length) and ``y`` (a tensor
        or None).
    batch_size : int
    shuffle : bool, default=False
        Draw a new permutation each pass, from torch's global generator (which the
        estimators seed from ``random_state``).

    Examples
    --------
    >>> import torch
    >>> from skorch.dataset import Dataset
    >>> batches = TensorBatches(Dataset(torch.zeros(5, 2), torch.arange(5)), batch_size=2)
    >>> len(batches), [len(yb) for _, yb in batches]
    (3, [2, 2, 1])
    >>> data = {"X": torch.zeros(3, 2), "sample_weight": torch.ones(3)}
    >>> [sorted(Xb) for Xb, _ in TensorBatches(Dataset(data, torch.arange(3)), 2)]
    [['X', 'sample_weight'], ['X', 'sample_weight']]
    """

    def __init__(self, dataset, batch_size, shuffle=False, **_ignored):
        self.X = dataset.X
        self.y = dataset.y
        first = next(iter(self.X.values())) if isinstance(self.X, Mapping) else self.X
        if not isinstance(first, torch.Tensor):
            raise TypeError("TensorBatches needs a dataset whose X is a torch.Tensor.")
        self.n = len(first)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle

    def __len__(self):
        return math.ceil(self.n / self.batch_size)

    def __iter__(self):
        n = self.n
        order = torch.randperm(n) if self.shuffle else None
        y = self.y if self.y is not None else torch.zeros(n)
        for start in range(0, n, self.batch_size):
            if order is None:
                rows = slice(start, start + self.batch_size)
            else:
                rows = order[start : start + self.batch_size]
            yield _rows(self.X, rows), y[rows]
