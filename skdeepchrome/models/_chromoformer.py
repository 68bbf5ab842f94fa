"""A multi-resolution transformer over the TSS window (after Chromoformer), as a torch module."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class _Resolution(nn.Module):
    """One resolution: mean-pool the bins into tokens, embed them, encode them."""

    def __init__(self, n_marks, n_tokens, d_model, n_heads, n_layers, dim_feedforward,
                 dropout):
        super().__init__()
        self.n_tokens = n_tokens
        self.embed = nn.Linear(n_marks, d_model)
        self.position = nn.Parameter(torch.zeros(n_tokens, d_model))
        nn.init.normal_(self.position, std=0.02)
        layer = nn.TransformerEncoderLayer(d_model, n_heads, dim_feedforward, dropout,
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)

    def forward(self, X):
        # Adaptive pooling covers every bin, also where n_bins is no multiple of the
        # token count (windows then overlap by a bin); it is a plain mean where it is.
        tokens = F.adaptive_avg_pool1d(X, self.n_tokens).transpose(1, 2)
        states = self.encoder(self.embed(tokens) + self.position)
        # The token at the TSS (the window's centre) and the whole window's mean.
        return torch.cat([states[:, self.n_tokens // 2], states.mean(dim=1)], dim=1)


class ChromoformerNet(nn.Module):
    """Chromoformer's multi-resolution encoder of the TSS window, without contacts.

    For each pooling factor ``f`` of ``pool_factors`` the bins are averaged ``f`` at a
    time into ``round(n_bins / f)`` tokens (Chromoformer's 100 bp, 500 bp and 2 kb
    resolutions are factors 1, 5 and 20 of 100-bp bins); each token's marks are embedded
    linearly, a learnt position embedding is added, and a transformer encoder of its own
    (pre-norm, ``n_layers`` layers) relates the tokens. Each resolution gives the state
    of its centre token (the TSS) and the mean of its states; the resolutions' vectors
    are concatenated and a perceptron maps them to the outputs::

        for f in pool_factors:
            AdaptiveAvgPool1d(round(n_bins / f)) - Linear(n_marks -> d_model) + position
            - TransformerEncoder(d_model, n_heads, dim_feedforward, n_layers)
            - [centre token, mean token]
        concatenate - Linear(-> hidden_size) - ReLU - Dropout - Linear(-> n_outputs)

    Parameters
    ----------
    n_marks : int
        Histone marks (features of each token).
    n_bins : int
        Bins per mark.
    n_outputs : int
        Output units (classes for a classifier, 1 for a regressor).
    pool_factors : sequence of int, default=(1, 5, 20)
        Bins averaged into one token, per resolution (each from 1 to ``n_bins``).
    d_model : int, default=32
        Token width; a multiple of ``n_heads``.
    n_heads : int, default=4
    n_layers : int, default=1
        Encoder layers per resolution.
    dim_feedforward : int, default=64
        Width of the encoder layers' feed-forward part.
    hidden_size : int, default=64
        Hidden units of the output perceptron.
    dropout : float, default=0.1
        Dropout in the encoders and the perceptron.

    Examples
    --------
    >>> import torch
    >>> net = ChromoformerNet(n_marks=5, n_bins=100, n_outputs=2)
    >>> net(torch.zeros(3, 5, 100)).shape
    torch.Size([3, 2])
    >>> [branch.n_tokens for branch in net.resolutions]
    [100, 20, 5]
    >>> net(torch.zeros(3, 5, 100), contacts=torch.zeros(3, 2, 5, 100))
    Traceback (most recent call last):
    ...
    NotImplementedError: ChromoformerNet reads the TSS window only; ...
    """

    def __init__(self, n_marks=5, n_bins=100, n_outputs=2, pool_factors=(1, 5, 20),
                 d_model=32, n_heads=4, n_layers=1, dim_feedforward=64, hidden_size=64,
                 dropout=0.1):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model={d_model} is not a multiple of n_heads={n_heads}.")
        if not pool_factors or any(not 1 <= int(f) <= n_bins for f in pool_factors):
            raise ValueError(f"pool_factors must be one or more whole numbers from 1 to "
                             f"n_bins={n_bins}, got {pool_factors!r}.")
        self.n_marks = n_marks
        self.resolutions = nn.ModuleList(
            _Resolution(n_marks, max(1, round(n_bins / int(f))), d_model, n_heads, n_layers,
                        dim_feedforward, dropout)
            for f in pool_factors
        )
        self.classifier = nn.Sequential(
            nn.Linear(2 * d_model * len(pool_factors), hidden_size),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden_size, n_outputs),
        )

    def forward(self, X, contacts=None):
        """Map ``(batch, n_marks, n_bins)`` signal to ``(batch, n_outputs)`` scores.

        Parameters
        ----------
        X : torch.Tensor of shape (batch, n_marks, n_bins)
            The TSS window's marks.
        contacts : None
            Reserved for the paper's putative cis-regulatory regions (each gene's
            Hi-C-contacting windows, ``(batch, n_regions, n_marks, n_bins)`` with their
            contact strengths), which Chromoformer's pairwise-interaction and regulation
            transformers attend to. Not implemented: anything but ``None`` raises
            ``NotImplementedError``, so a caller passing contacts is never silently
            given a prediction that ignored them.
        """
        if contacts is not None:
            raise NotImplementedError(
                "ChromoformerNet reads the TSS window only; contacting regions (the "
                "paper's pairwise-interaction and regulation transformers) are not "
                "implemented yet. Pass contacts=None."
            )
        if X.ndim != 3 or X.shape[1] != self.n_marks:
            raise ValueError(f"ChromoformerNet expects (batch, {self.n_marks}, n_bins) input, "
                             f"got {tuple(X.shape)}.")
        return self.classifier(torch.cat([branch(X) for branch in self.resolutions], dim=1))
