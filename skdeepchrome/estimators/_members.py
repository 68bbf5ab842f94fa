"""Training a seed ensemble's members together, each as it would be trained alone.

One batched module (a member axis on every weight) and one optimiser step per batch
advance every member, but each member keeps what made it a network of its own: its
seed's initial weights, its own shuffling and dropout (drawn from a generator that
continues its seed's stream after the initial weights, exactly as a lone network's
global stream would), its own validation split, its own loss (the batch loss is the sum
of the members', so each member's gradient is its own), and its own early stopping: a
member that stops is restored to its best epoch and leaves the batch, frozen, while the
others go on. Elementwise optimisers (Adam, AdamW, SGD, RMSprop, Adagrad) update each
weight from its own gradient alone, so one optimiser over the stacked weights is
``n_members`` separate optimisers.
"""

from __future__ import annotations

import inspect
import time

import numpy as np
import torch
from skorch.history import History

from ._validation_score import SCORES

#: Optimisers whose step treats every weight apart (no norms across a tensor).
ELEMENTWISE = ("adam", "adamw", "sgd", "rmsprop", "adagrad")
#: Genes per validation pass of the members: each member's activations for 128 genes stay
#: in cache; 4,096 at a time made the validation pass 1.6 times as slow and the recommended
#: fit on a release-sized epigenome 2.5 % slower (the same weights either way).
VALID_CHUNK = 128


class _Slot:
    """One member as the early-stopping callbacks see a net: its history, its weights."""

    def __init__(self, history, verbose):
        self.history = history
        self.verbose = verbose
        self.module_ = self
        self.module = None
        self.index = None

    def state_dict(self):
        return self.module.member_state(self.index)

    def load_state_dict(self, state):
        self.module.load_member_state(self.index, state)


def _subset(module, optimizer, keep, make):
    """A module and optimiser of the members at positions ``keep`` (their state kept)."""
    sub = make(len(keep))
    index = torch.as_tensor(keep, device=module.conv_weight.device)
    with torch.no_grad():
        for new, old in zip(sub.parameters(), module.parameters()):
            new.data = old.data.index_select(0, index).clone()
    accepted = inspect.signature(type(optimizer).__init__).parameters
    new_optimizer = type(optimizer)(
        sub.parameters(), **{k: v for k, v in optimizer.defaults.items() if k in accepted})
    for new, old in zip(sub.parameters(), module.parameters()):
        state = optimizer.state.get(old)
        if state:
            new_optimizer.state[new] = {
                key: (value.index_select(0, index).clone()
                      if torch.is_tensor(value) and value.ndim and value.shape[0] == len(
                          module.conv_weight) else value.clone() if torch.is_tensor(value)
                      else value)
                for key, value in state.items()}
    return sub, new_optimizer


def train_members(estimator, Xt, yt, wt, *, seeds, n_outputs, splits, validation, device,
                  stopping, make_module, optimizer_factory, criterion):
    """Train ``len(seeds)`` members together as one batched module.

    ``splits`` holds each member's ``(train_rows, valid_rows)`` or None (all genes, no
    internal validation); ``validation`` an explicit ``(X, y, w)`` every member monitors;
    ``stopping(y_val, w_val)`` the early-stopping ``(metric, callbacks)`` of a validation
    set, or None without early stopping. ``make_module(n)`` builds an ensemble module of
    ``n`` members (leaving torch's global generator as it was). Weights are normalised
    to mean 1 over each member's sets. Returns the module (on ``device``), each member's
    history, best epoch, the first member's criterion and the ensemble's history.
    """
    n_members = len(seeds)
    cuda = device.type == "cuda"
    # Initial weights exactly as a lone network of each seed draws them; each member's
    # generator then continues that seed's stream (shuffling, dropout).
    nets, generators = [], []
    for seed in seeds:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            nets.append(estimator._module_class(**estimator._module_params(n_outputs)))
            generator = torch.Generator()
            generator.set_state(torch.get_rng_state())
        generators.append(generator)
    dropout_generators = ([torch.Generator(device=device).manual_seed(s) for s in seeds]
                          if cuda else generators)
    module = make_module(n_members).load_members(nets).to(device)
    del nets
    optimizer = optimizer_factory(module.parameters())

    train_rows, valid_sets = [], []
    for split in splits:
        rows = torch.arange(len(Xt)) if split is None else torch.as_tensor(split[0])
        train_rows.append(rows)
        if validation is not None:
            valid_sets.append(validation)
        elif split is not None:
            valid = torch.as_tensor(split[1])
            valid_sets.append((Xt[valid], yt[valid], wt[valid]))
        else:
            valid_sets.append(None)
    has_valid = valid_sets[0] is not None
    for valid in valid_sets if has_valid else []:
        if not valid[2].sum() > 0:
            raise ValueError(
                "Every gene of the early-stopping validation set has weight zero; "
                "give some validation genes a positive weight or early_stopping=False.")
    weights = [wt[rows] for rows in train_rows]
    if any(not w.sum() > 0 for w in weights):
        raise ValueError(
            "Every training gene left after the early-stopping split has weight zero; "
            "give more genes a positive weight or early_stopping=False.")
    rows_all = torch.stack(train_rows)
    weights_all = torch.stack([w / w.mean() for w in weights])
    n_train = rows_all.shape[1]
    Xd, yd = Xt.to(device), yt.to(device)

    metrics, stoppers = [None] * n_members, [None] * n_members
    histories = [History() for _ in range(n_members)]
    slots = [_Slot(history, estimator.verbose) for history in histories]
    if has_valid:
        valid_data = []
        for i, (Xv, yv, wv) in enumerate(valid_sets):
            wv = wv / wv.mean()
            valid_data.append((Xv.to(device), yv, wv))
            if stopping is not None:
                metrics[i], callbacks = stopping(yv.numpy(), wv.numpy())
                stoppers[i] = dict(callbacks)["early_stopping"]
                stoppers[i].on_train_begin(slots[i])
    shared_valid = validation is not None

    active = list(range(n_members))
    final = [None] * n_members
    history = History()

    def place():
        for pos, i in enumerate(active):
            slots[i].module, slots[i].index = module, pos

    place()
    for epoch in range(1, estimator.max_epochs + 1):
        if not active:
            break
        start_time = time.time()
        count = len(active)
        module.train()
        module.generators = [dropout_generators[i] for i in active]
        order = torch.stack([torch.randperm(n_train, generator=generators[i]) for i in active])
        rows = torch.gather(rows_all[active], 1, order).to(device)
        batch_weights = torch.gather(weights_all[active], 1, order).to(device)
        total = torch.zeros(count, device=device)
        try:
            for start in range(0, n_train, estimator.batch_size):
                batch = rows[:, start : start + estimator.batch_size]
                size = batch.shape[1]
                optimizer.zero_grad(set_to_none=True)
                out = module.member_outputs(Xd[batch])
                target = yd[batch].reshape(count * size, *yd.shape[1:])
                per_gene = criterion(out.reshape(count * size, -1), target)
                per_gene = per_gene.reshape(count, size, -1).mean(dim=2)
                losses = (per_gene * batch_weights[:, start : start + size]).mean(dim=1)
                losses.sum().backward()
                optimizer.step()
                total += losses.detach() * size
        finally:
            module.generators = None
        train_loss = (total / n_train).cpu().numpy()
        valid_loss, scores = [None] * count, [None] * count
        if has_valid:
            module.eval()
            with torch.no_grad():
                if shared_valid:
                    outputs = torch.cat([module.member_outputs(part) for part in
                                         valid_data[0][0].split(VALID_CHUNK)], dim=1)
                else:
                    stacked = torch.stack([valid_data[i][0] for i in active])
                    outputs = torch.cat([module.member_outputs(part) for part in
                                         stacked.split(VALID_CHUNK, dim=1)], dim=1)
            for pos, i in enumerate(active):
                Xv, yv, wv = valid_data[i]
                out = outputs[pos]
                per_gene = criterion(out, yv.to(device)).reshape(len(out), -1).mean(dim=1)
                valid_loss[pos] = float((per_gene * wv.to(device)).mean())
                if metrics[i] not in (None, "loss"):
                    scores[pos] = float(SCORES[metrics[i]](
                        yv.numpy(), out.cpu().numpy().astype(np.float64), wv.numpy()))
        duration = time.time() - start_time
        stopped = []
        for pos, i in enumerate(active):
            record = histories[i]
            record.new_epoch()
            record.record("epoch", epoch)
            record.record("train_loss", float(train_loss[pos]))
            if has_valid:
                record.record("valid_loss", valid_loss[pos])
                if scores[pos] is not None:
                    record.record(f"valid_{metrics[i]}", scores[pos])
            record.record("dur", duration)
            if stoppers[i] is not None:
                try:
                    stoppers[i].on_epoch_end(slots[i])
                except KeyboardInterrupt:
                    stoppers[i].on_train_end(slots[i])
                    final[i] = module.member_state(pos)
                    stopped.append(i)
        history.new_epoch()
        history.record("epoch", epoch)
        history.record("members_training", count)
        history.record("train_loss", float(np.mean(train_loss)))
        member_train = [None] * n_members
        member_valid = [None] * n_members
        for pos, i in enumerate(active):
            member_train[i] = float(train_loss[pos])
            member_valid[i] = valid_loss[pos]
        history.record("member_train_loss", member_train)
        if has_valid:
            history.record("valid_loss", float(np.mean(valid_loss)))
            history.record("member_valid_loss", member_valid)
            metric = metrics[0]
            if metric not in (None, "loss"):
                member_scores = [None] * n_members
                for pos, i in enumerate(active):
                    member_scores[i] = scores[pos]
                kept = [s for s in member_scores if s is not None]
                if kept:
                    history.record(f"valid_{metric}", float(np.mean(kept)))
                history.record(f"member_valid_{metric}", member_scores)
        history.record("dur", duration)
        if estimator.verbose:
            print(f"epoch {epoch}: {count} members training, train loss "
                  f"{np.mean(train_loss):.4f}"
                  + (f", valid loss {np.mean(valid_loss):.4f}" if has_valid else ""))
        if stopped:
            keep = [pos for pos, i in enumerate(active) if i not in stopped]
            active = [i for i in active if i not in stopped]
            if active:
                module, optimizer = _subset(module, optimizer, keep, make_module)
                place()
    for pos, i in enumerate(active):
        if stoppers[i] is not None:
            stoppers[i].on_train_end(slots[i])
        final[i] = module.member_state(pos)
    ensemble = make_module(n_members).to(device)
    for i, state in enumerate(final):
        ensemble.load_member_state(i, state)
    best = [int(stoppers[i].best_epoch_) if stoppers[i] is not None else len(histories[i])
            for i in range(n_members)]
    return ensemble, histories, best, metrics[0], history
