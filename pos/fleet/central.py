"""The back office's PostgreSQL: every till's journal, its chain checked, and the invoices rebuilt.

Tables (schema_version says which migrations ran; `migrate` runs the rest at every start,
under an advisory lock, so two back offices starting together do it once):
  entries    one row per journal entry, keyed (terminal, seq): the line exactly as the till
             wrote it (bytea), its fields, `data` as jsonb for queries, `intact` (its bytes
             hash to its hash). Kept generically, whatever its kind: shifts, tenders and
             refunds will arrive as entries of new kinds and are kept already.
  terminals  how far each terminal's chain is checked: head (seq, hash).
  breaks     every entry that does not follow its predecessor, is not as written, or came
             again with other bytes; a row each, and a line in the log.
  invoices   the newest record of every invoice (highest rev) from INVOICE and IMPORTED
             entries, with its business day: what the central reports read.

A batch of entries is one transaction: a kill mid-batch leaves nothing of it, the hub hands
it over again, and (terminal, seq) makes a second copy a no-op. Entries may arrive out of
order; the chain is checked in seq order as far as there is no gap.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Iterable

from pos.core.invoice import Invoice
from pos.core.journal import IMPORTED, INVOICE, BrokenChain, Entry, Head, check_chain, parse_line
from pos.core.localtime import business_day
from pos.fleet.hub import Place

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

#: Transaction-level advisory lock key for migrations ("pos-fleet" in ASCII, truncated).
MIGRATION_LOCK = 0x706F732D666C
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (1, """
CREATE TABLE entries (
    terminal text NOT NULL, seq bigint NOT NULL, time timestamptz, actor text, kind text, data jsonb,
    prev text, hash text, line bytea NOT NULL, intact boolean NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (terminal, seq));
CREATE INDEX entries_kind ON entries (kind, terminal);
CREATE TABLE terminals (
    terminal text PRIMARY KEY, head_seq bigint NOT NULL DEFAULT 0, head_hash text, updated_at timestamptz);
CREATE TABLE breaks (
    terminal text NOT NULL, seq bigint NOT NULL, message text NOT NULL,
    found_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (terminal, seq));
CREATE TABLE invoices (
    id text PRIMARY KEY, terminal text NOT NULL, day date NOT NULL, rev integer NOT NULL, seq bigint NOT NULL,
    record jsonb NOT NULL);
CREATE INDEX invoices_day ON invoices (day, terminal);
"""),
)
CHECK_ROWS = 1000


class CentralError(Exception):
    """The database cannot be used; the message says what and where (never the password)."""


@dataclass
class Stored:
    """What one batch did."""

    new: int = 0
    repeated: int = 0  # already held, same bytes
    breaks: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TerminalState:
    terminal: str
    received: int
    checked_to: int
    breaks: int


def connect(database: str) -> psycopg.Connection:
    """Autocommit: every write is inside an explicit transaction, and a read leaves none open."""
    import psycopg

    try:
        return psycopg.connect(database, connect_timeout=10, autocommit=True)
    except psycopg.Error as exc:
        raise CentralError(f"the database ([backoffice] database) cannot be reached: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def migrate(conn: psycopg.Connection) -> int:
    """Bring the schema to the newest version; returns it. CentralError for a newer database."""
    import psycopg

    try:
        return _migrate(conn)
    except psycopg.Error as exc:
        raise CentralError(f"the database's schema cannot be made: {_first_line(exc)}") from None


def _migrate(conn: psycopg.Connection) -> int:
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, "
                     "applied_at timestamptz NOT NULL DEFAULT now())")
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        current = row[0] if row and row[0] is not None else 0
        newest = MIGRATIONS[-1][0]
        if current > newest:
            raise CentralError(f"the database's schema is version {current}, newer than this pos knows ({newest}): "
                               "update pos on this machine")
        for version, script in MIGRATIONS:
            if version > current:
                conn.execute(script)
                conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))
                log.info("database schema migrated to version %d", version)
    return newest


def _loose(raw: bytes) -> dict[str, Any]:
    """What a damaged line still says (its claimed hash links the next entry)."""
    try:
        found = json.loads(raw)
        return found if isinstance(found, dict) else {}
    except ValueError:
        return {}


@dataclass(frozen=True)
class _Arrived:
    """An entry as it came from the hub: parsed when its bytes are what the till hashed."""

    place: Place
    raw: bytes
    entry: Entry | None
    problem: str  # why it is not intact ("" when it is)

    @property
    def where(self) -> str:
        return f"terminal {self.place.terminal} entry {self.place.seq}"

    @classmethod
    def of(cls, place: Place, raw: bytes) -> "_Arrived":
        where = f"terminal {place.terminal} entry {place.seq}"
        try:
            entry = parse_line(raw, where)
        except BrokenChain as exc:
            return cls(place, raw, None, str(exc))
        if entry.seq != place.seq:
            return cls(place, raw, None, f"{where}: the entry inside is number {entry.seq}")
        return cls(place, raw, entry, "")

    def row(self) -> tuple:
        """The entries row; jsonb holds no NUL character, so such data is kept in the line only."""
        from psycopg.types.json import Jsonb

        entry = self.entry
        if entry is None:
            claimed = str(_loose(self.raw).get("hash", ""))[:64] or None  # links the next entry
            return (self.place.terminal, self.place.seq, None, None, None, None, None, claimed, self.raw, False)
        data = None if b"\\u0000" in self.raw else Jsonb(entry.data)
        return (self.place.terminal, self.place.seq, entry.time, entry.actor, entry.kind, data, entry.prev,
                entry.hash, self.raw, True)


class Central:
    """The back office's database, connected (and migrated) at the first use and again after it was lost."""

    def __init__(self, database: str) -> None:
        self._database = database
        self._connection: psycopg.Connection | None = None

    @property
    def _conn(self) -> psycopg.Connection:
        if self._connection is None or self._connection.closed:
            self._connection = connect(self._database)
            try:
                migrate(self._connection)
            except BaseException:
                self.close()
                raise
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _failed(self, exc: Exception) -> CentralError:
        """A database error: the connection is dropped (the next call connects again), the batch not kept."""
        self.close()
        return CentralError(f"the database ([backoffice] database): {_first_line(exc)}")

    # ---- from the hub ------------------------------------------------------------------
    def store(self, batch: Iterable[tuple[Place, bytes]]) -> Stored:
        """Keep a batch of entries and check the chains they extend: one transaction, few round trips."""
        import psycopg

        arrived = [_Arrived.of(place, raw) for place, raw in batch]
        result = Stored()
        try:
            with self._conn.transaction():
                invoices = []
                for arrival, inserted in zip(arrived, self._insert(arrived)):
                    if not inserted:
                        self._again(arrival, result)
                        continue
                    result.new += 1
                    if arrival.problem:
                        self._break(arrival.place, arrival.problem, result)
                    elif arrival.entry is not None and arrival.entry.kind in (INVOICE, IMPORTED):
                        invoices += self._invoice_row(arrival.place, arrival.entry, result)
                with self._conn.cursor() as cursor:
                    cursor.executemany(
                        "INSERT INTO invoices (id, terminal, day, rev, seq, record) VALUES (%s, %s, %s, %s, %s, %s) "
                        "ON CONFLICT (id) DO UPDATE SET terminal = EXCLUDED.terminal, day = EXCLUDED.day, "
                        "rev = EXCLUDED.rev, seq = EXCLUDED.seq, record = EXCLUDED.record "
                        "WHERE invoices.rev < EXCLUDED.rev", invoices)
                for terminal in sorted({arrival.place.terminal for arrival in arrived}):
                    self._check(terminal, result)
        except psycopg.Error as exc:
            raise self._failed(exc) from None
        for message in result.breaks:
            log.error("journal chain break: %s", message)
        return result

    def _insert(self, arrived: list[_Arrived]) -> list[bool]:
        """Insert the entries not held yet (one pipeline); for each, whether it was new."""
        if not arrived:
            return []
        inserted = []
        with self._conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO entries (terminal, seq, time, actor, kind, data, prev, hash, line, intact) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (terminal, seq) DO NOTHING RETURNING seq",
                [arrival.row() for arrival in arrived], returning=True)
            while True:
                inserted.append(cursor.fetchone() is not None)
                if not cursor.nextset():
                    return inserted

    def _again(self, arrival: _Arrived, result: Stored) -> None:
        """An entry held already: the same bytes are a re-send; other bytes are a break."""
        place = arrival.place
        held = self._conn.execute("SELECT line FROM entries WHERE terminal = %s AND seq = %s",
                                  (place.terminal, place.seq)).fetchone()
        if held is not None and bytes(held[0]) == arrival.raw:
            result.repeated += 1
        else:
            self._break(place, f"{arrival.where} came again with other bytes (the first copy is kept)", result)

    def _invoice_row(self, place: Place, entry: Entry, result: Stored) -> list[tuple]:
        from psycopg.types.json import Jsonb

        try:
            invoice = Invoice.from_dict(entry.data["invoice"])
            rev = int(entry.data["rev"])
        except (KeyError, TypeError, ValueError) as exc:
            self._break(place, f"terminal {place.terminal} entry {place.seq}: its invoice cannot be read ({exc!r})",
                        result)
            return []
        return [(invoice.id, place.terminal, business_day(invoice.created_at), rev, place.seq,
                 Jsonb(entry.data["invoice"]))]

    def _break(self, place: Place, message: str, result: Stored) -> None:
        added = self._conn.execute(
            "INSERT INTO breaks (terminal, seq, message) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING RETURNING seq",
            (place.terminal, place.seq, message)).fetchone()
        if added is not None:
            result.breaks.append(message)  # logged once the batch is kept

    def _check(self, terminal: str, result: Stored) -> None:
        """Follow the terminal's chain from its checked head over every entry received without a gap."""
        seq, hash_ = 0, None
        head = self._conn.execute(
            "INSERT INTO terminals (terminal) VALUES (%s) ON CONFLICT (terminal) DO UPDATE "
            "SET terminal = EXCLUDED.terminal RETURNING head_seq, head_hash", (terminal,)
        ).fetchone()  # the row, locked until the commit
        if head is not None:
            seq, hash_ = head
        start = seq
        while True:
            rows = self._conn.execute(
                "SELECT seq, line, intact, hash FROM entries WHERE terminal = %s AND seq > %s ORDER BY seq LIMIT %s",
                (terminal, seq, CHECK_ROWS)).fetchall()
            for row_seq, line, intact, row_hash in rows:
                if row_seq != seq + 1:
                    break  # a gap: the rest waits for the missing entries
                if intact:
                    anchor = None if seq and hash_ is None else Head(seq, hash_ or Head().hash)
                    try:
                        next(check_chain([(f"terminal {terminal}", bytes(line))], anchor))
                    except BrokenChain as exc:
                        self._break(Place(terminal, row_seq), str(exc), result)
                seq, hash_ = row_seq, row_hash  # a damaged entry's claimed hash (or none) links the next
            else:
                if len(rows) == CHECK_ROWS:
                    continue
            break
        if seq != start:
            self._conn.execute("UPDATE terminals SET head_seq = %s, head_hash = %s, updated_at = now() "
                               "WHERE terminal = %s", (seq, hash_, terminal))

    # ---- for the reports ---------------------------------------------------------------
    def _rows(self, query: str, params: tuple = ()) -> list[tuple]:
        import psycopg

        try:
            return self._conn.execute(query, params).fetchall()
        except psycopg.Error as exc:
            raise self._failed(exc) from None

    def invoices(self, days: list[date], terminal: str | None = None) -> dict[str, list[Invoice]]:
        """Each terminal's invoices of those business days, oldest first (as a till's store gives them)."""
        rows = self._rows(
            "SELECT terminal, record FROM invoices WHERE day = ANY(%s) AND (%s::text IS NULL OR terminal = %s)",
            (days, terminal, terminal))
        found: dict[str, list[Invoice]] = {}
        for row_terminal, record in rows:
            found.setdefault(row_terminal, []).append(Invoice.from_dict(record))
        return {t: sorted(invs, key=lambda inv: (inv.created_at, inv.id)) for t, invs in sorted(found.items())}

    def terminals(self) -> dict[str, TerminalState]:
        rows = self._rows(
            "SELECT t.terminal, (SELECT count(*) FROM entries e WHERE e.terminal = t.terminal), t.head_seq, "
            "(SELECT count(*) FROM breaks b WHERE b.terminal = t.terminal) FROM terminals t ORDER BY t.terminal")
        return {r[0]: TerminalState(r[0], r[1], r[2], r[3]) for r in rows}

    def breaks(self, terminal: str | None = None) -> list[tuple[str, int, str]]:
        rows = self._rows("SELECT terminal, seq, message FROM breaks WHERE (%s::text IS NULL OR terminal = %s) "
                          "ORDER BY terminal, seq", (terminal, terminal))
        return [(r[0], r[1], r[2]) for r in rows]
