"""plot_weights: weight vectors drawn as pictures, on the Agg backend (no window)."""

import matplotlib
import numpy as np
import pytest

import helpers

matplotlib.use("Agg")


def test_plot_weights_draws_each_row_on_its_own_symmetric_scale():
    weights = np.zeros((3, 784))
    weights[0, 0], weights[1, 5] = 2.0, -0.5  # row 2 stays all zero
    fig = helpers.plot_weights(weights, ["a", "b", "c"], columns=2, title="t")
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in fig.axes if ax.images] == ["a", "b", "c"]
    assert [im.get_clim() for im in images] == [(-2.0, 2.0), (-0.5, 0.5), (-1.0, 1.0)]
    assert len(fig.axes) == 4 and fig._suptitle.get_text() == "t"  # one empty cell


def test_plot_weights_percentile_clips_the_scale():
    weights = np.arange(784.0).reshape(1, 28, 28)
    fig = helpers.plot_weights(weights, ["w"], columns=1, percentile=50)
    assert fig.axes[0].images[0].get_clim()[1] == pytest.approx(np.percentile(weights, 50))


def test_plot_weights_wants_one_title_per_picture():
    with pytest.raises(ValueError, match="2 pictures but 1 titles"):
        helpers.plot_weights(np.zeros((2, 784)), ["only one"])
