"""Benchmark: the mentor matching engine against baselines and the unpruned optimum.

Instances are synthetic but structured like the real community (seeded, reproducible):

* ~25% teens (band 1), the rest adults (band 2); only equal bands may pair;
* L=22 languages, Zipf-like: English ~70% of primary languages, Spanish ~15%, then a long
  tail; 1-3 languages per person (second languages lean towards English);
* T=25 topics in 5 clusters (mood, relationships, identity, life, recovery); mentees have
  1-4 goal topics, mostly from one cluster; mentors 2-6 specialties from 1-2 clusters;
* availability: weekday evening and weekend blocks in the person's local time, shifted to
  UTC with realistic offsets that depend on the primary language (Americas, Europe, Asia...);
* goal / "how I mentor" texts built from per-topic phrase vocabularies plus filler;
* mentor capacity 1-10 (small capacities most common) with existing load; some paused
  (capacity 0) and some full mentors; ~1% of mentees carry an excluded ("don't rematch")
  pair with a mentor they would otherwise like, plus a few random blocks; priority for new
  listeners; a few people are both mentee and mentor (same id, must never self-match).

One run measures:

(a) large (100,000 x 10,000): end-to-end ``match()`` time and constraint violations, plus a
    greedy baseline on the *same pruned candidate arcs* (the complete graph has ~6e8 arcs);
(b) small (3,000 x 300): ``exact_optimum`` on the complete graph vs ``match()``, greedy and
    Gale-Shapley (both on the complete graph), plus ``match(k=10)`` to show the pruning cost;
(c) ``suggest()`` latency: top 5 for 200 random mentees against the 10,000-mentor pool.

    .venv/bin/python bench/matching.py
    BENCH_MATCHING_SCALE=0.1 .venv/bin/python bench/matching.py   # quick run, 10% sizes

The last line printed is a JSON object.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from peerpath.matching import (
    Matching,
    Mentees,
    Mentors,
    Weights,
    candidates,
    encode_text,
    match,
    shift_availability,
    suggest,
    violations,
)
from peerpath.matching.baselines import exact_optimum, gale_shapley, greedy
from peerpath.matching.features import HOURS

SCALE = float(os.environ.get("BENCH_MATCHING_SCALE", "1"))
SEED = int(os.environ.get("BENCH_MATCHING_SEED", "20240611"))
LARGE = (max(50, int(100_000 * SCALE)), max(10, int(10_000 * SCALE)))
SMALL = (max(30, int(3_000 * min(SCALE * 3, 1.0))), max(5, int(300 * min(SCALE * 3, 1.0))))
N_SUGGEST = 200

LANGUAGES = [
    "English", "Spanish", "Portuguese", "French", "German", "Hindi", "Arabic", "Tagalog",
    "Italian", "Polish", "Russian", "Ukrainian", "Turkish", "Vietnamese", "Chinese",
    "Japanese", "Korean", "Dutch", "Swedish", "Indonesian", "Swahili", "Greek",
]  # fmt: skip
TOPIC_CLUSTERS = {
    "mood": ["anxiety", "depression", "stress", "sleep", "loneliness"],
    "relationships": ["family", "breakups", "friendship", "parenting", "dating"],
    "identity": ["lgbtq", "self-esteem", "body image", "culture", "faith"],
    "life": ["school", "work", "burnout", "money", "moving"],
    "recovery": ["grief", "trauma", "addiction", "chronic illness", "anger"],
}
TOPICS = [t for cluster in TOPIC_CLUSTERS.values() for t in cluster]
PHRASES = {
    "anxiety": ["worry all the time", "panic attacks before exams", "racing thoughts"],
    "depression": ["feel low most days", "no motivation", "everything feels grey"],
    "stress": ["overwhelmed by deadlines", "constant pressure", "cannot switch off"],
    "sleep": ["cannot fall asleep", "waking at night", "tired every morning"],
    "loneliness": ["feel isolated", "nobody to talk to", "new city no friends"],
    "family": ["arguments with parents", "family expectations", "sibling conflict"],
    "breakups": ["recent breakup", "heartbroken and stuck", "moving on after divorce"],
    "friendship": ["losing friends", "making friends as an adult", "toxic friendship"],
    "parenting": ["new parent exhausted", "teenage kids", "single parenting"],
    "dating": ["dating apps anxiety", "fear of rejection", "trust issues dating"],
    "lgbtq": ["coming out", "questioning identity", "queer community support"],
    "self-esteem": ["low confidence", "negative self talk", "imposter syndrome"],
    "body image": ["body image struggles", "eating worries", "comparing myself online"],
    "culture": ["between two cultures", "immigrant family pressure", "racism at school"],
    "faith": ["doubts about faith", "religious family", "spiritual questions"],
    "school": ["exam pressure", "bullying at school", "falling behind in class"],
    "work": ["toxic workplace", "career change", "job interview nerves"],
    "burnout": ["burnt out at work", "exhausted caregiver", "no energy left"],
    "money": ["debt worries", "money stress", "unemployed and anxious"],
    "moving": ["moved abroad", "homesick", "starting over in a new place"],
    "grief": ["lost my mother", "grieving a friend", "pet loss"],
    "trauma": ["past trauma", "flashbacks", "feeling unsafe"],
    "addiction": ["quitting drinking", "gaming too much", "staying sober"],
    "chronic illness": ["living with chronic pain", "new diagnosis", "invisible illness"],
    "anger": ["angry outbursts", "managing anger", "frustrated all the time"],
}
MENTEE_FILLER = [
    "I would like someone to talk to", "looking for support", "hoping to feel better",
    "want practical tips", "need a good listener", "just want to be heard",
]  # fmt: skip
MENTOR_FILLER = [
    "I listen without judgement", "I share practical coping tools", "been there myself",
    "patient and warm", "I like setting small goals together", "calm and direct",
]  # fmt: skip
MENTOR_STYLE = {
    "anxiety": "grounding and breathing exercises", "depression": "small daily steps",
    "stress": "planning and boundaries", "sleep": "sleep routines that worked for me",
    "loneliness": "building connection", "family": "family communication",
    "breakups": "healing after a breakup", "friendship": "building friendships",
    "parenting": "parenting support", "dating": "confidence in dating",
    "lgbtq": "lgbtq peer support", "self-esteem": "building confidence",
    "body image": "body acceptance", "culture": "navigating two cultures",
    "faith": "faith and doubt", "school": "study skills and exam stress",
    "work": "career and workplace stress", "burnout": "recovering from burnout",
    "money": "budgeting and money stress", "moving": "settling into a new place",
    "grief": "grief support", "trauma": "trauma informed listening",
    "addiction": "recovery and sobriety", "chronic illness": "living with illness",
    "anger": "anger management",
}  # fmt: skip

Bool = npt.NDArray[np.bool_]
Int = npt.NDArray[np.int64]


def _zipf_language_probs() -> npt.NDArray[np.float64]:
    p = np.zeros(len(LANGUAGES))
    p[0], p[1] = 0.70, 0.15
    tail = 1.0 / np.arange(1, len(LANGUAGES) - 1) ** 1.1
    p[2:] = 0.15 * tail / tail.sum()
    return p


# UTC offsets by primary language (hours; the grid is hourly): (offsets, probabilities)
_OFFSETS: dict[int, tuple[list[int], list[float]]] = {
    0: ([-8, -7, -6, -5, 0, 1, 10, 5], [0.2, 0.05, 0.15, 0.3, 0.15, 0.05, 0.05, 0.05]),
    1: ([-6, -5, -3, 1, -7], [0.35, 0.15, 0.2, 0.2, 0.1]),
    2: ([-3, 0], [0.8, 0.2]),
    5: ([5, 6], [0.5, 0.5]),
    7: ([8], [1.0]),
    13: ([7], [1.0]),
    14: ([8], [1.0]),
    15: ([9], [1.0]),
    16: ([9], [1.0]),
    19: ([7, 8], [0.6, 0.4]),
    20: ([3], [1.0]),
}
_DEFAULT_OFFSETS = ([1, 2, 3], [0.5, 0.35, 0.15])


def _languages(rng: np.random.Generator, n: int) -> tuple[Bool, Int]:
    p = _zipf_language_probs()
    langs = np.zeros((n, len(LANGUAGES)), dtype=np.bool_)
    primary = rng.choice(len(LANGUAGES), size=n, p=p).astype(np.int64)
    langs[np.arange(n), primary] = True
    extra = rng.choice(3, size=n, p=[0.6, 0.3, 0.1])
    p2 = p.copy()
    p2[0] += 0.5
    p2 /= p2.sum()
    for slot in (1, 2):
        who = np.flatnonzero(extra >= slot)
        langs[who, rng.choice(len(LANGUAGES), size=who.size, p=p2)] = True
    return langs, primary


def _offsets(rng: np.random.Generator, primary: Int) -> Int:
    out = np.zeros(primary.shape[0], dtype=np.int64)
    for lang in range(len(LANGUAGES)):
        who = np.flatnonzero(primary == lang)
        offs, probs = _OFFSETS.get(lang, _DEFAULT_OFFSETS)
        out[who] = rng.choice(offs, size=who.size, p=probs)
    return out


def _topics(rng: np.random.Generator, n: int, lo: int, hi: int, clusters: int) -> Bool:
    t = np.zeros((n, len(TOPICS)), dtype=np.bool_)
    count = rng.integers(lo, hi + 1, size=n)
    cluster_p = np.array([0.4, 0.2, 0.15, 0.15, 0.1])
    home = rng.choice(5, size=(n, clusters), p=cluster_p)
    for s in range(hi):
        who = np.flatnonzero(count > s)
        cl = home[who, rng.integers(0, clusters, size=who.size)]
        topic = cl * 5 + rng.integers(0, 5, size=who.size)
        stray = rng.random(who.size) < 0.15
        topic[stray] = rng.integers(0, len(TOPICS), size=int(stray.sum()))
        t[who, topic] = True
    return t


def _availability(rng: np.random.Generator, n: int, offsets: Int, mentor: bool) -> Bool:
    local = np.zeros((n, HOURS), dtype=np.bool_)
    hours = np.arange(24)
    evening_p = rng.uniform(0.2, 0.8, size=n)
    for day in range(7):
        weekend = day >= 5
        if weekend:
            on = rng.random(n) < (0.55 if mentor else 0.5)
            start = rng.integers(9, 17, size=n)
            length = rng.integers(2, 6, size=n)
        else:
            on = rng.random(n) < evening_p
            start = rng.integers(17, 21, size=n)
            length = rng.integers(1, 4, size=n)
        block = (hours >= start[:, None]) & (hours < (start + length)[:, None]) & on[:, None]
        local[:, day * 24 : (day + 1) * 24] |= block
    return shift_availability(local, offsets)


def _texts(rng: np.random.Generator, topics: Bool, mentor: bool) -> list[str]:
    filler = MENTOR_FILLER if mentor else MENTEE_FILLER
    out = []
    picks = rng.integers(0, 1 << 30, size=(topics.shape[0], 4))
    for r in range(topics.shape[0]):
        own = np.flatnonzero(topics[r]).tolist()
        parts = [filler[picks[r, 0] % len(filler)]]
        for s, t in enumerate(own[:3]):
            name = TOPICS[t]
            if mentor:
                parts.append(f"I help with {MENTOR_STYLE[name]}")
            else:
                parts.append(PHRASES[name][picks[r, 1 + s] % 3])
        out.append(". ".join(parts))
    return out


def make_instance(n: int, m: int, seed: int) -> tuple[Mentees, Mentors, npt.NDArray[np.int64]]:
    """A seeded synthetic instance: (mentees, mentors, excluded pairs)."""
    rng = np.random.default_rng(seed)
    me_ids = np.arange(1, n + 1, dtype=np.int64)
    mo_ids = np.arange(n + 1, n + m + 1, dtype=np.int64)
    # a few people are both listener and mentor (same user id)
    both = rng.choice(m, size=max(1, m // 200), replace=False)
    mo_ids[both] = rng.choice(me_ids, size=both.size, replace=False)
    me_band = np.where(rng.random(n) < 0.25, 1, 2).astype(np.int8)
    mo_band = np.where(rng.random(m) < 0.25, 1, 2).astype(np.int8)
    me_band[mo_ids[both] - 1] = mo_band[both]  # same person, same band

    me_lang, me_primary = _languages(rng, n)
    mo_lang, mo_primary = _languages(rng, m)
    me_topics = _topics(rng, n, 1, 4, 1)
    mo_topics = _topics(rng, m, 2, 6, 2)
    me_avail = _availability(rng, n, _offsets(rng, me_primary), mentor=False)
    mo_avail = _availability(rng, m, _offsets(rng, mo_primary), mentor=True)
    me_text = encode_text(_texts(rng, me_topics, mentor=False))
    mo_text = encode_text(_texts(rng, mo_topics, mentor=True))

    capacity = rng.choice(
        np.arange(1, 11), size=m, p=np.array([10, 9, 8, 6, 5, 4, 3, 2, 1, 1]) / 49
    )
    capacity[rng.random(m) < 0.03] = 0  # paused
    active = rng.binomial(capacity, 0.35)
    full = rng.random(m) < 0.05
    active[full] = capacity[full]
    priority = np.where(rng.random(n) < 0.3, rng.uniform(1.0, 10.0, size=n), 0.0)

    mentees = Mentees(
        me_ids, me_band, me_topics, me_lang, me_avail, me_text, priority.astype(np.float32)
    )
    mentors = Mentors(
        mo_ids,
        mo_band,
        mo_topics,
        mo_lang,
        mo_avail,
        mo_text,
        capacity.astype(np.int32),
        active.astype(np.int32),
    )

    # ~1% of mentees excluded from a same-band mentor they share topics with, + random blocks
    who = rng.choice(n, size=max(1, n // 100), replace=False)
    ex = []
    for i in who.tolist():
        same = np.flatnonzero((mo_band == me_band[i]) & (mo_topics @ me_topics[i] > 0))
        if same.size:
            ex.append((me_ids[i], mo_ids[same[rng.integers(0, same.size)]]))
    for _ in range(max(1, n // 1000)):
        ex.append((me_ids[rng.integers(0, n)], mo_ids[rng.integers(0, m)]))
    excluded = np.asarray(ex, dtype=np.int64).reshape(-1, 2)
    return mentees, mentors, excluded


def _bad(v: dict[str, int]) -> int:
    return int(sum(v.values()))


def _rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def main() -> None:
    weights = Weights()
    result: dict[str, object] = {"scale": SCALE, "seed": SEED}

    # (b) small instance first (cheap), complete graph
    n_s, m_s = SMALL
    me_s, mo_s, ex_s = make_instance(n_s, m_s, SEED + 1)
    print(f"small instance: {n_s} mentees x {m_s} mentors, {len(ex_s)} exclusions")
    opt = exact_optimum(me_s, mo_s, weights, ex_s)
    ours_s = match(me_s, mo_s, weights, ex_s)
    ours_k = match(me_s, mo_s, weights, ex_s, k=10)
    gr_s = greedy(me_s, mo_s, weights, ex_s)
    gs_s = gale_shapley(me_s, mo_s, weights, ex_s)
    small: dict[str, Matching] = {
        "exact_optimum": opt,
        "match": ours_s,
        "match_k10": ours_k,
        "greedy": gr_s,
        "gale_shapley": gs_s,
    }
    small_viol = {name: _bad(violations(me_s, mo_s, mm, ex_s)) for name, mm in small.items()}
    for name, mm in small.items():
        print(
            f"  {name:14s} total={mm.total_utility:12.3f} pairs={len(mm):6d} "
            f"arcs={mm.n_candidates:8d} t={mm.seconds.get('total', 0.0):6.2f}s "
            f"violations={small_viol[name]}"
        )
    result.update(
        n_mentees_small=n_s,
        n_mentors_small=m_s,
        ratio_to_optimum=ours_s.total_utility / opt.total_utility,
        ratio_to_optimum_k10=ours_k.total_utility / opt.total_utility,
        ratio_vs_gale_shapley=ours_s.total_utility / gs_s.total_utility,
        ratio_vs_greedy=ours_s.total_utility / gr_s.total_utility,
        totals_small={name: round(mm.total_utility, 3) for name, mm in small.items()},
        pairs_small={name: len(mm) for name, mm in small.items()},
        violations_small=small_viol,
    )
    print(
        f"  ratio to optimum {result['ratio_to_optimum']:.6f} (pruned to k=10: "
        f"{result['ratio_to_optimum_k10']:.6f}), vs GS {result['ratio_vs_gale_shapley']:.4f}, "
        f"vs greedy {result['ratio_vs_greedy']:.4f}"
    )
    del me_s, mo_s, small, opt, ours_s, ours_k, gr_s, gs_s

    # (a) large instance
    n, m = LARGE
    t = time.perf_counter()
    mentees, mentors, excluded = make_instance(n, m, SEED)
    gen = time.perf_counter() - t
    print(f"large instance: {n} mentees x {m} mentors, {len(excluded)} exclusions ({gen:.1f}s)")
    t, cpu = time.perf_counter(), time.process_time()
    ours = match(mentees, mentors, weights, excluded)
    seconds_large = time.perf_counter() - t
    cpu_large = time.process_time() - cpu
    viol = violations(mentees, mentors, ours, excluded)
    phases = ", ".join(f"{k} {v:.2f}s" for k, v in ours.seconds.items())
    print(
        f"  match: {seconds_large:.2f}s ({phases}), "
        f"arcs={ours.n_candidates}, pairs={len(ours)}, total={ours.total_utility:.1f}, "
        f"violations={viol}"
    )
    cand = candidates(mentees, mentors, weights, excluded)
    gr = greedy(mentees, mentors, weights, excluded, candidates=cand)
    gr_viol = violations(mentees, mentors, gr, excluded)
    print(
        f"  greedy (same candidate arcs): total={gr.total_utility:.1f} pairs={len(gr)} "
        f"t={gr.seconds['total']:.2f}s violations={_bad(gr_viol)}"
    )
    result.update(
        n_mentees=n,
        n_mentors=m,
        seconds_large=round(seconds_large, 3),
        cpu_seconds_large=round(cpu_large, 3),
        load_average_1m=round(os.getloadavg()[0], 2),
        seconds_large_phases={k: round(v, 3) for k, v in ours.seconds.items()},
        n_candidates=ours.n_candidates,
        k_large={str(b): kb for b, kb in cand.k.items()},
        pairs_large=len(ours),
        remaining_capacity_large=int(mentors.remaining.sum()),
        total_large=round(ours.total_utility, 3),
        total_greedy_large=round(gr.total_utility, 3),
        greedy_large_graph="same pruned candidate arcs as match()",
        ratio_vs_greedy_large=ours.total_utility / gr.total_utility,
        violations_large=viol,
        violations=_bad(viol) + sum(result["violations_small"].values()),  # type: ignore[attr-defined]
        mean_score_large=round(float(ours.score.mean()), 3) if len(ours) else 0.0,
    )
    del cand, gr

    # (c) suggest latency
    rng = np.random.default_rng(SEED + 2)
    picks = rng.choice(n, size=min(N_SUGGEST, n), replace=False)
    suggest(mentees, int(picks[0]), mentors, weights, excluded)  # warm the prepared arrays
    lat = []
    for i in picks.tolist():
        t = time.perf_counter()
        suggest(mentees, i, mentors, weights, excluded, top=5)
        lat.append((time.perf_counter() - t) * 1000)
    result.update(
        suggest_p50_ms=round(float(np.percentile(lat, 50)), 3),
        suggest_p95_ms=round(float(np.percentile(lat, 95)), 3),
        suggest_max_ms=round(float(np.max(lat)), 3),
    )
    print(f"suggest: p50 {result['suggest_p50_ms']} ms, p95 {result['suggest_p95_ms']} ms")
    result["peak_rss_gb"] = round(_rss_gb(), 2)
    print(f"peak RSS {result['peak_rss_gb']} GB")
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
