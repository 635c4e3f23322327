"""The open connections of the workers of one port, counted in one shared file."""

from __future__ import annotations

from pathlib import Path

from hub.http.admission import SLOT_VARIABLE, OpenConnections


def test_workers_of_one_port_see_each_others_connections(tmp_path: Path) -> None:
    first = OpenConnections.from_environment({SLOT_VARIABLE: "0/2"}, tmp_path)
    second = OpenConnections.from_environment({SLOT_VARIABLE: "1/2"}, tmp_path)
    first.add(3)
    second.add(5)
    second.add(-1)
    assert (first.local, second.local) == (3, 4)
    assert first.total() == second.total() == 7


def test_a_restarted_worker_starts_its_slot_from_nothing(tmp_path: Path) -> None:
    survivor = OpenConnections.from_environment({SLOT_VARIABLE: "0/2"}, tmp_path)
    dead = OpenConnections.from_environment({SLOT_VARIABLE: "1/2"}, tmp_path)
    survivor.add(2)
    dead.add(9)  # its connections died with it
    restarted = OpenConnections.from_environment({SLOT_VARIABLE: "1/2"}, tmp_path)
    assert survivor.total() == restarted.total() == 2


def test_a_process_serving_alone_counts_only_its_own(tmp_path: Path) -> None:
    alone = OpenConnections.from_environment({}, tmp_path)
    alone.add(4)
    assert alone.total() == alone.local == 4
    assert not list(tmp_path.iterdir())
