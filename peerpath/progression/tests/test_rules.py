"""The pure evaluator: parsing, boundaries, composition, hysteresis, obligations, and
properties that must hold for any criteria (no database)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerpath.progression import awarding, rules

DAY = rules.DAY
NOW = 1_800_000_000.0
VOCAB = rules.Vocabulary(
    events=frozenset({"group_chat", "review_positive", "help_guide_completed", "one_to_one_chat"}),
    achievements=frozenset({"newbie", "room-supporter", "moderator", "gsm"}),
    trainings=frozenset({"global-mod"}),
    event_labels={"group_chat": ("group chat", "group chats")},
    achievement_names={"newbie": "Newbie", "moderator": "Chatroom Moderator"},
)


def facts(n: int = 1, **kw: Any) -> rules.Facts:
    f = rules.Facts(
        user_ids=np.arange(1, n + 1, dtype=np.int64),
        now=NOW,
        is_teen=np.asarray(kw.pop("is_teen", np.zeros(n, bool)), bool),
        is_listener=np.asarray(kw.pop("is_listener", np.ones(n, bool)), bool),
        joined=np.asarray(kw.pop("joined", np.full(n, NOW - 400 * DAY)), float),
        listener_since=np.asarray(kw.pop("listener_since", np.full(n, NOW - 400 * DAY)), float),
    )
    for key, value in kw.pop("counts", {}).items():
        f.counts[key if isinstance(key, tuple) else (key, None)] = np.asarray(value, np.int64)
    for key, value in kw.pop("held", {}).items():
        f.held[key] = np.asarray(value, bool)
    for key, value in kw.pop("held_since", {}).items():
        f.held_since[key] = np.asarray(value, float)
    for key, value in kw.pop("trainings", {}).items():
        f.trainings[key] = np.asarray(value, bool)
    assert not kw
    return f


GSM = {
    "all": [
        {"tenure": "role:moderator", "min_days": 56},
        {"count": "review_positive", "min": 10},
        {"count": "help_guide_completed", "min": 30},
        {"count": "group_chat", "min": 75, "teen_min": 50},
    ]
}


# --- parsing and validation --------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"count": "group_chat", "min": -1}, "at least 0"),
        ({"count": "hugs_given", "min": 1}, "unknown activity kind"),
        ({"count": "group_chat"}, "needs 'min'"),
        ({"count": "group_chat", "min": True}, "whole number"),
        ({"count": "group_chat", "min": 1, "window_days": 0}, "at least 1"),
        ({"tenure": "role:wizard", "min_days": 3}, "unknown role"),
        ({"tenure": "listener", "min_days": -3}, "at least 0"),
        ({"held": "unicorn"}, "unknown achievement"),
        ({"training": "juggling"}, "unknown training"),
        ({"at_least": 3, "of": [{"band": "teen"}, {"band": "adult"}]}, "at most 2"),
        ({"all": []}, "non-empty list"),
        ({"all": [{"band": "teen"}], "any": []}, "no other keys"),
        ({"frobnicate": 1}, "unknown criterion"),
        ([], "expected an object"),
        ({"account": "wizard"}, "account must be"),
    ],
)
def test_parse_refuses_bad_trees(raw: Any, message: str) -> None:
    with pytest.raises(rules.CriteriaError, match=message):
        rules.parse(raw, VOCAB)


def test_cycles_in_prerequisites_are_refused_with_the_cycle_named() -> None:
    a = rules.Rule("moderator", rules.parse({"held": "gsm"}, VOCAB), automatic=True)
    b = rules.Rule("gsm", rules.parse({"held": "moderator"}, VOCAB), automatic=True)
    with pytest.raises(rules.CriteriaError, match="cycle: moderator → gsm → moderator"):
        rules.order([a, b])


def test_order_puts_prerequisites_first() -> None:
    gsm = rules.Rule("gsm", rules.parse(GSM, VOCAB), automatic=False)
    mod = rules.Rule("moderator", rules.parse({"held": "room-supporter"}, VOCAB), automatic=False)
    rs = rules.Rule("room-supporter", rules.parse({"band": "adult"}, VOCAB), automatic=True)
    assert [r.slug for r in rules.order([gsm, mod, rs])] == ["room-supporter", "moderator", "gsm"]


# --- boundaries ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("teen", "chats", "met"),
    [(False, 74, False), (False, 75, True), (True, 49, False), (True, 50, True)],
)
def test_group_chat_thresholds_differ_by_band(teen: bool, chats: int, met: bool) -> None:
    f = facts(
        is_teen=[teen],
        counts={"group_chat": [chats], "review_positive": [10], "help_guide_completed": [30]},
        held={"moderator": [True]},
        held_since={"moderator": [NOW - 56 * DAY]},
    )
    assert bool(rules.evaluate(rules.parse(GSM, VOCAB), f).met[0]) is met


@pytest.mark.parametrize(("seconds_short", "met"), [(1, False), (0, True)])
def test_exactly_four_weeks_as_a_listener(seconds_short: int, met: bool) -> None:
    f = facts(listener_since=[NOW - 28 * DAY + seconds_short])
    c = rules.parse({"tenure": "listener", "min_days": 28}, VOCAB)
    assert bool(rules.evaluate(c, f).met[0]) is met


def test_tenure_of_a_member_is_not_listener_tenure() -> None:
    f = facts(is_listener=[False], joined=[NOW - 100 * DAY])
    assert not rules.evaluate(rules.parse({"tenure": "listener", "min_days": 1}, VOCAB), f).met[0]
    assert rules.evaluate(rules.parse({"tenure": "member", "min_days": 28}, VOCAB), f).met[0]


def test_moderator_tenure_55_vs_56_days() -> None:
    c = rules.parse({"tenure": "role:moderator", "min_days": 56}, VOCAB)
    f = facts(
        n=3,
        held={"moderator": [True, True, False]},
        held_since={"moderator": [NOW - 55.99 * DAY, NOW - 56 * DAY, NOW - 90 * DAY]},
    )
    assert rules.evaluate(c, f).met.tolist() == [False, True, False]


def test_progress_and_words() -> None:
    f = facts(counts={"group_chat": [62]}, is_teen=[False])
    c = rules.parse({"count": "group_chat", "min": 75, "teen_min": 50}, VOCAB)
    result = rules.evaluate(c, f)
    assert result.progress[0] == pytest.approx(62 / 75)
    assert rules.describe(result.leaves[0], 0, VOCAB) == "62 of 75 group chats"
    teen = facts(counts={"group_chat": [62]}, is_teen=[True])
    assert rules.describe(rules.evaluate(c, teen).leaves[0], 0, VOCAB) == "50 of 50 group chats"


def test_composition_all_any_at_least_not() -> None:
    c = rules.parse(
        {
            "at_least": 2,
            "of": [
                {"count": "group_chat", "min": 5},
                {"count": "review_positive", "min": 5},
                {"not": {"held": "newbie"}},
            ],
        },
        VOCAB,
    )
    f = facts(
        n=4,
        counts={"group_chat": [5, 5, 0, 0], "review_positive": [5, 0, 0, 5]},
        held={"newbie": [True, True, False, True]},
    )
    assert rules.evaluate(c, f).met.tolist() == [True, False, False, False]
    lines = rules.describe_tree(c, f, 2, VOCAB)
    assert lines[0].text == "At least 2 of these"
    assert lines[0].group
    assert [line.text for line in lines[1:]] == [
        "0 of 5 group chats",
        "0 of 5 review_positive",
        "Does not hold Newbie",
    ]


def test_scaled_bars_round_up() -> None:
    c = rules.parse({"count": "group_chat", "min": 75}, VOCAB)
    f = facts(n=3, counts={"group_chat": [67, 68, 75]})
    assert rules.evaluate(c, f, scale=0.9).met.tolist() == [False, True, True]  # ceil(67.5)


# --- properties ---------------------------------------------------------------------------

COUNT_EVENTS = ["group_chat", "review_positive", "help_guide_completed"]


def count_trees(depth: int = 3) -> st.SearchStrategy[Any]:
    leaf = st.builds(
        lambda e, m, t, w: {
            "count": e,
            "min": m,
            **({"teen_min": t} if t is not None else {}),
            **({"window_days": w} if w is not None else {}),
        },
        st.sampled_from(COUNT_EVENTS),
        st.integers(0, 100),
        st.one_of(st.none(), st.integers(0, 100)),
        st.one_of(st.none(), st.sampled_from([30, 90])),
    )

    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        lists = st.lists(children, min_size=1, max_size=4)
        return st.one_of(
            lists.map(lambda xs: {"all": xs}),
            lists.map(lambda xs: {"any": xs}),
            lists.flatmap(
                lambda xs: st.integers(1, len(xs)).map(lambda n: {"at_least": n, "of": xs})
            ),
        )

    return st.recursive(leaf, extend, max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(
    tree=count_trees(),
    base=st.lists(st.integers(0, 120), min_size=6, max_size=6),
    extra=st.lists(st.integers(0, 50), min_size=6, max_size=6),
    teen=st.booleans(),
)
def test_more_activity_never_removes_eligibility(
    tree: Any, base: list[int], extra: list[int], teen: bool
) -> None:
    c = rules.parse(tree, VOCAB)

    def with_counts(values: list[int]) -> rules.Facts:
        counts: dict[Any, list[int]] = {}
        for i, event in enumerate(COUNT_EVENTS):
            counts[(event, None)] = [values[i] + values[i + 3]]
            counts[(event, 30)] = [values[i]]
            counts[(event, 90)] = [values[i] + values[i + 3] // 2]
        return facts(is_teen=[teen], counts=counts)

    before = rules.evaluate(c, with_counts(base))
    after = rules.evaluate(c, with_counts([b + e for b, e in zip(base, extra, strict=True)]))
    assert not (before.met[0] and not after.met[0])
    assert after.progress[0] >= before.progress[0] - 1e-12


@settings(max_examples=100, deadline=None)
@given(tree=count_trees(), counts=st.lists(st.integers(0, 150), min_size=3, max_size=3))
def test_low_water_bar_is_never_harder_than_the_full_bar(tree: Any, counts: list[int]) -> None:
    c = rules.parse(tree, VOCAB)
    f = facts(counts={e: [n] for e, n in zip(COUNT_EVENTS, counts, strict=True)})
    full = rules.evaluate(c, f).met[0]
    low = rules.evaluate(c, f, scale=0.9).met[0]
    assert low or not full


def test_vectorized_evaluation_equals_one_at_a_time() -> None:
    rng = np.random.default_rng(7)
    n = 500
    f = facts(
        n=n,
        is_teen=rng.random(n) < 0.3,
        counts={e: rng.integers(0, 120, n) for e in COUNT_EVENTS},
        held={"moderator": rng.random(n) < 0.5},
        held_since={"moderator": NOW - rng.integers(0, 100, n) * DAY},
    )
    c = rules.parse(GSM, VOCAB)
    together = rules.evaluate(c, f).met
    for i in range(0, n, 37):
        one = facts(
            is_teen=[f.is_teen[i]],
            counts={e: [f.counts[(e, None)][i]] for e in COUNT_EVENTS},
            held={"moderator": [f.held["moderator"][i]]},
            held_since={"moderator": [f.held_since["moderator"][i]]},
        )
        assert rules.evaluate(c, one).met[0] == together[i]


# --- the ladder: hysteresis, grace, obligations -------------------------------------------


def standing(
    state: int, granted: float = np.nan, below: float = np.nan, due: float = np.nan
) -> awarding.Standing:
    return awarding.Standing(
        np.array([state], np.int8), np.array([granted]), np.array([below]), np.array([due])
    )


WINDOWED = rules.Rule(
    "regular",
    rules.parse({"count": "group_chat", "min": 10, "window_days": 30}, VOCAB),
    automatic=True,
    low_water=0.9,
    grace_days=14,
)


def run_one(
    rule: rules.Rule, chats: int, before: awarding.Standing, now: float = NOW
) -> awarding.Decisions:
    f = facts(counts={("group_chat", 30): [chats]})
    f.now = now
    return awarding.evaluate_ladder([rule], f, {rule.slug: before})[0]


def test_hysteresis_keeps_at_the_low_water_mark_and_starts_grace_below_it() -> None:
    held = standing(awarding.ACTIVE, granted=NOW - 50 * DAY)
    keep = run_one(WINDOWED, 9, held)  # 9 >= ceil(10 * 0.9)
    assert keep.after.state[0] == awarding.ACTIVE
    assert not keep.below[0]
    fall = run_one(WINDOWED, 8, held)
    assert fall.below[0]
    assert fall.after.state[0] == awarding.ACTIVE
    assert fall.after.below_since[0] == NOW


@pytest.mark.parametrize(("days_below", "lapsed"), [(13.9, False), (14, True)])
def test_grace_period_before_lapsing(days_below: float, lapsed: bool) -> None:
    held = standing(awarding.ACTIVE, granted=NOW - 90 * DAY, below=NOW - days_below * DAY)
    d = run_one(WINDOWED, 8, held)
    assert bool(d.lapsed[0]) is lapsed
    assert d.after.state[0] == (awarding.LAPSED if lapsed else awarding.ACTIVE)


def test_recovery_during_grace_clears_the_clock() -> None:
    held = standing(awarding.ACTIVE, granted=NOW - 90 * DAY, below=NOW - 10 * DAY)
    d = run_one(WINDOWED, 9, held)
    assert d.recovered[0]
    assert np.isnan(d.after.below_since[0])


def test_grant_needs_the_full_bar_and_lapsed_awards_come_back() -> None:
    assert not run_one(WINDOWED, 9, standing(awarding.NONE)).granted[0]
    again = run_one(WINDOWED, 10, standing(awarding.LAPSED, granted=NOW - 200 * DAY))
    assert again.granted[0]
    assert again.after.granted_at[0] == NOW
    assert not run_one(WINDOWED, 50, standing(awarding.REVOKED)).granted[0]


OBLIGED = rules.Rule(
    "gsm",
    rules.parse({"count": "group_chat", "min": 1}, VOCAB),
    automatic=False,
    obligation="global-mod",
    obligation_days=14,
)


@pytest.mark.parametrize(
    ("day", "state"),
    [(13, awarding.ACTIVE), (14, awarding.PENDING_TRAINING), (15, awarding.PENDING_TRAINING)],
)
def test_obligation_deadline(day: int, state: int) -> None:
    granted = NOW - day * DAY
    f = facts(counts={"group_chat": [5]}, trainings={"global-mod": [False]})
    d = awarding.evaluate_ladder(
        [OBLIGED], f, {"gsm": standing(awarding.ACTIVE, granted, due=granted + 14 * DAY)}
    )[0]
    assert d.after.state[0] == state
    assert f.held["gsm"][0] == (state == awarding.ACTIVE)


def test_training_restores_a_paused_role_and_clears_the_deadline() -> None:
    granted = NOW - 20 * DAY
    f = facts(trainings={"global-mod": [True]})
    before = standing(awarding.PENDING_TRAINING, granted, due=granted + 14 * DAY)
    d = awarding.evaluate_ladder([OBLIGED], f, {"gsm": before})[0]
    assert d.restored[0]
    assert d.after.state[0] == awarding.ACTIVE
    assert np.isnan(d.after.obligation_due[0])
    assert d.after.granted_at[0] == granted  # the tenure continues


def test_a_badge_earned_now_counts_for_roles_in_the_same_run() -> None:
    badge = rules.Rule("newbie", rules.parse({"count": "group_chat", "min": 1}, VOCAB), True)
    role = rules.Rule("room-supporter", rules.parse({"held": "newbie"}, VOCAB), True)
    f = facts(counts={"group_chat": [1]})
    out = {d.slug: d for d in awarding.evaluate_ladder([role, badge], f, {})}
    assert out["newbie"].granted[0]
    assert out["room-supporter"].granted[0]
