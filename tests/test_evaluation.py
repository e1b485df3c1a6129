"""confusion_matrix and most_confused: counting the mistakes; log_epoch: one line per epoch."""

import numpy as np

import helpers

Y_TRUE = np.array([3, 3, 3, 5, 5, 7, 7, 7, 1])
Y_PRED = np.array([3, 5, 5, 3, 5, 1, 1, 2, 1])


def test_confusion_matrix_counts_pairs():
    matrix = helpers.confusion_matrix(Y_TRUE, Y_PRED)
    assert matrix.shape == (10, 10) and matrix.sum() == len(Y_TRUE)
    assert matrix[3, 5] == 2 and matrix[7, 1] == 2 and matrix[5, 5] == 1
    assert np.trace(matrix) == np.sum(Y_TRUE == Y_PRED)


def test_most_confused_lists_mistakes_most_frequent_first():
    assert helpers.most_confused(Y_TRUE, Y_PRED, count=3) == [(3, 5, 2), (7, 1, 2), (5, 3, 1)]


def test_most_confused_leaves_out_pairs_that_never_occur():
    mistakes = helpers.most_confused(Y_TRUE, Y_PRED, count=90)
    assert mistakes == [(3, 5, 2), (7, 1, 2), (5, 3, 1), (7, 2, 1)]
    assert helpers.most_confused(Y_TRUE, Y_TRUE) == []


def test_log_epoch_prints_one_aligned_line(capsys):
    helpers.log_epoch(3, 10, 1.23456, train_loss=0.21134, val_accuracy=0.9)
    helpers.log_epoch(10, 10)
    first, second = capsys.readouterr().out.splitlines()
    assert first == "epoch  3/10  train loss 0.2113  val accuracy 0.9000  1.23 s"
    assert second == "epoch 10/10"
