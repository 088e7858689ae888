"""Pure parts: templates and experiment statistics."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peerpath.nudges import stats, templating


@pytest.mark.parametrize(
    ("template", "fragment"),
    [
        ("Hi {nme}", "Unknown variable {nme}"),
        ("Hi {name.__class__}", "plain variable names"),
        ("Hi {name[0]}", "plain variable names"),
        ("Hi {name!r}", "format or conversion"),
        ("Hi {name:>40}", "format or conversion"),
        ("Hi {}", "Empty placeholder"),
        ("Hi {name", "Unbalanced braces"),
        ("Hi <b>{name}</b>", "markup"),
        ("See javascript:alert(1)", "markup or a script link"),
        ("<script>x</script>", "markup"),
    ],
)
def test_bad_templates_are_refused_with_the_reason(template: str, fragment: str) -> None:
    with pytest.raises(templating.TemplateError) as info:
        templating.validate(template, ["name", "days"])
    assert fragment in str(info.value)


def test_good_template_renders_plain_text() -> None:
    templating.validate("Hi {name}, {days} days {{literally}}", ["name", "days"])
    out = templating.render("Hi {name}, {days} days {{literally}}", {"name": "ana", "days": 7})
    assert out == "Hi ana, 7 days {literally}"
    assert templating.render("Hi {name}", {}) == "Hi "


@given(st.text(max_size=80))
def test_validate_never_crashes_on_any_text(text: str) -> None:
    try:
        templating.validate(text, ["name"])
    except templating.TemplateError:
        return
    templating.render(text, {"name": "x"})


@pytest.mark.parametrize(
    ("s1", "n1", "s2", "n2", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10.
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (6, 7, 2, 7, 0.0582, 0.8062),
    ],
)
def test_difference_interval_matches_the_published_worked_examples(
    s1: int, n1: int, s2: int, n2: int, low: float, high: float
) -> None:
    d, lo, hi = stats.diff_ci(s1, n1, s2, n2)
    assert d == pytest.approx(s1 / n1 - s2 / n2)
    assert lo == pytest.approx(low, abs=6e-5)
    assert hi == pytest.approx(high, abs=6e-5)


def test_wilson_interval_worked_example() -> None:
    # Newcombe (1998a) Table I: 81/263 -> 0.2553 to 0.3662.
    lo, hi = stats.wilson(81, 263)
    assert (round(lo, 4), round(hi, 4)) == (0.2553, 0.3662)


def test_assignment_is_stable_and_balanced() -> None:
    keys, weights = ["A", "B", "control"], [1, 1, 1]
    first = [stats.assign("exp-1", uid, keys, weights) for uid in range(1, 30_001)]
    again = [stats.assign("exp-1", uid, keys, weights) for uid in range(1, 30_001)]
    assert first == again
    counts = [first.count(k) for k in keys]
    expected = len(first) / 3
    chi2 = sum((c - expected) ** 2 / expected for c in counts)
    assert chi2 < 9.21, counts  # chi-square, 2 degrees of freedom, p = 0.01
    # Another salt re-randomizes: about a third agree, not all.
    other = [stats.assign("exp-2", uid, keys, weights) for uid in range(1, 30_001)]
    agree = sum(a == b for a, b in zip(first, other, strict=True)) / len(first)
    assert 0.31 < agree < 0.36


def test_weights_shift_the_split() -> None:
    got = [stats.assign("w", uid, ["A", "control"], [3, 1]) for uid in range(20_000)]
    assert 0.73 < got.count("A") / len(got) < 0.77


def test_verdicts_in_plain_words() -> None:
    control = stats.Arm("control", "Control", True, 500, 100)
    better = stats.Arm("A", "Variant A", False, 500, 160)
    same = stats.Arm("B", "Variant B", False, 500, 104)
    (a, b) = stats.compare([control, better, same], min_sample=200, outcome="a conversation")
    assert a.verdict.startswith("Variant A works")
    assert a.low > 0
    assert b.verdict.startswith("No clear difference yet")
    assert b.low < 0 < b.high
    small = stats.compare(
        [stats.Arm("control", "C", True, 50, 10), stats.Arm("A", "A", False, 50, 30)],
        min_sample=200,
        outcome="x",
    )
    assert small[0].verdict.startswith("Not enough data yet: 50 of the 200")
    worse = stats.compare(
        [control, stats.Arm("A", "Variant A", False, 500, 50)], min_sample=200, outcome="x"
    )
    assert "does worse than sending nothing" in worse[0].verdict
