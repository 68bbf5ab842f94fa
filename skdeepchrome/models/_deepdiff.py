"""A DeepDiff-style network (Sekhon, Singh & Qi, Bioinformatics 2018), as a torch module.

DeepDiff predicts the log fold change of a gene's expression between two cells from both
cells' histone marks. Its encoder of each cell is AttentiveChrome (an LSTM with attention
over bins and over marks); here it is the DeepChrome convolution, shared by the two cells
(a Siamese encoder), which trains several times faster on a CPU and keeps the two cells'
features comparable. What DeepDiff adds on top is kept: the differential head reads the
*difference* of the two cells' representations and their *concatenation*, and each cell's
own expression is predicted from its representation as an auxiliary task.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class DeepDiffNet(nn.Module):
    """Two cells' marks -> ``(log fold change, expression of cell 1, expression of cell 2)``.

    ::

        each cell: Conv1d(n_marks -> n_filters, kernel) - ReLU - MaxPool1d - Dropout
                   - Linear(-> embedding_size) - ReLU                 (shared weights)
        lfc:       MLP([h1 - h2, h1, h2]) -> 1
        cell c:    Linear(h_c) -> 1                                     (shared weights)

    Parameters
    ----------
    n_marks : int
        Marks *per cell*; the input has ``2 * n_marks`` channels, the first cell's first.
    n_bins : int
    n_filters, kernel_size, pool_size : int
        The DeepChrome convolution of each cell.
    embedding_size : int
        Width of each cell's representation.
    hidden_sizes : sequence of int
        Hidden layers of the differential head.
    dropout : float

    Examples
    --------
    >>> import torch
    >>> net = DeepDiffNet(n_marks=5, n_bins=100)
    >>> net(torch.zeros(4, 10, 100)).shape
    torch.Size([4, 3])
    """

    def __init__(self, n_marks=5, n_bins=100, n_filters=50, kernel_size=10, pool_size=5,
                 embedding_size=64, hidden_sizes=(64,), dropout=0.5):
        super().__init__()
        self.n_marks = n_marks
        padding = max(0, math.ceil((kernel_size + pool_size - 1 - n_bins) / 2))
        n_pooled = (n_bins + 2 * padding - kernel_size + 1) // pool_size
        self.encoder = nn.Sequential(
            nn.Conv1d(n_marks, n_filters, kernel_size, padding=padding),
            nn.ReLU(),
            nn.MaxPool1d(pool_size),
            nn.Dropout(dropout),
            nn.Flatten(),
            nn.Linear(n_filters * n_pooled, embedding_size),
            nn.ReLU(),
        )
        layers, width = [], 3 * embedding_size
        for size in hidden_sizes:
            layers += [nn.Linear(width, size), nn.ReLU()]
            width = size
        layers.append(nn.Linear(width, 1))
        self.difference_head = nn.Sequential(*layers)
        self.cell_head = nn.Linear(embedding_size, 1)

    def encode(self, X):
        """Each cell's representation: ``(h1, h2)``, each ``(batch, embedding_size)``."""
        return self.encoder(X[:, : self.n_marks]), self.encoder(X[:, self.n_marks :])

    def forward(self, X):
        """``(batch, 2 * n_marks, n_bins)`` -> ``(batch, 3)``: lfc, cell 1, cell 2."""
        h1, h2 = self.encode(X)
        lfc = self.difference_head(torch.cat([h1 - h2, h1, h2], dim=1))
        return torch.cat([lfc, self.cell_head(h1), self.cell_head(h2)], dim=1)


class DeepDiffLoss(nn.Module):
    """Squared error of the fold change plus ``aux_weight`` times each cell's, per gene.

    The target is ``(batch, 3)``: the fold change, then each cell's expression, which may
    be NaN (unknown): those terms are left out, so without any cell expression this is the
    fold change's squared error alone.

    Examples
    --------
    >>> import torch
    >>> loss = DeepDiffLoss(aux_weight=0.5, reduction="none")
    >>> loss(torch.zeros(2, 3), torch.tensor([[1.0, 2.0, 0.0], [1.0, float("nan"), 0.0]]))
    tensor([3., 1.])
    """

    def __init__(self, aux_weight=0.5, reduction="mean"):
        super().__init__()
        self.aux_weight = aux_weight
        self.reduction = reduction

    def forward(self, prediction, target):
        """The loss of ``prediction`` ``(batch, 3)`` against ``target`` ``(batch, 3)``.

        Unknown (NaN) cell expressions add nothing; ``reduction`` as in torch's losses.
        """
        main = (prediction[:, 0] - target[:, 0]) ** 2
        known = ~torch.isnan(target[:, 1:])
        aux = torch.where(known, prediction[:, 1:] - torch.nan_to_num(target[:, 1:]), 0.0) ** 2
        loss = main + self.aux_weight * aux.sum(dim=1)
        if self.reduction == "none":
            return loss
        return loss.mean() if self.reduction == "mean" else loss.sum()
