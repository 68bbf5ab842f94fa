"""Several copies of one network whose outputs are averaged: a seed ensemble as one module."""

from __future__ import annotations

import torch
from torch import nn


class MemberAverage(nn.Module):
    """The mean output of ``n_members`` networks of one architecture.

    The members are trained apart (each from its own initial weights, shuffling and
    validation genes) and only then put together; averaging their outputs (logits for a
    classifier) removes much of the variance one network keeps from its seed and the epoch
    early stopping chose. As one module, the ensemble is saved, loaded, moved to a device
    and differentiated (attributions) like a single network.

    Parameters
    ----------
    member_class : type of torch.nn.Module
        The members' architecture; each must map one input to one tensor.
    n_members : int, default=5
    **member_params
        Passed to ``member_class``.

    Examples
    --------
    >>> import torch
    >>> from skdeepchrome.models import DeepChromeNet
    >>> ensemble = MemberAverage(DeepChromeNet, n_members=3, n_marks=5, n_bins=100)
    >>> ensemble(torch.zeros(4, 5, 100)).shape
    torch.Size([4, 2])
    >>> len(ensemble.members)
    3
    """

    def __init__(self, member_class, n_members=5, **member_params):
        super().__init__()
        self.members = nn.ModuleList(member_class(**member_params) for _ in range(n_members))

    def forward(self, X):
        """The members' outputs for ``X``, averaged."""
        return torch.stack([member(X) for member in self.members]).mean(dim=0)
