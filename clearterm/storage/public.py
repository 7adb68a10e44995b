"""``clearterm export public``: a de-identified copy of the store (issue 18).

Built by allow-list: a new SQLite file gets only the tables and columns below; nothing is copied
whole and then pruned. Left out: names, dates of birth, addresses (and ZIP), notes, the record
history and the quarantine (they hold raw source lines), the audit log (its details can quote
data), users' full names, signers, judges and order numbers. Person ids, case numbers and
record ids are replaced by tokens: ``HMAC-SHA256(key, kind:value)`` cut to 16 hex digits, with a
random key kept in the store (``public_export_key``, migration 0017; made on first use), so a person has the
same token in every export of the same store and nobody without the store can reverse it.
Reviewers and batch creators are tokens too (``reviewer-`` + token).

The copy is written to a private temporary file beside the target and renamed into place (0600;
share it deliberately). ``datasette FILE.db`` opens it; its views answer the same questions as
the store's own (migration 0017).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import tempfile
from pathlib import Path


class PublicExportError(Exception):
    """The copy cannot be written (the message names the file)."""


#: (table in the copy, SELECT from the store). ``tok(kind, value)`` is the token function.
TABLES = (
    ("records", """SELECT tok('record', record_id) AS record, tok('person', nullif(person_id, '')) AS person,
        tok('case', case_number) AS case_token, statute, disposition, age_at_offense, offense_date, arrest_date,
        disposition_date, offense_class, offense_description, weight_grams, enhancement, sentence, county, court,
        arresting_agency, race, gender, incident_city FROM main.records ORDER BY id"""),
    ("decisions", """SELECT tok('record', d.record_id) AS record, tok('person', nullif(d.person_id, '')) AS person,
        tok('case', d.case_number) AS case_token, d.category, d.reasons_json AS reasons, d.tranche, d.statute_cite,
        d.rules_version, d.as_of FROM main.decision_current c JOIN main.decisions d ON d.id = c.decision_id
        ORDER BY d.record_id"""),
    ("cases", """SELECT id AS case_id, tok('case', case_number) AS case_token, tok('person', nullif(person_id, '')) AS person,
        track, tranche, charges, flagged FROM main.cases ORDER BY id"""),
    ("case_status", """SELECT case_id, status, version, tok('reviewer', reviewer) AS reviewer, updated_at,
        service_date FROM main.case_status ORDER BY case_id"""),
    ("reviews", """SELECT id, case_id, track, action, ground, served, undoes, status,
        tok('reviewer', reviewer) AS reviewer, created_at FROM main.reviews ORDER BY id"""),
    ("batches", """SELECT id AS batch_id, label, track, tranche, status, created_at, signed_at, documents, pages
        FROM main.batches ORDER BY id"""),
    ("batch_cases", "SELECT batch_id, position, case_id, status FROM main.batch_cases ORDER BY batch_id, position"),
    ("batch_filings", """SELECT batch_id, kind, filed_date, court_date, courtroom, call FROM main.batch_filings
        ORDER BY id"""),
    ("rulings", "SELECT case_id, batch_id, ruling, ruling_date, next_court_date FROM main.rulings ORDER BY id"),
    ("case_notices", "SELECT case_id, batch_id, kind, agency, sent_date FROM main.case_notices ORDER BY id"),
    ("case_lifecycle", """SELECT case_id, state, batch_id, court_date, ruling_date FROM main.case_lifecycle
        ORDER BY case_id"""),
)

VIEWS = """
CREATE VIEW case_queue AS
SELECT c.case_id, c.case_token, c.person, c.track, c.tranche, coalesce(s.status, 'pending') AS status,
       s.service_date, l.state AS lifecycle
FROM cases c LEFT JOIN case_status s ON s.case_id = c.case_id LEFT JOIN case_lifecycle l ON l.case_id = c.case_id
WHERE c.track IS NOT NULL;
CREATE VIEW reviewer_daily AS
SELECT reviewer, substr(created_at, 1, 10) AS day, count(*) AS decisions FROM reviews
WHERE action IN ('approve', 'object', 'exclude', 'defer') GROUP BY 1, 2;
CREATE VIEW batch_summary AS
SELECT b.batch_id, b.label, b.track, b.tranche, b.status, count(bc.case_id) AS cases
FROM batches b LEFT JOIN batch_cases bc ON bc.batch_id = b.batch_id GROUP BY b.batch_id;
CREATE INDEX records_person ON records(person);
CREATE INDEX decisions_person ON decisions(person);
"""

def _key(conn: sqlite3.Connection) -> bytes:
    row = conn.execute("SELECT key FROM public_export_key WHERE id = 1").fetchone()
    if row:
        return bytes(row[0])
    key = secrets.token_bytes(32)
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("INSERT OR IGNORE INTO public_export_key (id, key) VALUES (1, ?)", (key,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return bytes(conn.execute("SELECT key FROM public_export_key WHERE id = 1").fetchone()[0])


def token_function(key: bytes):
    """``tok(kind, value)``: the stable token of ``value`` (None stays None)."""
    def tok(kind: str, value):
        if value is None:
            return None
        digest = hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:16]
        return f"reviewer-{digest}" if kind == "reviewer" else digest
    return tok


def export_public_copy(conn: sqlite3.Connection, out_file: Path) -> dict[str, int]:
    """Write the de-identified copy to ``out_file``; rows per table."""
    out_file = Path(out_file)
    key = _key(conn)
    conn.create_function("tok", 2, token_function(key), deterministic=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".public-", suffix=".db", dir=out_file.parent or ".")
    except OSError as exc:
        raise PublicExportError(f"cannot write {out_file}: {exc.strerror or 'not writable'}") from None
    os.close(fd)
    counts: dict[str, int] = {}
    try:
        conn.execute("ATTACH DATABASE ? AS pub", (tmp,))
        try:
            conn.execute("BEGIN")
            for name, select in TABLES:
                conn.execute(f"CREATE TABLE pub.{name} AS {select}")
                counts[name] = conn.execute(f"SELECT count(*) FROM pub.{name}").fetchone()[0]
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            conn.execute("DETACH DATABASE pub")
        with sqlite3.connect(tmp) as pub:
            pub.executescript(VIEWS)
        pub.close()
        os.chmod(tmp, 0o600)
        os.replace(tmp, out_file)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return counts
