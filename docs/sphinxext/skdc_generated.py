"""Pages' facts generated from the code at build time, so the docs cannot drift from it.

At ``builder-inited`` this writes into ``docs/gen_modules/generated/``:

- ``cli_<command>.txt``: ``skdeepchrome --help`` and every sub-command's ``--help``, and
  ``cli_commands.rst`` including them, one section per sub-command;
- ``deepchrome_layers.csv``: DeepChrome's layers with their output shapes and parameter
  counts for 5 marks x 100 bins, measured by running the real module on a zero input;
- ``benchmarks.rst``: one section per ``benchmarks/bench_*.py`` (its docstring) with its
  latest output, ``docs/benchmarks/<name>.txt``.
"""

from __future__ import annotations

import argparse
import ast
import csv
import io
import os
from pathlib import Path


def _write_if_changed(path, text):
    path = Path(path)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def cli_help():
    """``{name: help text}``: the top-level command (``"skdeepchrome"``) and sub-commands."""
    from skdeepchrome.cli import build_parser

    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "92"
    try:
        parser = build_parser()
        texts = {"skdeepchrome": parser.format_help()}
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    texts[name] = sub.format_help()
    finally:
        if previous is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = previous
    return texts


def describe_layer(layer):
    """A short constructor-like description of a torch layer."""
    from torch import nn

    if isinstance(layer, nn.Conv1d):
        return (f"Conv1d({layer.in_channels}, {layer.out_channels}, "
                f"kernel_size={layer.kernel_size[0]}, padding={layer.padding[0]})")
    if isinstance(layer, nn.MaxPool1d):
        return f"MaxPool1d({layer.kernel_size})"
    if isinstance(layer, nn.Dropout):
        return f"Dropout({layer.p})"
    if isinstance(layer, nn.Linear):
        return f"Linear({layer.in_features}, {layer.out_features})"
    return f"{type(layer).__name__}()"


def layer_table(module, input_shape):
    """Rows ``(layer, module, output shape, parameters)`` of a torch module's leaf layers."""
    import torch

    rows = [("input", "", "x".join(map(str, input_shape[1:])), "")]
    hooks = []

    def record(name):
        def hook(layer, inputs, output):
            n_params = sum(p.numel() for p in layer.parameters())
            rows.append((name, describe_layer(layer), "x".join(map(str, output.shape[1:])),
                         f"{n_params:,}" if n_params else "0"))
        return hook

    for name, layer in module.named_modules():
        if name and not list(layer.children()):
            hooks.append(layer.register_forward_hook(record(name)))
    module.eval()
    with torch.no_grad():
        module(torch.zeros(input_shape))
    for handle in hooks:
        handle.remove()
    total = sum(p.numel() for p in module.parameters())
    rows.append(("total", "", "", f"{total:,}"))
    return rows


def attentivechrome_table(n_marks=5, n_bins=100):
    """Rows ``(stage, module, output shape, parameters)`` of AttentiveChromeNet, or None."""
    try:
        from skdeepchrome.models import AttentiveChromeNet
    except ImportError:
        return None
    import torch

    net = AttentiveChromeNet(n_marks=n_marks, n_bins=n_bins, n_outputs=2).eval()
    shapes = {}

    def record(name):
        def hook(layer, inputs, output):
            out = output[0] if isinstance(output, tuple) else output
            shapes.setdefault(name, tuple(out.shape[1:]))
        return hook

    hooks = [net.bin_encoders[0].register_forward_hook(record("bin")),
             net.mark_encoder.register_forward_hook(record("mark")),
             net.output.register_forward_hook(record("output"))]
    with torch.no_grad():
        _, alpha, beta = net.forward_with_attention(torch.zeros(1, n_marks, n_bins))
    for handle in hooks:
        handle.remove()

    def count(*tensors):
        return f"{sum(t.numel() for t in tensors):,}"

    def shape(dims):
        return "x".join(map(str, dims))

    lstm = net.bin_encoders[0]
    bin_out = shapes["bin"][-1]
    mark_lstm = net.mark_encoder
    rows = [
        ("input", "", shape((n_marks, n_bins)), ""),
        ("bin-level encoders", f"{n_marks} x bidirectional LSTM({lstm.input_size}, "
         f"{lstm.hidden_size}), one per mark", f"{n_marks} x {shape(shapes['bin'])}",
         count(*net.bin_encoders.parameters())),
        ("bin-level attention", f"one context vector of {bin_out} per mark; softmax over bins",
         f"alpha {shape(alpha.shape[1:])}; embeddings {n_marks}x{bin_out}",
         count(net.bin_context)),
        ("mark-level encoder", f"bidirectional LSTM({mark_lstm.input_size}, "
         f"{mark_lstm.hidden_size}) over the marks", shape(shapes["mark"]),
         count(*mark_lstm.parameters())),
        ("mark-level attention", f"context vector of {shapes['mark'][-1]}; softmax over marks",
         f"beta {shape(beta.shape[1:])}; pooled {shapes['mark'][-1]}",
         count(net.mark_context)),
        ("output", f"Linear({net.output.in_features}, {net.output.out_features})",
         shape(shapes["output"]), count(*net.output.parameters())),
        ("total", "", "", count(*net.parameters())),
    ]
    return rows


def _csv(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _section(title, char):
    return f"{title}\n{char * len(title)}\n\n"


def cli_page(texts):
    """reST including each command's help (paths from the source root)."""
    parts = []
    for name in texts:
        title = "skdeepchrome" if name == "skdeepchrome" else f"skdeepchrome {name}"
        parts.append(_section(f"``{title}``", "="))
        parts.append(f".. literalinclude:: /gen_modules/generated/cli_{name}.txt\n"
                     "   :language: text\n\n")
    return "".join(parts)


def benchmarks_page(repo, docs):
    """reST: for each benchmark script, its docstring and its recorded output."""
    parts = []
    for script in sorted((repo / "benchmarks").glob("bench_*.py")):
        doc = ast.get_docstring(ast.parse(script.read_text())) or script.stem
        title, _, rest = doc.partition("\n")
        parts.append(f".. _bench_{script.stem[len('bench_'):]}:\n\n")
        parts.append(_section(f"``{script.name}``: {title.strip()}", "="))
        if rest.strip():
            parts.append(rest.strip() + "\n\n")
        output = docs / "benchmarks" / f"{script.stem}.txt"
        if output.exists():
            parts.append(f"Latest output (``docs/benchmarks/{output.name}``):\n\n"
                         f".. literalinclude:: /benchmarks/{output.name}\n"
                         "   :language: text\n\n")
        else:
            parts.append(f"No output recorded yet: ``bash docs/benchmarks/record.sh "
                         f"{script.stem}`` writes ``docs/benchmarks/{output.name}``.\n\n")
    return "".join(parts)


def write_generated(app):
    docs = Path(app.srcdir)
    out = docs / "gen_modules" / "generated"
    out.mkdir(parents=True, exist_ok=True)
    texts = cli_help()
    for name, text in texts.items():
        _write_if_changed(out / f"cli_{name}.txt", text)
    _write_if_changed(out / "cli_commands.rst", cli_page(texts))
    _write_if_changed(out / "benchmarks.rst", benchmarks_page(docs.parent, docs))

    from skdeepchrome.models import DeepChromeNet

    rows = layer_table(DeepChromeNet(n_marks=5, n_bins=100, n_outputs=2), (1, 5, 100))
    rows = [(f"``{layer}``" if layer not in ("input", "total") else layer,
             f"``{module}``" if module else "", shape, params)
            for layer, module, shape, params in rows]
    _write_if_changed(out / "deepchrome_layers.csv", _csv(
        ["Layer", "torch module", "Output per gene (channels x length)", "Parameters"], rows))
    rows = attentivechrome_table()
    if rows is not None:
        _write_if_changed(out / "attentivechrome_layers.csv", _csv(
            ["Stage", "torch modules", "Output per gene", "Parameters"], rows))


def setup(app):
    app.connect("builder-inited", write_generated)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
