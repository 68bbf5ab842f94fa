"""The DeepChrome convolutional network (Singh et al., Bioinformatics 2016), as a torch module."""

from __future__ import annotations

import math

import torch
from torch import nn

from ._dropout import Dropout

#: Genes per pass when no gradient is needed (prediction).
INFERENCE_CHUNK = 256


class DeepChromeNet(nn.Module):
    """DeepChrome: one convolution over the bins of all marks, max-pooling, then a perceptron.

    The defaults are the paper's architecture for 5 marks x 100 bins::

        Conv1d(n_marks -> 50, kernel 10) - ReLU - MaxPool1d(5) - Dropout(0.5)
        - Linear(50 * 18 -> 625) - ReLU - Linear(625 -> 125) - ReLU - Linear(125 -> n_outputs)

    The convolution is "valid" (no padding) as in the paper. An input shorter than
    ``kernel_size + pool_size - 1`` bins is zero-padded symmetrically just enough for one
    pooled position, so tiny inputs still work.

    Parameters
    ----------
    n_marks : int
        Input channels: histone marks.
    n_bins : int
        Bins per mark.
    n_outputs : int
        Output units (classes for a classifier, 1 for a regressor).
    n_filters, kernel_size, pool_size : int
        Convolution filters, their width in bins, and the max-pooling width.
    hidden_sizes : sequence of int
        Widths of the hidden fully-connected layers.
    dropout : float
        Dropout probability after pooling.
    hidden_dropout : float, default=0.0
        Dropout probability after each hidden layer (the paper has none).

    Examples
    --------
    >>> import torch
    >>> net = DeepChromeNet(n_marks=5, n_bins=100, n_outputs=2)
    >>> net(torch.zeros(3, 5, 100)).shape
    torch.Size([3, 2])
    >>> net.n_pooled
    18
    """

    def __init__(
        self,
        n_marks=5,
        n_bins=100,
        n_outputs=2,
        n_filters=50,
        kernel_size=10,
        pool_size=5,
        hidden_sizes=(625, 125),
        dropout=0.5,
        hidden_dropout=0.0,
    ):
        super().__init__()
        self.padding = max(0, math.ceil((kernel_size + pool_size - 1 - n_bins) / 2))
        conv_len = n_bins + 2 * self.padding - kernel_size + 1
        self.n_pooled = conv_len // pool_size
        self.features = nn.Sequential(
            nn.Conv1d(n_marks, n_filters, kernel_size, padding=self.padding),
            nn.ReLU(),
            nn.MaxPool1d(pool_size),
            Dropout(dropout),
            nn.Flatten(),
        )
        layers = []
        width = n_filters * self.n_pooled
        for size in hidden_sizes:
            layers += [nn.Linear(width, size), nn.ReLU()]
            if hidden_dropout:
                layers.append(Dropout(hidden_dropout))
            width = size
        layers.append(nn.Linear(width, n_outputs))
        self.classifier = nn.Sequential(*layers)

    def forward(self, X):
        """Map ``(batch, n_marks, n_bins)`` signal to ``(batch, n_outputs)`` scores."""
        if len(X) > INFERENCE_CHUNK and not torch.is_grad_enabled():
            # Without gradients, chunks whose activations stay in cache: twice as fast as
            # one pass over thousands of genes, and a gene's scores do not depend on its
            # neighbours'.
            return torch.cat([self.classifier(self.features(part))
                              for part in X.split(INFERENCE_CHUNK)])
        return self.classifier(self.features(X))
