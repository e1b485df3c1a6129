"""helpers.check: a claim of a notebook's text fails the tests but only informs a learner."""

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
