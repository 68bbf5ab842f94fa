"""A seed ensemble of DeepChrome networks as one batched module: a member dimension.

Five separate networks cost five passes of small matrix products and five optimiser
steps per batch. Here each weight carries a leading member axis: the members'
convolutions run as one grouped convolution (one convolution with ``n_members`` times
the filters when they read the same input), their perceptrons as batched matrix
products, so one forward and backward pass and one optimiser step advance every member,
while each still computes exactly what a :class:`DeepChromeNet` of its weights would.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ._deepchrome import DeepChromeNet
from ._dropout import dropout_mask

#: Genes per pass of an input every member reads (prediction, attribution).
SHARED_CHUNK = 64


def _pool(h, pool):
    """Max over each ``pool`` consecutive rows of ``h`` ``(n, rows, channels)``.

    With the channels last, torch's 2-D pooling (channels-last) has a vectorised
    gradient; without gradients a maximum over a middle axis is faster still.
    """
    n, rows, channels = h.shape
    if not torch.is_grad_enabled() or not h.requires_grad:
        return h.view(n, rows // pool, pool, channels).amax(dim=2)
    pooled = F.max_pool2d(h.view(n, 1, rows, channels).permute(0, 3, 1, 2), (1, pool))
    return pooled.permute(0, 2, 3, 1).reshape(n, rows // pool, channels)


def _linears(net):
    return [layer for layer in net.classifier if isinstance(layer, nn.Linear)]


def _stack(tensors):
    """``torch.stack(tensors)``, written out: on the "meta" device (a model file's shapes are
    checked there) ``torch.stack`` runs a Python reference that imports torch's compiler,
    about 1.5 s of a cold ``predict``."""
    first = tensors[0]
    out = torch.empty((len(tensors), *first.shape), dtype=first.dtype, device=first.device)
    for row, tensor in zip(out, tensors):
        row.copy_(tensor)
    return out


class DeepChromeEnsembleNet(nn.Module):
    """``n_members`` DeepChrome networks in one module; its output is their mean.

    Each member is a :class:`DeepChromeNet` of the same parameters (the paper's
    architecture by default) with weights of its own: the convolution's are stacked as
    ``conv_weight`` of shape ``(n_members, n_filters, n_marks, kernel_size)``, each
    linear layer's, transposed, as ``linear_weights[j]`` of shape
    ``(n_members, in, out)``. The mean of the members' outputs (logits for a
    classifier) is the ensemble's output, as :class:`MemberAverage` averages them.

    :meth:`member_outputs` gives every member's outputs at once, for one input that all
    read (prediction, attribution) or for one input per member (training, where each
    member draws its own batches). In training mode each member's dropout masks are its
    own: from torch's global generator, or, while :attr:`generators` holds one
    ``torch.Generator`` per member, from its member's generator, so a member's training
    does not depend on the others'.

    Parameters
    ----------
    n_members : int, default=5
    n_marks, n_bins, n_outputs, n_filters, kernel_size, pool_size, hidden_sizes, \
dropout, hidden_dropout
        As :class:`DeepChromeNet`'s.

    Examples
    --------
    >>> import torch
    >>> ensemble = DeepChromeEnsembleNet(n_members=3, n_marks=5, n_bins=100).eval()
    >>> X = torch.zeros(4, 5, 100)
    >>> ensemble(X).shape, ensemble.member_outputs(X).shape
    (torch.Size([4, 2]), torch.Size([3, 4, 2]))
    >>> first = ensemble.member(0)  # a plain DeepChromeNet with the first member's weights
    >>> bool(torch.allclose(first(X), ensemble.member_outputs(X)[0], atol=1e-6))
    True
    """

    def __init__(self, n_members=5, n_marks=5, n_bins=100, n_outputs=2, n_filters=50,
                 kernel_size=10, pool_size=5, hidden_sizes=(625, 125), dropout=0.5,
                 hidden_dropout=0.0):
        super().__init__()
        self.member_params = dict(
            n_marks=n_marks, n_bins=n_bins, n_outputs=n_outputs, n_filters=n_filters,
            kernel_size=kernel_size, pool_size=pool_size, hidden_sizes=tuple(hidden_sizes),
            dropout=dropout, hidden_dropout=hidden_dropout)
        self.n_members = n_members
        self.dropout = dropout
        self.hidden_dropout = hidden_dropout
        self.generators = None
        # Each member's initial weights are drawn as a DeepChromeNet draws them.
        members = [DeepChromeNet(**self.member_params) for _ in range(n_members)]
        self.padding = members[0].padding
        self.n_pooled = members[0].n_pooled
        self.pool_size = pool_size
        self.conv_weight = nn.Parameter(torch.empty(0))
        self.conv_bias = nn.Parameter(torch.empty(0))
        self.linear_weights = nn.ParameterList(
            nn.Parameter(torch.empty(0)) for _ in _linears(members[0]))
        self.linear_biases = nn.ParameterList(
            nn.Parameter(torch.empty(0)) for _ in _linears(members[0]))
        self.load_members(members)

    def load_members(self, members):
        """Take each member's weights from a :class:`DeepChromeNet` of the same parameters.

        Returns ``self``.
        """
        if len(members) != self.n_members:
            raise ValueError(f"{len(members)} networks for {self.n_members} members")
        with torch.no_grad():
            convs = [net.features[0] for net in members]
            self.conv_weight.data = _stack([c.weight.detach() for c in convs])
            self.conv_bias.data = _stack([c.bias.detach() for c in convs])
            layers = list(zip(*(_linears(net) for net in members)))
            for j, stacked in enumerate(layers):
                # Weights as (in, out): the batched product reads them without a copy.
                self.linear_weights[j].data = _stack([lin.weight.detach().T
                                                      for lin in stacked])
                self.linear_biases[j].data = _stack([lin.bias.detach() for lin in stacked])
        return self

    def member(self, index):
        """A :class:`DeepChromeNet` holding a copy of member ``index``'s weights.

        It is on this module's device, in its dtype and its training mode.
        """
        weight = self.conv_weight
        with torch.device(weight.device):
            net = DeepChromeNet(**self.member_params).to(weight.dtype)
        with torch.no_grad():
            net.features[0].weight.copy_(self.conv_weight[index])
            net.features[0].bias.copy_(self.conv_bias[index])
            for layer, w, b in zip(_linears(net), self.linear_weights, self.linear_biases):
                layer.weight.copy_(w[index].T)
                layer.bias.copy_(b[index])
        return net.train(self.training)

    @property
    def members(self):
        """Every member as a :class:`DeepChromeNet` (copies: see :meth:`member`)."""
        return tuple(self.member(i) for i in range(self.n_members))

    def member_state(self, index):
        """Member ``index``'s slice of every weight, keyed as in :meth:`state_dict`."""
        return {name: p[index].detach().clone() for name, p in self.named_parameters()}

    def load_member_state(self, index, state):
        """Put ``state`` (from :meth:`member_state`) back as member ``index``'s weights."""
        with torch.no_grad():
            for name, p in self.named_parameters():
                p[index].copy_(state[name])

    @classmethod
    def state_from_members(cls, state):
        """A :class:`MemberAverage`-of-DeepChromeNet state dict, stacked for this module.

        Keys ``members.{i}.features.0.weight`` and ``members.{i}.classifier.{k}.weight``
        (as ``MemberAverage(DeepChromeNet, ...)`` stores them) become ``conv_weight`` and
        ``linear_weights.{j}``, the ``j``-th linear layer in order. A state dict without
        ``members.`` keys is returned unchanged.
        """
        if not any(key.startswith("members.") for key in state):
            return dict(state)
        per_member = {}
        for key, value in state.items():
            prefix, _, rest = key.partition(".")
            index, _, name = rest.partition(".")
            if prefix != "members" or not index.isdigit():
                raise ValueError(f"unexpected weight {key!r} among an ensemble's members")
            per_member.setdefault(int(index), {})[name] = value
        if sorted(per_member) != list(range(len(per_member))):
            raise ValueError(f"the members are numbered {sorted(per_member)}")
        members = [per_member[i] for i in range(len(per_member))]
        names = set(members[0])
        if any(set(m) != names for m in members):
            raise ValueError("the ensemble's members do not hold the same weights")
        layers = sorted({int(n.split(".")[1]) for n in names if n.startswith("classifier.")})
        converted = {}
        for suffix, plural in (("weight", "weights"), ("bias", "biases")):
            converted[f"conv_{suffix}"] = torch.stack([m[f"features.0.{suffix}"] for m in members])
            for j, k in enumerate(layers):
                # Weights as (in, out): the batched product reads them without a copy.
                converted[f"linear_{plural}.{j}"] = torch.stack(
                    [m[f"classifier.{k}.{suffix}"].T if suffix == "weight"
                     else m[f"classifier.{k}.{suffix}"] for m in members])
        return converted

    def _dropout(self, h, p):
        """Dropout of ``h`` of shape ``(n_members, batch, ...)``, each member's masks its own."""
        if not self.training or p == 0:
            return h
        if self.generators is None:
            return h * dropout_mask(h.shape, p, like=h)
        # Each member's masks drawn from its own stream as a lone network's Dropout draws
        # them from torch's global one (see _dropout), so a member's stream is a lone
        # network's.
        return h * torch.stack([dropout_mask(h.shape[1:], p, like=h, generator=g)
                                for g in self.generators])

    def member_outputs(self, X):
        """Every member's outputs, ``(n_members, batch, n_outputs)``.

        ``X`` is ``(batch, n_marks, n_bins)``, read by every member, or
        ``(n_members, batch, n_marks, n_bins)``, one input per member.
        """
        m = self.n_members
        if X.ndim == 4 and X.shape[0] == m:
            h = self._own_features(X)
        elif X.ndim == 3:
            if len(X) > SHARED_CHUNK:
                # Chunks whose activations stay in cache: several times faster than
                # one pass over thousands of genes, and a gene's outputs do not depend
                # on its neighbours.
                return torch.cat([self.member_outputs(part)
                                  for part in X.split(SHARED_CHUNK)], dim=1)
            h = self._shared_features(X)
        else:
            raise ValueError(
                f"DeepChromeEnsembleNet expects (batch, n_marks, n_bins) or ({m}, batch, "
                f"n_marks, n_bins) input, got {tuple(X.shape)}")
        h = self._dropout(h, self.dropout)
        last = len(self.linear_weights) - 1
        for j, (w, b) in enumerate(zip(self.linear_weights, self.linear_biases)):
            h = torch.baddbmm(b[:, None, :], h, w)
            if j < last:
                h = self._dropout(F.relu(h), self.hidden_dropout)
        return h

    def _windows(self, X, axis):
        """The convolution's input windows of ``X`` (marks on ``axis``, bins after),
        one row per position pooling reads: ``(batch * t, kernel * marks)`` after the
        axes before ``axis - 1`` (the members').

        With the bins before the marks, a window is one contiguous run of
        ``kernel * marks`` values, so gathering the rows copies runs, not single values
        (twice as fast as windows of marks-major input).
        """
        kernel, pool, pooled = self.conv_weight.shape[3], self.pool_size, self.n_pooled
        if self.padding:
            X = F.pad(X, (self.padding, self.padding))
        by_bin = X.transpose(axis, axis + 1).contiguous()  # ..., bins, marks
        windows = by_bin.unfold(axis, kernel, 1).narrow(axis, 0, pooled * pool)
        windows = windows.transpose(-1, -2)  # ..., batch, t, kernel, marks
        return windows.reshape(*windows.shape[: axis - 1], -1, kernel * X.shape[axis])

    def _filters(self):
        """Each member's filters as ``(n_members, n_filters, kernel * marks)``, in the
        order of :meth:`_windows`' values."""
        m, filters, marks, kernel = self.conv_weight.shape
        return self.conv_weight.transpose(2, 3).reshape(m, filters, kernel * marks)

    def _shared_features(self, X):
        """Pooled convolution features ``(n_members, batch, n_filters * n_pooled)`` of
        one input: one product of its windows with every member's filters."""
        m, filters, marks, kernel = self.conv_weight.shape
        batch, pool, pooled = X.shape[0], self.pool_size, self.n_pooled
        windows = self._windows(X, 1)  # batch * t, kernel * marks
        h = windows @ self._filters().reshape(m * filters, kernel * marks).T
        h = _pool(h.view(batch, pooled * pool, m * filters), pool)  # batch, pooled, m * f
        h = F.relu(h + self.conv_bias.reshape(1, 1, m * filters))
        return h.view(batch, pooled, m, filters).permute(2, 0, 3, 1).reshape(
            m, batch, filters * pooled)

    def _own_features(self, X):
        """As :meth:`_shared_features` for one input per member.

        The convolution is a batched product of each member's windows with its filters,
        laid out with the filters last, where max-pooling (as 2-D pooling of a
        channels-last image) and its gradient are several times faster than torch's
        1-D pooling over the bins. The bias is added after pooling (a maximum shifts
        with a constant), and only the positions pooling reads are computed.
        """
        m, filters, marks, kernel = self.conv_weight.shape
        batch, pool, pooled = X.shape[1], self.pool_size, self.n_pooled
        windows = self._windows(X, 2)  # m, batch * t, kernel * marks
        h = torch.bmm(windows, self._filters().transpose(1, 2))  # m, batch * t, filters
        h = _pool(h.view(m * batch, pooled * pool, filters), pool)  # m * batch, pooled, f
        h = F.relu(h.view(m, batch, pooled, filters) + self.conv_bias[:, None, None, :])
        return h.transpose(2, 3).reshape(m, batch, filters * pooled)

    def forward(self, X):
        """The mean of the members' outputs for ``(batch, n_marks, n_bins)`` input."""
        return self.member_outputs(X).mean(dim=0)
