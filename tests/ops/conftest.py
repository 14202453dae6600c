"""Servers of our own for the operations tests: a Redis on a free loopback port, stopped afterwards."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from bench.servers import RedisServer, free_port


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (apt install redis-server)")
    server = RedisServer(free_port(16379, 16399)).start()
    yield server
    server.stop()
