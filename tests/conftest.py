"""The fixtures every test shares: one Tansu broker (plain, or behind TLS and SCRAM with
SADA_TEST_BROKER=scram-tls) and one chDB data directory per test run.

The helpers tests import (settings, posting, background loops, stand-in servers)
are in the ``harness`` package (tests/harness/). This file's folder is on ``sys.path``
(pytest puts a rootdir conftest's folder there), so ``harness`` and ``reference`` import from
tests/unit/ and tests/pipeline/ alike.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import RunningPipeline, pipeline_settings
from harness.secure import Broker, new_broker

from shared.settings import Settings

_ids = itertools.count(1)


@pytest.fixture(scope="session")
def broker() -> Iterator[Broker]:
    """The session's broker: plaintext Tansu, or with SADA_TEST_BROKER=scram-tls Tansu behind TLS
    and SCRAM (tests/harness/secure.py)."""
    started = new_broker().start()
    yield started
    started.stop()


@pytest.fixture(scope="session")
def chdb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("chdb")


@pytest.fixture
def settings(broker: Broker, chdb_dir: Path) -> Settings:
    """Settings of a fresh, isolated pipeline on the shared broker and store."""
    n = f"{os.getpid()}x{next(_ids)}"
    return pipeline_settings(broker, chdb_dir, f"t{n}", consumer_group=f"g{n}", clickhouse_database=f"db{n}")


@pytest.fixture
def pipeline(settings: Settings) -> Iterator[RunningPipeline]:
    with RunningPipeline(settings) as running:
        yield running
