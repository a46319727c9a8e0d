"""Fixtures: a loopback registry over the test snapshot."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.registry_server import RegistryServer
from tests.sources.helpers import SNAPSHOT


@pytest.fixture
def server() -> Iterator[RegistryServer]:
    with RegistryServer(SNAPSHOT) as srv:
        yield srv
