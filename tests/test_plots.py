"""The plots of helpers: digits, weights, training curves, confusion matrix (Agg: no window)."""

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
    assert len(fig.axes) == 4 and fig.get_suptitle() == "t"  # one empty cell


def test_plot_weights_percentile_clips_the_scale():
    weights = np.arange(784.0).reshape(1, 28, 28)
    fig = helpers.plot_weights(weights, ["w"], columns=1, percentile=50)
    assert fig.axes[0].images[0].get_clim()[1] == pytest.approx(np.percentile(weights, 50))


def test_plot_weights_wants_one_title_per_picture():
    with pytest.raises(ValueError, match="2 pictures but 1 titles"):
        helpers.plot_weights(np.zeros((2, 784)), ["only one"])


def test_plot_digits_titles_labels_and_marks_wrong_predictions():
    images = np.zeros((3, 784))
    fig = helpers.plot_digits(images, labels=[1, 2, 3], predicted=[1, 7, 3], columns=2)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 4 and len(shown) == 3  # one empty cell, axes off
    assert [ax.get_title() for ax in shown] == ["1", "2→7", "3"]
    assert shown[1].title.get_color() == "crimson" and shown[0].title.get_color() == "black"
    assert shown[0].images[0].get_array().shape == (28, 28)


def test_plot_digits_without_labels_has_no_titles():
    fig = helpers.plot_digits(np.zeros((2, 28, 28)), columns=5)
    assert [ax.get_title() for ax in fig.axes if ax.images] == ["", ""]


def test_plot_history_puts_losses_left_and_accuracies_right():
    history = {"train_loss": [0.5, 0.3, 0.2], "val_accuracy": [0.8, 0.9, 0.95], "lr": [1, 1, 1]}
    fig = helpers.plot_history(history, title="run")
    loss_ax, acc_ax = fig.axes
    assert [line.get_label() for line in loss_ax.lines] == ["train loss"]
    assert [line.get_label() for line in acc_ax.lines] == ["val accuracy"]  # "lr": neither
    assert list(loss_ax.lines[0].get_xdata()) == [1, 2, 3]
    assert list(acc_ax.lines[0].get_ydata()) == [0.8, 0.9, 0.95]
    assert fig.get_suptitle() == "run"


def test_plot_confusion_matrix_writes_each_count_and_the_accuracy():
    y_true, y_pred = np.array([0, 0, 1, 9]), np.array([0, 1, 1, 9])
    fig = helpers.plot_confusion_matrix(y_true, y_pred)
    [ax] = [a for a in fig.axes if a.images]
    counts = {(t.get_position(), t.get_text()) for t in ax.texts}
    assert len(ax.texts) == 100
    assert ((1, 0), "1") in counts and ((0, 0), "1") in counts and ((9, 9), "1") in counts
    assert ax.get_title() == "accuracy 75.00%"
    assert helpers.plot_confusion_matrix(y_true, y_pred, title="t").axes[0].get_title() == "t"
