"""confusion_matrix and most_confused: counting the network's mistakes."""

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
