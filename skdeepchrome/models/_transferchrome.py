"""Densely connected convolutions with self-attention (TransferChrome), as a torch module."""

from __future__ import annotations

import torch
from torch import nn


def _same(kernel_size):
    """Zero padding that keeps the length (torch's padding="same" warns on even kernels)."""
    return nn.ConstantPad1d(((kernel_size - 1) // 2, kernel_size // 2), 0.0)


class _DenseBlock(nn.Module):
    """Convolutions each of which reads every earlier one's output (DenseNet's block)."""

    def __init__(self, channels, growth_rate, n_layers, kernel_size):
        super().__init__()
        self.layers = nn.ModuleList(
            nn.Sequential(
                # GroupNorm(1, ...) normalises each gene on its own: BatchNorm fails on a
                # batch of one gene of one bin, which scikit-learn's checks feed.
                nn.GroupNorm(1, channels + i * growth_rate),
                nn.ReLU(),
                _same(kernel_size),
                nn.Conv1d(channels + i * growth_rate, growth_rate, kernel_size),
            )
            for i in range(n_layers)
        )
        self.out_channels = channels + n_layers * growth_rate

    def forward(self, X):
        for layer in self.layers:
            X = torch.cat([X, layer(X)], dim=1)
        return X


class TransferChromeNet(nn.Module):
    """TransferChrome: dense convolution blocks, self-attention over positions, pooling.

    ::

        Conv1d(n_marks -> 2 * growth_rate, kernel_size, length kept)
        - n_blocks x [dense block of layers_per_block convolutions (growth_rate filters
          each, every one fed all earlier feature maps) - transition: 1x1 convolution
          halving the channels, average pooling by 2 while at least 4 positions remain]
        - Linear(-> d_model) + learnt position embedding
        - multi-head self-attention over the positions (residual, LayerNorm)
        - mean over positions - Dropout - Linear(d_model -> n_outputs)

    The dense connections let later convolutions reuse the early, nearly raw features
    (one mark's peak) next to combined ones; the attention relates any two positions of
    the window, however far apart, which a convolution's receptive field does not.

    Parameters
    ----------
    n_marks : int
        Input channels: histone marks.
    n_bins : int
        Bins per mark (the position embedding's length; any length works).
    n_outputs : int
        Output units (classes for a classifier, 1 for a regressor).
    growth_rate : int, default=12
        Filters each convolution of a dense block adds.
    n_blocks : int, default=2
        Dense blocks, each followed by a transition.
    layers_per_block : int, default=3
    kernel_size : int, default=3
        Width in bins of the dense blocks' convolutions.
    d_model : int, default=32
        Width of the attention layer; a multiple of ``n_heads``.
    n_heads : int, default=4
    dropout : float, default=0.2
        Dropout probability in the attention and before the output layer.

    Examples
    --------
    >>> import torch
    >>> net = TransferChromeNet(n_marks=5, n_bins=100, n_outputs=2)
    >>> net(torch.zeros(3, 5, 100)).shape
    torch.Size([3, 2])
    >>> net.n_positions  # 100 bins halved by each of the two transitions
    25
    >>> net.attention_weights(torch.zeros(3, 5, 100)).shape
    torch.Size([3, 25, 25])
    """

    def __init__(self, n_marks=5, n_bins=100, n_outputs=2, growth_rate=12, n_blocks=2,
                 layers_per_block=3, kernel_size=3, d_model=32, n_heads=4, dropout=0.2):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model={d_model} is not a multiple of n_heads={n_heads}.")
        self.n_marks = n_marks
        channels = 2 * growth_rate
        stages = [_same(kernel_size), nn.Conv1d(n_marks, channels, kernel_size)]
        length = n_bins
        for _ in range(n_blocks):
            block = _DenseBlock(channels, growth_rate, layers_per_block, kernel_size)
            channels = max(1, block.out_channels // 2)
            stages += [block, nn.GroupNorm(1, block.out_channels), nn.ReLU(),
                       nn.Conv1d(block.out_channels, channels, 1)]
            if length >= 4:
                stages.append(nn.AvgPool1d(2))
                length //= 2
        self.n_positions = length
        self.features = nn.Sequential(*stages)
        self.embed = nn.Linear(channels, d_model)
        self.position = nn.Parameter(torch.zeros(length, d_model))
        nn.init.normal_(self.position, std=0.02)
        self.attention = nn.MultiheadAttention(d_model, n_heads, dropout=dropout,
                                               batch_first=True)
        self.norm = nn.LayerNorm(d_model)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(d_model, n_outputs)

    def _tokens(self, X):
        if X.ndim != 3 or X.shape[1] != self.n_marks:
            raise ValueError(f"TransferChromeNet expects (batch, {self.n_marks}, n_bins) "
                             f"input, got {tuple(X.shape)}.")
        return self.embed(self.features(X).transpose(1, 2)) + self.position

    def forward(self, X):
        """Map ``(batch, n_marks, n_bins)`` signal to ``(batch, n_outputs)`` scores."""
        tokens = self._tokens(X)
        attended, _ = self.attention(tokens, tokens, tokens, need_weights=False)
        tokens = self.norm(tokens + self.dropout(attended))
        return self.output(self.dropout(tokens.mean(dim=1)))

    def attention_weights(self, X):
        """``(batch, n_positions, n_positions)`` attention, averaged over the heads."""
        tokens = self._tokens(X)
        return self.attention(tokens, tokens, tokens, need_weights=True)[1]
