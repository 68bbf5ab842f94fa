"""Dropout whose masks come from uniform noise: the same distribution, a faster draw.

On the CPU, torch's dropout draws its Bernoulli masks one double-precision number at a
time, about 10 ns per unit: for the DeepChrome networks a tenth of a training step, and
half again as much as the optimiser step of a five-member ensemble. Comparing uniform
float noise with the keep probability draws the same masks' distribution several times
faster, on the CPU and on CUDA alike.
"""

from __future__ import annotations

import torch
from torch import nn


def dropout_mask(shape, p, *, like, generator=None):
    """A dropout mask of ``shape``: ``1 / (1 - p)`` with probability ``1 - p``, else 0.

    ``like`` gives the device and dtype; ``generator`` the random stream (torch's global
    one by default). Drawing one uniform number per unit, the mask consumes the stream as
    ``torch.rand(shape)`` does, so a network's masks follow its seed.
    """
    keep = 1.0 - p
    noise = torch.rand(shape, generator=generator, device=like.device, dtype=like.dtype)
    return (noise < keep).to(like.dtype).mul_(1.0 / keep)


class Dropout(nn.Dropout):
    """:class:`torch.nn.Dropout` with masks from :func:`dropout_mask`.

    Units are zeroed with probability ``p`` and the rest scaled by ``1 / (1 - p)`` in
    training, as torch's dropout does; in evaluation the input passes unchanged.

    Examples
    --------
    >>> import torch
    >>> layer = Dropout(0.5).train()
    >>> out = layer(torch.ones(1000))
    >>> sorted(set(out.tolist()))
    [0.0, 2.0]
    >>> bool(torch.equal(layer.eval()(torch.ones(3)), torch.ones(3)))
    True
    """

    def forward(self, X):
        if not self.training or self.p == 0:
            return X
        if self.p == 1:
            return X * 0
        return X * dropout_mask(X.shape, self.p, like=X)
