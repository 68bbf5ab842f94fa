"""A convolutional-recurrent network over histone-mark bins (HM-CRNN), as a torch module."""

from __future__ import annotations

import torch
from torch import nn

#: The recurrent cells the network may use.
RECURRENT_CELLS = {"gru": nn.GRU, "lstm": nn.LSTM}


class HMCRNNNet(nn.Module):
    """HM-CRNN: a convolution over the bins of all marks, then a bidirectional RNN.

    ::

        Conv1d(n_marks -> n_filters, kernel_size, "same") - ReLU - MaxPool1d(pool_size)
        - Dropout - bidirectional GRU/LSTM(hidden_size) over the pooled positions
        - [last state of each direction, mean of the states] - Dropout - Linear(-> n_outputs)

    The convolution finds local patterns (a peak, an edge of a domain) at every position,
    whichever marks they combine; the recurrent layer reads them in genomic order from
    both ends, so the network sees where along the window each pattern lies and how
    patterns follow one another. Any number of bins works (the convolution keeps the
    length, the pool is at most the length).

    Parameters
    ----------
    n_marks : int
        Input channels: histone marks.
    n_bins : int
        Bins per mark.
    n_outputs : int
        Output units (classes for a classifier, 1 for a regressor).
    n_filters : int, default=32
        Convolution filters (the recurrent layer's input size).
    kernel_size : int, default=10
        Filter width in bins.
    pool_size : int, default=5
        Max-pooling width in bins (at most ``n_bins``).
    hidden_size : int, default=32
        Hidden units per direction of the recurrent layer.
    cell : {"gru", "lstm"}, default="gru"
    dropout : float, default=0.3
        Dropout probability after pooling and before the output layer.

    Examples
    --------
    >>> import torch
    >>> net = HMCRNNNet(n_marks=5, n_bins=100, n_outputs=2)
    >>> net(torch.zeros(3, 5, 100)).shape
    torch.Size([3, 2])
    >>> net.n_steps  # 100 bins pooled by 5: the recurrent layer's sequence length
    20
    """

    def __init__(self, n_marks=5, n_bins=100, n_outputs=2, n_filters=32, kernel_size=10,
                 pool_size=5, hidden_size=32, cell="gru", dropout=0.3):
        super().__init__()
        if cell not in RECURRENT_CELLS:
            raise ValueError(f"cell must be one of {sorted(RECURRENT_CELLS)}, got {cell!r}.")
        self.n_marks = n_marks
        pool_size = max(1, min(pool_size, n_bins))
        self.n_steps = n_bins // pool_size
        self.features = nn.Sequential(
            # "Same" padding, written out: torch's padding="same" warns on even kernels.
            nn.ConstantPad1d(((kernel_size - 1) // 2, kernel_size // 2), 0.0),
            nn.Conv1d(n_marks, n_filters, kernel_size),
            nn.ReLU(),
            nn.MaxPool1d(pool_size),
            nn.Dropout(dropout),
        )
        self.recurrent = RECURRENT_CELLS[cell](n_filters, hidden_size, batch_first=True,
                                               bidirectional=True)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(4 * hidden_size, n_outputs)

    def forward(self, X):
        """Map ``(batch, n_marks, n_bins)`` signal to ``(batch, n_outputs)`` scores."""
        if X.ndim != 3 or X.shape[1] != self.n_marks:
            raise ValueError(f"HMCRNNNet expects (batch, {self.n_marks}, n_bins) input, got "
                             f"{tuple(X.shape)}.")
        states, _ = self.recurrent(self.features(X).transpose(1, 2))
        half = states.shape[2] // 2
        # The forward direction has read the whole window at its last step, the backward
        # direction at its first; the mean keeps what was seen along the way.
        ends = torch.cat([states[:, -1, :half], states[:, 0, half:]], dim=1)
        return self.output(self.dropout(torch.cat([ends, states.mean(dim=1)], dim=1)))
