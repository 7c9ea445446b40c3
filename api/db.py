"""Engine and session handling for SQLite and PostgreSQL."""

from __future__ import annotations

import select
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event, exc
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine tuned for the backend in ``url``.

    SQLite gets WAL journalling, enforced foreign keys and a busy timeout, so that the API's
    worker threads and a CLI process can share one file. PostgreSQL uses psycopg 3; a pooled
    connection the server has closed is replaced when it is checked out (:func:`_check_alive`).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            if parsed.database not in (None, "", ":memory:"):
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
                # Aggregates over a year of lines read a few hundred MiB at most: keep pages
                # in memory (64 MiB cache, memory-mapped reads) and sort in memory.
                cur.execute("PRAGMA cache_size=-65536")
                cur.execute("PRAGMA mmap_size=268435456")
                cur.execute("PRAGMA temp_store=MEMORY")
            cur.close()

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    # Every session of the service: no JIT compilation (the queries here are short, or
    # one-off aggregates whose compilation costs more than it saves: tens of milliseconds on
    # a district inventory), and memory enough to hash an aggregate's groups rather than sort
    # them on disk. Set per connection because GETs run in autocommit, where SET LOCAL
    # would last one statement.
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args.setdefault("options", "-c jit=off -c work_mem=64MB")
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        event.listen(engine, "checkout", _check_alive)
    return engine


def _check_alive(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
    """Refuse a pooled PostgreSQL connection that the server has closed.

    An idle connection has nothing to read from its socket: a server that ended the session
    (``pg_terminate_backend``, a restart) has sent its last error message or closed the
    socket, which makes it readable. Polling the socket costs a system call where a pre-ping
    costs a round trip to the server. On a closed connection every pooled connection is
    replaced, as a failed pre-ping would (the pool then connects afresh and checks again).
    """
    try:
        fd = dbapi_conn.fileno()
    except Exception as err:  # psycopg raises once the connection is closed
        raise exc.InvalidatePoolError("connection closed") from err
    poll = select.poll()
    poll.register(fd, select.POLLIN)
    if poll.poll(0):
        raise exc.InvalidatePoolError("connection closed by the server")


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


class ReadSession(Session):
    """A session on an autocommit engine, for requests that only read: each statement
    commits on its own, so nothing may be written."""

    def flush(self, objects: Sequence[Any] | None = None) -> None:
        if self.new or self.dirty or self.deleted:
            raise RuntimeError("a GET request does not write; use a write method")
        super().flush(objects)


def fetch(conn: Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` (``?`` placeholders) on ``conn``'s own driver connection, inside its
    transaction, as the driver returns them.

    For the statements run on every request: the driver's cursor skips SQLAlchemy's
    statement and result machinery, about 0.1 ms a statement.
    """
    raw = conn.connection.driver_connection
    assert raw is not None
    dbapi = conn.dialect.loaded_dbapi
    try:
        if conn.dialect.name == "postgresql":
            with raw.cursor() as cur:
                cur.execute(sql.replace("?", "%s"), params)
                return list(cur.fetchall())
        cursor = raw.cursor()
        try:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
        finally:
            cursor.close()
    except dbapi.Error as err:
        # Handled as SQLAlchemy handles its own statements' errors: raised as its exception
        # (a value the database refuses is a DataError: 4xx), and on a lost connection the
        # pool's connections invalidated, so that the next checkouts connect afresh.
        conn._handle_dbapi_exception(err, sql, params, None, None)
        raise  # not reached: the line above raises


@contextmanager
def reading(session: Session) -> Iterator[Connection]:
    """A connection for reads in ``session``.

    For a :class:`ReadSession`, a connection of its autocommit engine, taken and given back
    without the ORM's transaction bookkeeping (about a tenth of a millisecond a request);
    otherwise the session's own connection, which sees what the transaction has written.
    """
    bind = session.get_bind()
    if isinstance(session, ReadSession) and isinstance(bind, Engine):
        with bind.connect() as conn:
            yield conn
    else:
        yield session.connection()
