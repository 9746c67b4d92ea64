"""`make bench-load STACK=…`: which stacks a choice names, and the scaling the table prints (the
benchmark itself asserts nothing and runs outside `make test`)."""
from __future__ import annotations

import argparse

import pytest

from benchmarks.bench_load import Figures, StackChoice, parse_stacks, scaling_lines


def test_all_is_sqlite_and_postgres_with_one_two_and_three_rasa_servers() -> None:
    stacks = parse_stacks("all")
    assert [(s.name, s.workers, s.postgres) for s in stacks] == [
        ("sqlite", 1, False), ("pg1", 1, True), ("pg2", 2, True), ("pg3", 3, True)]
    assert stacks[2].label == "PostgreSQL + Redis, 2 Rasa + 2 action servers"


def test_a_list_keeps_its_order_once_each() -> None:
    assert [s.name for s in parse_stacks(" pg2, sqlite,pg2 ")] == ["pg2", "sqlite"]


@pytest.mark.parametrize("value", ["", "pg4", "mysql", "sqlite,pg"])
def test_an_unknown_stack_is_refused_with_the_choices(value: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="sqlite, pg1, pg2, pg3 or all"):
        parse_stacks(value)


def figures(turns: int, seconds: float) -> Figures:
    return Figures(turns=turns, started=0.0, ended=seconds)


def test_scaling_per_added_rasa_server_and_against_sqlite() -> None:
    rows = [(StackChoice("sqlite", 1), figures(100, 10)), (StackChoice("pg1", 1), figures(90, 10)),
            (StackChoice("pg2", 2), figures(135, 10)), (StackChoice("pg3", 3), figures(162, 10))]
    assert scaling_lines(rows) == ["pg2/pg1 turns/s: 1.50", "pg3/pg2 turns/s: 1.20  (pg3/pg1: 1.80)",
                                   "pg1/sqlite turns/s: 0.90"]
