"""The AttentiveChrome network (Singh et al., NeurIPS 2017), as a torch module."""

from __future__ import annotations

import torch
from torch import nn


class AttentiveChromeNet(nn.Module):
    """AttentiveChrome: hierarchical LSTMs with soft attention over bins, then over marks.

    For each mark ``j`` a bidirectional LSTM reads the mark's bins (one value per step);
    bin-level attention ``alpha[j] = softmax_t(h[j, t] . w_j)`` with a learnt context vector
    ``w_j`` per mark pools its states into a mark embedding ``m_j = sum_t alpha[j, t]
    h[j, t]``. A second bidirectional LSTM reads the marks' embeddings in order; mark-level
    attention ``beta = softmax_j(s_j . u)`` pools them into ``v = sum_j beta_j s_j``, and a
    linear layer maps ``v`` to the outputs. The two attention maps are what the model
    "looks at" and come out of :meth:`attention`.

    Defaults are the paper's (and its reference implementation's, QData/AttentiveChrome):
    32 hidden units per direction at the bin level, 16 per direction at the mark level, one
    layer each, attention scores linear in the states (no extra projection), dropout 0.5 on
    the LSTM outputs (where the original Lua code applied it), and every weight initialised
    uniformly in ``[-0.1, 0.1]``.

    Parameters
    ----------
    n_marks : int
        Histone marks; one bin-level LSTM each.
    n_bins : int
        Bins per mark (the bin-level sequence length; any length works).
    n_outputs : int
        Output units (classes for a classifier, 1 for a regressor).
    bin_hidden_size : int
        Hidden units per direction of each bin-level LSTM.
    mark_hidden_size : int
        Hidden units per direction of the mark-level LSTM.
    dropout : float
        Dropout probability on both LSTMs' outputs.

    Examples
    --------
    >>> import torch
    >>> net = AttentiveChromeNet(n_marks=5, n_bins=100, n_outputs=2)
    >>> net(torch.zeros(3, 5, 100)).shape
    torch.Size([3, 2])
    >>> alpha, beta = net.attention(torch.zeros(3, 5, 100))
    >>> alpha.shape, beta.shape
    (torch.Size([3, 5, 100]), torch.Size([3, 5]))
    >>> bool(torch.allclose(alpha.sum(dim=2), torch.ones(3, 5)))
    True
    """

    def __init__(
        self,
        n_marks=5,
        n_bins=100,
        n_outputs=2,
        bin_hidden_size=32,
        mark_hidden_size=16,
        dropout=0.5,
    ):
        super().__init__()
        self.n_marks = n_marks
        self.n_bins = n_bins
        self.bin_encoders = nn.ModuleList(
            nn.LSTM(1, bin_hidden_size, batch_first=True, bidirectional=True)
            for _ in range(n_marks)
        )
        # One bin-level context vector per mark: a peak at the TSS matters for H3K4me3,
        # a broad domain for H3K27me3.
        self.bin_context = nn.Parameter(torch.empty(n_marks, 2 * bin_hidden_size))
        self.mark_encoder = nn.LSTM(2 * bin_hidden_size, mark_hidden_size, batch_first=True,
                                    bidirectional=True)
        self.mark_context = nn.Parameter(torch.empty(2 * mark_hidden_size))
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(2 * mark_hidden_size, n_outputs)
        self.reset_parameters()

    def reset_parameters(self):
        """Every weight uniform in ``[-0.1, 0.1]``, as the reference implementation."""
        for parameter in self.parameters():
            nn.init.uniform_(parameter, -0.1, 0.1)

    def forward_with_attention(self, X):
        """``(outputs, alpha, beta)`` for ``X`` of shape ``(batch, n_marks, n_bins)``.

        ``alpha`` is ``(batch, n_marks, n_bins)`` (sums to 1 over bins), ``beta`` is
        ``(batch, n_marks)`` (sums to 1 over marks).
        """
        if X.ndim != 3 or X.shape[1] != self.n_marks:
            raise ValueError(
                f"AttentiveChromeNet expects (batch, {self.n_marks}, n_bins) input, got "
                f"{tuple(X.shape)}."
            )
        embeddings, alphas = [], []
        for j, encoder in enumerate(self.bin_encoders):
            states, _ = encoder(X[:, j, :, None])  # (batch, n_bins, 2 * bin_hidden)
            states = self.dropout(states)
            alpha = torch.softmax(states @ self.bin_context[j], dim=1)
            embeddings.append(torch.bmm(alpha[:, None, :], states)[:, 0])
            alphas.append(alpha)
        states, _ = self.mark_encoder(torch.stack(embeddings, dim=1))
        states = self.dropout(states)  # (batch, n_marks, 2 * mark_hidden)
        beta = torch.softmax(states @ self.mark_context, dim=1)
        pooled = torch.bmm(beta[:, None, :], states)[:, 0]
        return self.output(pooled), torch.stack(alphas, dim=1), beta

    def forward(self, X):
        """Map ``(batch, n_marks, n_bins)`` signal to ``(batch, n_outputs)`` scores."""
        return self.forward_with_attention(X)[0]

    def attention(self, X):
        """Bin-level ``(batch, n_marks, n_bins)`` and mark-level ``(batch, n_marks)`` weights."""
        _, alpha, beta = self.forward_with_attention(X)
        return alpha, beta
