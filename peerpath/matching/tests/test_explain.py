"""Readable reasons for a pair."""

from __future__ import annotations

import numpy as np

from peerpath.matching import Mentees, Mentors, explain
from peerpath.matching.features import HOURS, encode_text

TOPICS = ["anxiety", "sleep", "stress", "grief"]
LANGS = ["English", "Spanish", "French"]


def world(*, mentor_langs, mentor_topics, mentor_hours, mentor_text, capacity=5, active=2):
    avail_me = np.zeros((1, HOURS), dtype=bool)
    avail_me[0, 18:24] = True
    avail_mo = np.zeros((1, HOURS), dtype=bool)
    avail_mo[0, mentor_hours[0] : mentor_hours[1]] = True
    mentees = Mentees(
        ids=np.array([1]),
        band=np.array([2]),
        topics=np.array([[1, 1, 1, 0]], dtype=bool),
        languages=np.array([[1, 1, 0]], dtype=bool),
        availability=avail_me,
        text=encode_text(["stress and sleep before exams"]),
        priority=np.zeros(1, dtype=np.float32),
    )
    mentors = Mentors(
        ids=np.array([2]),
        band=np.array([2]),
        topics=np.array([mentor_topics], dtype=bool),
        languages=np.array([mentor_langs], dtype=bool),
        availability=avail_mo,
        text=encode_text([mentor_text]),
        capacity=np.array([capacity]),
        active=np.array([active]),
    )
    return mentees, mentors


def test_all_reasons_in_order():
    mentees, mentors = world(
        mentor_langs=[0, 1, 1],
        mentor_topics=[1, 1, 1, 1],
        mentor_hours=(12, 24),
        mentor_text="exam stress and sleep",
    )
    reasons = explain(mentees, 0, mentors, 0, topic_names=TOPICS, language_names=LANGS)
    assert reasons == [
        "both speak Spanish",
        "3 shared topics: anxiety, sleep, stress",
        "6 h overlapping availability per week",
        "very similar goals and mentoring style",
        "has room for 3 more",
    ]


def test_zero_components_are_omitted_and_singular_forms():
    mentees, mentors = world(
        mentor_langs=[1, 1, 0],
        mentor_topics=[0, 1, 0, 1],
        mentor_hours=(0, 6),
        mentor_text="guitar lessons",
        capacity=3,
        active=3,
    )
    reasons = explain(mentees, 0, mentors, 0, topic_names=TOPICS, language_names=LANGS)
    assert reasons == ["both speak English and Spanish", "1 shared topic: sleep"]


def test_nothing_in_common():
    mentees, mentors = world(
        mentor_langs=[0, 0, 1],
        mentor_topics=[0, 0, 0, 1],
        mentor_hours=(0, 1),
        mentor_text="",
        capacity=0,
        active=0,
    )
    assert explain(mentees, 0, mentors, 0, topic_names=TOPICS, language_names=LANGS) == []


def test_missing_names_fall_back_to_indices():
    mentees, mentors = world(
        mentor_langs=[1, 0, 0],
        mentor_topics=[0, 0, 1, 0],
        mentor_hours=(0, 1),
        mentor_text="",
        capacity=0,
    )
    reasons = explain(mentees, 0, mentors, 0, topic_names=TOPICS[:2], language_names=[])
    assert reasons == ["both speak language 0", "1 shared topic: topic 2"]
