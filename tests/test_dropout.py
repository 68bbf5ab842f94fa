"""The networks' dropout: torch's distribution, drawn from uniform noise, following the seed."""

import pytest
import torch

from skdeepchrome.models._dropout import Dropout, dropout_mask


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_units_are_kept_with_probability_one_minus_p_and_rescaled(p):
    torch.manual_seed(0)
    out = Dropout(p).train()(torch.ones(200_000))
    kept = out != 0
    # 200,000 draws: the kept share's standard error is below 0.0012.
    assert abs(kept.float().mean().item() - (1 - p)) < 0.005
    torch.testing.assert_close(out[kept], torch.full_like(out[kept], 1 / (1 - p)))


def test_the_masks_follow_the_seed_and_the_generator():
    torch.manual_seed(3)
    first = dropout_mask((64, 900), 0.5, like=torch.empty(0))
    torch.manual_seed(3)
    again = dropout_mask((64, 900), 0.5, like=torch.empty(0))
    assert torch.equal(first, again)
    own = dropout_mask((64, 900), 0.5, like=torch.empty(0),
                       generator=torch.Generator().manual_seed(3))
    assert torch.equal(first, own)
    assert not torch.equal(first, dropout_mask((64, 900), 0.5, like=torch.empty(0)))


def test_gradients_flow_through_kept_units_only():
    torch.manual_seed(1)
    X = torch.ones(1000, requires_grad=True)
    out = Dropout(0.5).train()(X)
    out.sum().backward()
    torch.testing.assert_close(X.grad, (out != 0).float() * 2)


def test_evaluation_and_edge_probabilities():
    X = torch.randn(10)
    assert torch.equal(Dropout(0.5).eval()(X), X)
    assert torch.equal(Dropout(0.0).train()(X), X)
    assert torch.equal(Dropout(1.0).train()(X), torch.zeros(10))
    assert isinstance(Dropout(0.5), torch.nn.Dropout)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_masks_are_drawn_on_the_inputs_device():
    X = torch.ones(100, device="cuda")
    assert Dropout(0.5).train()(X).device == X.device
