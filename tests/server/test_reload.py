"""``--reload``: a changed .py file under a watched directory starts a new server process."""

import os
import signal

from fastcore.server.reload import Watcher
from tests.support.server_process import ServerProcess, get, wait_until


def test_watcher_sees_changes_and_ignores_caches(tmp_path):
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "app.py").write_text("x = 1\n")
    watcher = Watcher([str(tmp_path)])
    assert watcher.changed() is None
    (tmp_path / "__pycache__" / "app.py").write_text("")
    (tmp_path / "notes.txt").write_text("")
    assert watcher.changed() is None
    os.utime(tmp_path / "app.py", ns=(0, 10**9))
    assert watcher.changed() == str(tmp_path / "app.py")
    (tmp_path / "new.py").write_text("")
    assert watcher.changed() == str(tmp_path / "new.py")
    (tmp_path / "new.py").unlink()
    assert watcher.changed() == str(tmp_path / "new.py")


def test_touching_a_file_serves_from_a_new_process(tmp_path):
    watched = tmp_path / "src"
    watched.mkdir()
    (watched / "module.py").write_text("")
    args = [
        "support.server_apps.cli_app:app",
        "--port",
        "0",
        "--reload",
        "--reload-dir",
        str(watched),
    ]
    with ServerProcess(*args, "--timeout-graceful", "2") as server:
        port = server.port()
        status, body = get(port, "/pid")
        first = body["pid"]
        assert status == 200 and first != server.proc.pid  # served by a child
        mark = server.position()
        os.utime(watched / "module.py", ns=(0, 10**9))
        server.wait_for("module.py changed, restarting", start=mark)

        def new_pid():
            try:
                pid = get(port, "/pid")[1]["pid"]
            except OSError:
                return None
            return pid if pid != first else None

        second = wait_until(new_pid, timeout=10, what="a new server process")
        assert second != server.proc.pid
        listening = server.wait_for(rf"listening on .*\(pid {second}\b", start=mark)
        assert f":{port} " in listening.string  # the same socket, handed down
        server.signal(signal.SIGTERM)
        assert server.wait() == 0

    def gone(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False

    assert gone(first) and gone(second)
