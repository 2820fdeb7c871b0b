"""Progress bars finish at 100 % and say why they stopped (the network's early stopping)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tqdm")
pytest.importorskip("torch")


@pytest.mark.slow  # a network trained to its noise level: several seconds
def test_the_networks_bar_ends_full_with_its_reason(capsys):
    from pydelt_like import NeuralNetworkInterpolator

    x = np.linspace(0, 1, 60)
    y = np.sin(3 * x) + np.random.default_rng(0).normal(0, 0.05, x.size)
    net = NeuralNetworkInterpolator(
        hidden_layers=[8], epochs=20, lbfgs_iterations=400, n_members=1, random_state=0,
        progress=True,
    ).fit(x, y)  # fmt: skip
    final = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
    steps = net.n_iterations_
    assert steps < 20 + 400 // 5  # the noise level is reached long before the last step
    assert "100%" in final and f"{steps}/{steps}" in final
    assert "stopped early: the loss reached the noise level" in final
