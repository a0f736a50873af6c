"""cli/workers.py without processes: the --workers value, the request log's pid, exit statuses, and how the
supervisor replaces workers that die (later and later while they die young, then giving up)."""

import logging
import os
import signal

import click
import pytest

from cli import workers


@pytest.mark.parametrize("given, expected", [("1", 1), ("4", 4), (" 2 ", 2), (3, 3)])
def test_workers_are_a_count(given, expected):
    assert workers.WORKERS.convert(given, None, None) == expected


def test_auto_is_one_worker_per_cpu():
    assert workers.WORKERS.convert("AUTO", None, None) == min(os.cpu_count(), workers.MAX_WORKERS)


@pytest.mark.parametrize("given", ["0", "-1", "two", "", "1.5", str(workers.MAX_WORKERS + 1)])
def test_other_workers_values_are_refused_by_name(given):
    with pytest.raises(click.BadParameter, match="neither a number of processes"):
        workers.WORKERS.convert(given, None, None)


def _record(message, exc_info=None):
    record = logging.LogRecord("usersync.requests", logging.INFO, __file__, 1, message, None, exc_info)
    record.process = 4321
    return record


def test_a_request_log_line_gains_the_pid_as_its_last_field():
    line = workers.JsonWithPid().format(_record('{"event":"request","status":200}'))
    assert line == '{"event":"request","status":200,"pid":4321}'


def test_other_lines_of_the_request_log_are_left_as_written():
    assert workers.JsonWithPid().format(_record("could not check the path")) == "could not check the path"
    try:
        raise ValueError("boom")
    except ValueError as exc:
        failed = workers.JsonWithPid().format(_record("{}", (type(exc), exc, exc.__traceback__)))
    assert failed.startswith("{}\nTraceback") and '"pid"' not in failed


@pytest.mark.parametrize("status, said", [(0, "exited with status 0"), (3 << 8, "exited with status 3"),
                                          (signal.SIGKILL, "was killed by signal SIGKILL"),
                                          (signal.SIGSEGV, "was killed by signal SIGSEGV")])
def test_exit_statuses_are_told_as_codes_or_signals(status, said):
    assert workers._exit_of(status) == said


class FakePool:
    """Workers that die as soon as they start, after living `ages` seconds each; the stop flag set once none is left."""

    def __init__(self, ages, stops):
        self.ages, self.stops = list(ages), stops
        self.spawned, self.alive = [], []

    def spawn(self):
        pid = 100 + len(self.spawned)
        self.spawned.append(pid)
        self.alive.append(pid)

    def reap(self):
        if not self.ages:
            self.stops.append(signal.SIGTERM)
            return []
        dead, self.alive = self.alive[:1], self.alive[1:]
        return [(pid, 1 << 8, self.ages.pop(0)) for pid in dead]


@pytest.fixture
def quick(monkeypatch):
    monkeypatch.setattr(workers, "BACKOFF", (0.0, 0.0, 0.0, 0.0, 0.0))
    monkeypatch.setattr(workers, "_TICK", 0.0)


def test_workers_dying_as_they_start_are_given_up_on(quick, capsys):
    stops = []
    pool = FakePool([0.1] * 20, stops)
    with pytest.raises(click.ClickException, match=f"{workers.GIVE_UP_AFTER} times in a row; giving up"):
        workers._keep_running(pool, 2, stops)
    assert len(pool.spawned) == 2 + workers.GIVE_UP_AFTER - 1  # each death but the last was replaced
    assert "usersync: worker 100 exited with status 1; starting another" in capsys.readouterr().err


def test_a_worker_that_lived_long_resets_the_count(quick):
    stops = []
    young, old = 0.1, workers.FAST_EXIT + 1
    ages = [young] * (workers.GIVE_UP_AFTER - 1) + [old] + [young] * (workers.GIVE_UP_AFTER - 1)
    pool = FakePool(ages, stops)
    workers._keep_running(pool, 1, stops)
    assert len(pool.spawned) == 1 + len(ages) and stops == [signal.SIGTERM]


def test_replacements_wait_longer_after_each_fast_failure(monkeypatch, capsys):
    monkeypatch.setattr(workers, "_TICK", 0.0)
    monkeypatch.setattr(workers, "BACKOFF", (0.001, 0.002, 0.003, 0.004, 0.005))
    stops = []
    workers._keep_running(FakePool([0.1, 0.1, 0.1], stops), 1, stops)
    said = capsys.readouterr().err
    assert "starting another in 0.001 s" in said and "in 0.002 s" in said and "in 0.003 s" in said
