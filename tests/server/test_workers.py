"""``--workers N``: one socket, N forked workers, restarts, graceful stop; real processes."""

import os
import re
import signal
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.server_process import ServerProcess, get, markers, wait_until

WORKER_STARTED = r"worker (\d+) started \(pid (\d+)\)"


def start(tmp_path, *extra: str, workers: int = 2) -> ServerProcess:
    env = {"FASTCORE_TEST_MARKERS": str(tmp_path / "markers")}
    args = ["support.server_apps.cli_app:app", "--port", "0", "--workers", str(workers), *extra]
    return ServerProcess(*args, "--timeout-graceful", "5", env=env)


def started_workers(server: ServerProcess, start: int = 0) -> dict[int, int]:
    """{worker number: pid} from the supervisor's "worker N started (pid P)" lines."""
    server.position()
    found = {}
    for line in server.lines[start:]:
        match = re.search(WORKER_STARTED, line)
        if match:
            found[int(match.group(1))] = int(match.group(2))
    return found


def wait_listening(server: ServerProcess, workers: int) -> int:
    """The port, once every worker has said it is listening."""
    port = server.port()
    wait_until(lambda: server.output.count("listening on") >= workers, what="all workers")
    return port


def test_two_workers_both_serve(tmp_path):
    with start(tmp_path) as server:
        port = wait_listening(server, 2)
        pids = set(started_workers(server).values())
        assert len(pids) == 2 and server.proc.pid not in pids
        seen: set[int] = set()

        def busy_round() -> set[int]:
            # Each request blocks the loop of the worker that took it, so the others
            # are accepted by the other worker.
            with ThreadPoolExecutor(4) as pool:
                results = list(pool.map(lambda _: get(port, "/busy?delay=0.2"), range(4)))
            assert all(status == 200 for status, _ in results)
            seen.update(body["pid"] for _, body in results)
            return seen >= pids

        wait_until(busy_round, timeout=10, interval=0, what="both workers to answer")
        assert seen == pids
        assert server.stop() == 0


def test_a_killed_worker_is_restarted(tmp_path):
    with start(tmp_path) as server:
        port = wait_listening(server, 2)
        before = started_workers(server)
        mark = server.position()
        os.kill(before[1], signal.SIGKILL)
        server.wait_for(r"worker 1 was killed by SIGKILL; restarting it", start=mark)
        match = server.wait_for(WORKER_STARTED, start=mark)
        new_pid = int(match.group(2))
        assert int(match.group(1)) == 1 and new_pid not in before.values()
        server.wait_for(rf"listening on .*\(pid {new_pid}\b", start=mark)
        for _ in range(20):  # the port answers throughout
            assert get(port, "/pid")[0] == 200
        assert server.stop() == 0
    events = markers(str(tmp_path / "markers"))
    assert ("startup", new_pid) in events and ("shutdown", new_pid) in events
    assert ("shutdown", before[1]) not in events  # SIGKILL: no shutdown for the dead one


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_lets_in_flight_requests_finish(tmp_path, workers):
    with start(tmp_path, workers=workers) as server:
        port = wait_listening(server, workers)
        results: list = []

        def call() -> None:
            try:
                results.append(get(port, "/slow?delay=1", timeout=10))
            except Exception as exc:  # a lost request is the failure we look for
                results.append(exc)

        threads = [threading.Thread(target=call) for _ in range(10)]
        for thread in threads:
            thread.start()
        path = str(tmp_path / "markers")
        wait_until(
            lambda: sum(e == "begin" for e, _ in markers(path)) == 10, what="10 requests in flight"
        )
        server.signal(signal.SIGTERM)
        assert server.wait(timeout=10) == 0
        for thread in threads:
            thread.join(10)
    assert len(results) == 10
    assert all(not isinstance(r, Exception) and r[0] == 200 for r in results), results


def test_lifespan_runs_once_per_worker(tmp_path):
    with start(tmp_path) as server:
        wait_listening(server, 2)
        pids = set(started_workers(server).values())
        assert server.stop() == 0
    events = markers(str(tmp_path / "markers"))
    assert sorted(events) == sorted(
        [("startup", p) for p in pids] + [("shutdown", p) for p in pids]
    )


def test_a_worker_whose_startup_fails_stops_the_supervisor():
    args = ["support.server_apps.cli_app:failing_app", "--port", "0", "--workers", "2"]
    with ServerProcess(*args) as server:
        assert server.wait(timeout=10) == 1
        assert "its startup failed, stopping" in server.output


def test_port_taken_is_reported_once_by_the_supervisor():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = ["support.server_apps.cli_app:app", "--port", str(port), "--workers", "2"]
        with ServerProcess(*args) as server:
            assert server.wait() == 1
    assert server.output.count("cannot listen on") == 1
    assert "worker" not in server.output


def test_a_crash_loop_backs_off():
    args = ["support.server_apps.cli_app:crashing_app", "--port", "0", "--workers", "2"]
    with ServerProcess(*args) as server:
        server.wait_for(r"worker 1 exited with code 2; restarting it in 0\.4 s", timeout=5)
        server.signal(signal.SIGTERM)
        assert server.wait() == 0
    assert "worker 1 exited with code 2; restarting it in 0.2 s" in server.output
    # 0.1 + 0.2 s of backoff before the third crash: a spinning supervisor would show dozens
    assert server.output.count("restarting it in") <= 8, server.output
