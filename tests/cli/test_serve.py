"""`mutualaid serve`: gunicorn and the Huey worker as supervised children. No server starts
here: the command lines are checked as data, and the supervisor runs tiny Python children."""

import os
import signal
import sys
import threading
import time

from click.testing import CliRunner

from mutualaid import cli
from mutualaid.cli import Child, main, server_commands, supervise


def test_serve_runs_gunicorn_on_the_wsgi_app_and_the_huey_consumer():
    web, worker = server_commands(host="10.0.0.5", port=8765, workers=3, threads=4)

    assert web.argv[:4] == [sys.executable, "-m", "gunicorn", "mutualaid.wsgi:application"]
    assert _option(web.argv, "--bind") == "10.0.0.5:8765"
    assert _option(web.argv, "--workers") == "3"
    assert _option(web.argv, "--threads") == "4"
    assert _option(web.argv, "--worker-class") == "gthread"
    assert "--access-logfile" in web.argv
    assert worker.argv[:4] == [sys.executable, "-m", "django", "run_huey"]
    assert _option(worker.argv, "--graceful-signal") == "TERM"


def test_the_access_log_can_be_turned_off():
    web, _worker = server_commands(
        host="127.0.0.1", port=8000, workers=1, threads=1, access_log=False
    )

    assert "--access-logfile" not in web.argv


def test_serve_migrates_and_collects_static_files_before_starting(monkeypatch):
    calls, started = [], []
    monkeypatch.setattr(cli, "_call", lambda *args: calls.append(args))
    monkeypatch.setattr(cli, "supervise", lambda children: started.extend(children) or 0)

    result = CliRunner().invoke(main, ["serve", "--port", "8765", "--workers", "2"])

    assert result.exit_code == 0, result.output
    assert [args[0] for args in calls] == ["migrate", "collectstatic"]
    assert all("--noinput" in args for args in calls)
    assert [child.name for child in started] == ["web", "worker"]
    assert "http://127.0.0.1:8765/" in result.output


def test_when_a_child_dies_the_other_is_stopped_and_its_code_returned():
    started = time.monotonic()

    code = supervise([_python("import time; time.sleep(60)"), _python("raise SystemExit(3)")])

    assert code == 3
    assert time.monotonic() - started < 20


def test_a_child_that_exits_cleanly_on_its_own_still_means_failure():
    code = supervise([_python("import time; time.sleep(60)"), _python("pass")])

    assert code == 1


def test_sigterm_is_forwarded_to_every_child(tmp_path):
    script = (
        "import signal, sys, time, pathlib\n"
        "def stop(signum, frame):\n"
        "    pathlib.Path(sys.argv[1]).write_text(str(signum))\n"
        "    sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, stop)\n"
        "pathlib.Path(sys.argv[1] + '.ready').touch()\n"
        "time.sleep(60)\n"
    )
    marks = [tmp_path / "web", tmp_path / "worker"]
    children = [Child(m.name, [sys.executable, "-c", script, str(m)]) for m in marks]
    threading.Thread(target=_signal_when_ready, args=(marks,), daemon=True).start()

    code = supervise(children)

    assert code == 0
    assert [m.read_text() for m in marks] == [str(int(signal.SIGTERM))] * 2


def _signal_when_ready(marks):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not all(m.with_suffix(".ready").exists() for m in marks):
        time.sleep(0.05)
    os.kill(os.getpid(), signal.SIGTERM)


def _python(code: str) -> Child:
    return Child("child", [sys.executable, "-c", code])


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]
