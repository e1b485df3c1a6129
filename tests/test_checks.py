"""helpers.check: a claim of a notebook's text fails the tests but only informs a learner."""

import numpy as np
import pytest

import helpers


def test_a_claim_that_holds_says_nothing(monkeypatch, capsys):
    for strict in ("1", ""):
        monkeypatch.setenv("MNIST_STRICT_CHECKS", strict)
        assert helpers.check(True, "anything") is None
    assert capsys.readouterr() == ("", "")


def test_a_failed_claim_raises_in_strict_mode_with_what_and_why(monkeypatch):
    monkeypatch.setenv("MNIST_STRICT_CHECKS", "1")
    with pytest.raises(helpers.ClaimError) as failure:
        helpers.check(0.91 > 0.975, "accuracy above 97.5%", "91.00%", "fewer epochs")
    message = str(failure.value)
    assert "accuracy above 97.5%" in message and "91.00%" in message
    assert "fewer epochs" in message
    assert isinstance(failure.value, AssertionError)


@pytest.mark.parametrize("setting", [None, "", "0"])
def test_a_failed_claim_only_prints_in_a_learners_run(monkeypatch, capsys, setting):
    if setting is None:
        monkeypatch.delenv("MNIST_STRICT_CHECKS", raising=False)
    else:
        monkeypatch.setenv("MNIST_STRICT_CHECKS", setting)
    assert helpers.check(False, "the loss goes down", "it went up") is None
    out, err = capsys.readouterr()
    assert out == ""
    assert "the loss goes down" in err and "it went up" in err
    assert helpers.DEFAULT_REASON in err


def test_pytest_runs_notebooks_in_strict_mode():
    import os

    assert os.environ.get("MNIST_STRICT_CHECKS") == "1"


# helpers.compare: an exercise's check, which says what is wrong with a learner's answer.


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (None, "is not written yet"),
        (np.ones(3), "has shape (3,); it should have shape (2, 2)"),
        (
            np.array([[1.0, 2.0], [3.0, 4.5]]),
            "in 1 of 4 values; the worst at index (1, 1): yours 4.5",
        ),
    ],
)
def test_compare_says_what_is_wrong_and_the_run_goes_on(monkeypatch, capsys, answer, said):
    monkeypatch.delenv("MNIST_STRICT_CHECKS", raising=False)
    assert helpers.compare(answer, np.array([[1.0, 2.0], [3.0, 4.0]]), "f(x)") is False
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("Not yet: f(x)") and said in err, err


def test_compare_accepts_a_right_answer_and_a_beaten_figure(monkeypatch, capsys):
    monkeypatch.setenv("MNIST_STRICT_CHECKS", "1")
    assert helpers.compare([1.0, 2.0 + 1e-12], [1.0, 2.0], "f(x)")
    assert helpers.compare(0.93, 0.92, "accuracy", beat=True)
    assert capsys.readouterr().out.count("Right:") == 2


def test_compare_gives_a_relative_error_only_where_the_reference_is_not_0(capsys):
    assert helpers.compare([2e-10, 0.0], [0.0, 0.0], "error", atol=1e-7)
    assert helpers.compare([1e-12, 2.0 + 2e-9], [0.0, 2.0], "f(x)")
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Right: error matches the reference (largest difference 2.0e-10)",
        "Right: f(x) matches the reference (worst relative error 1.0e-09)",
    ]


def test_compare_raises_in_strict_mode(monkeypatch):
    monkeypatch.setenv("MNIST_STRICT_CHECKS", "1")
    with pytest.raises(helpers.ClaimError, match="does not beat 0.92"):
        helpers.compare(0.91, 0.92, "accuracy", beat=True)
