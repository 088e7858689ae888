from __future__ import annotations

import pytest

from peerpath.partners.rollup import rebuild_pair_stats
from peerpath.partners.tests.dataset import Dataset, build


@pytest.fixture
def data(db: None) -> Dataset:
    dataset = build()
    rebuild_pair_stats()
    return dataset
