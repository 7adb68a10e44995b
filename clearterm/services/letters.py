"""Letters on the order and notices to agencies, from the store (issues 16 and 17).

* :func:`make_letters`: for the cases of a batch whose latest ruling is ``granted`` (or
  ``denied``), one print-ready PDF (one mailing per person, in ZIP order, in the person's
  language or in English and Spanish together) and the mail list CSV in the same order.
* :func:`record_mailed`: the office mailed them on a date: a ``letter_granted`` /
  ``letter_denied`` notice per case, the cases ``notified``, one audit entry; one transaction.
* :func:`make_notices`: for the granted cases, one PDF and one CSV per agency to be told.
* :func:`record_notices_sent`: the agencies were told on a date: an ``agency`` notice per case
  and agency, the cases ``agencies_told``, one audit entry; one transaction.

Files are written 0600 in a 0700 folder, each under a temporary name then renamed, so a crash
never leaves a half-written letter under its real name (the next run removes the temporary one). Making files is audited (names, counts and SHA-256 of the files,
never their content). Errors (:class:`LetterError`) name batches, cases and person ids only.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timezone
from pathlib import Path

from clearterm import settings
from clearterm.documents import model as dm
from clearterm.documents.export import PRIVATE_DIR, pid_alive, write_private
from clearterm.documents.letters import (MAIL_LIST_COLUMNS, LetterError, Mailing, is_mailable, mail_list_csv,
                                         render_letters, unmailable)
from clearterm.documents.notices import NoticeRenderer, agencies, agencies_of_case, notice_csv
from clearterm.documents.render import safe_name
from clearterm.documents.templates import TemplateError, Templates
from clearterm.domain.cases import case_label
from clearterm.domain.dates import utc_now_iso
from clearterm.services import access
from clearterm.services.batches import BatchError, BatchInfo, batch_cases, build_documents_batch, find_batch
from clearterm.storage import audit
from clearterm.storage import notices as sn
from clearterm.storage.store import Store

__all__ = ["LetterError", "LettersMade", "NoticesMade", "make_letters", "record_mailed", "make_notices",
           "record_notices_sent", "MAIL_LIST_COLUMNS"]

KINDS = ("granted", "denied")
MAX_NAMED = 12


@dataclass(frozen=True)
class LettersMade:
    batch_label: str
    kind: str
    pdf: Path
    mail_list: Path
    mailings: tuple[Mailing, ...]
    pages: int
    left_out: tuple[str, ...]
    not_standardised: int


@dataclass(frozen=True)
class NoticesMade:
    batch_label: str
    files: tuple[Path, ...]
    agencies: tuple[tuple[str, int], ...]  # (agency, cases)


def _named(items: list[str]) -> str:
    more = f" and {len(items) - MAX_NAMED} more" if len(items) > MAX_NAMED else ""
    return ", ".join(items[:MAX_NAMED]) + more


def _templates() -> Templates:
    try:
        return Templates(settings.templates_override())
    except TemplateError as exc:
        raise LetterError(str(exc)) from None


def _ruled_model(store: Store, batch_ref, kinds: tuple[str, ...], actor: str, today: date,
                 templates: Templates) -> tuple[dm.Batch, BatchInfo, tuple[int, ...]]:
    """The batch's cases whose latest ruling is one of ``kinds``, as a documents batch dated
    ``today`` and signed by ``actor``, each case carrying its ruling date and order number; and
    the case ids of those cases, in the same order."""
    conn = store.conn
    try:
        batch = find_batch(conn, batch_ref)
    except BatchError as exc:
        raise LetterError(str(exc)) from None
    ruled = sn.ruled_cases(conn, batch.id)
    chosen = {cid: r for cid, r in ruled.items() if r.ruling in kinds}
    if not chosen:
        raise LetterError(f"batch {batch.label} has no {' or '.join(kinds)} case (record the rulings first: "
                          "clearterm rulings import FILE, or clearterm ruling CASE)")
    dated = datetime.combine(today, time(12), tzinfo=timezone.utc)
    try:
        model = build_documents_batch(conn, batch.id, signer_name=access.display_name(conn, actor),
                                      dated=dated, templates=templates)
    except BatchError as exc:
        raise LetterError(str(exc)) from None
    ids = [bc.case_id for bc in batch_cases(conn, batch.id)]
    cases, case_ids = [], []
    for case_id, case in zip(ids, model.cases):
        r = chosen.get(case_id)
        if r is not None:
            cases.append(replace(case, ruling_date=date.fromisoformat(r.ruling_date),
                                 order_number=r.order_number or ""))
            case_ids.append(case_id)
    return replace(model, cases=tuple(cases)), batch, tuple(case_ids)


def _write_files(out_dir: Path, files: dict[str, bytes]) -> list[Path]:
    """Each file written 0600 under a temporary name, then renamed into place (0700 folder); the
    temporary files a killed run left for these names are removed first."""
    out_dir.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    if out_dir.stat().st_mode & 0o077:
        out_dir.chmod(PRIVATE_DIR)
    for name in files:
        for stale in out_dir.glob(f".{name}.partial-*"):
            pid = stale.name.rsplit("-", 1)[1]
            if pid.isdigit() and not pid_alive(int(pid)):
                stale.unlink(missing_ok=True)
    written = []
    for name, data in files.items():
        final = out_dir / name
        tmp = out_dir / f".{name}.partial-{os.getpid()}"
        try:
            write_private(tmp, data)
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
        written.append(final)
    return written


def make_letters(store: Store, batch_ref, *, kind: str, out_dir: Path, actor: str, today: date,
                 leave_out_unmailable: bool = False) -> LettersMade:
    """The letters of ``kind`` (granted or denied) for a batch, and their mail list (see module)."""
    if kind not in KINDS:
        raise LetterError(f"--kind must be granted or denied, not {kind!r}")
    access.require_user(store.conn, actor)
    templates = _templates()
    model, batch, case_ids = _ruled_model(store, batch_ref, (kind,), actor, today, templates)
    left_out: tuple[str, ...] = ()
    bad = unmailable(model.cases)
    if bad and leave_out_unmailable:
        left_out = tuple(bad)
        kept = [(cid, c) for cid, c in zip(case_ids, model.cases) if is_mailable(c.person)]
        if not kept:
            raise LetterError(f"batch {batch.label}: no {kind} case can be addressed: {_named(bad)}")
        case_ids = tuple(cid for cid, _ in kept)
        model = replace(model, cases=tuple(c for _, c in kept))
    try:
        rendered = render_letters(model, templates, kind, zip_order=True, require_contact=True, require_address=True)
    except TemplateError as exc:
        raise LetterError(str(exc)) from None
    stem = f"{safe_name(batch.label)}-{kind}"
    files = {f"{stem}-letters.pdf": rendered.data, f"{stem}-mail-list.csv": mail_list_csv(rendered.mailings)}
    pdf, mail_list = _write_files(out_dir, files)
    with store.write() as conn:
        audit.append(conn, at=utc_now_iso(), actor=actor, event="letters.made", detail={
            "batch": batch.label, "kind": kind, "mailings": len(rendered.mailings), "pages": rendered.pages,
            # the cases whose letters these are: 'letters mailed' records only those
            "left_out": len(left_out), "case_ids": sorted(case_ids), "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}})
    return LettersMade(batch.label, kind, pdf, mail_list, rendered.mailings, rendered.pages, left_out,
                       sum(not m.address.standardised for m in rendered.mailings))


def _check_date(sent: date, today: date, what: str) -> None:
    if sent > today:
        raise LetterError(f"--date {sent.isoformat()} is after today ({today.isoformat()}): {what} cannot be "
                          "recorded before it happens")


def record_mailed(store: Store, batch_ref, *, sent: date, actor: str, today: date,
                  kind: str | None = None) -> tuple[str, list[str]]:
    """Record that the letters of the batch's granted and denied cases (or only ``kind``'s) were
    mailed on ``sent``: (batch label, labels of the cases newly recorded).

    Only letters that were made (``make_letters``, audited ``letters.made`` with its cases) are
    recorded: a kind never made is refused when asked for and skipped otherwise, and a case left
    out of the letters (no address) is not recorded as mailed."""
    _check_date(sent, today, "a mailing")
    if kind is not None and kind not in KINDS:
        raise LetterError(f"--kind must be granted or denied, not {kind!r}")
    access.require_user(store.conn, actor)
    conn = store.conn
    batch = _find(conn, batch_ref)
    with store.write() as wconn:
        made = _letters_made(wconn, batch.label)
        if kind is not None and kind not in made:
            raise LetterError(f"no {kind} letters of batch {batch.label} were made: write them first with "
                              f"clearterm letters --batch {batch.label} --kind {kind} --out FOLDER")
        kinds = (kind,) if kind else tuple(k for k in KINDS if k in made)
        if not kinds:
            raise LetterError(f"no letters of batch {batch.label} were made: write them first with "
                              f"clearterm letters --batch {batch.label} --kind granted --out FOLDER")
        ruled = {cid: r for cid, r in sn.ruled_cases(wconn, batch.id).items() if r.ruling in kinds
                 and (made[r.ruling] is None or cid in made[r.ruling])}
        if not ruled:
            raise LetterError(f"batch {batch.label} has no {' or '.join(kinds)} case whose letter was made: "
                              "no letter to record")
        done = sn.notices_of_batch(wconn, batch.id)
        todo = [(cid, r) for cid, r in ruled.items() if (cid, sn.LETTER_KINDS[r.ruling], "") not in done]
        if not todo:
            return batch.label, []
        early = [cid for cid, r in todo if r.ruling_date > sent.isoformat()]
        if early:
            raise LetterError(f"--date {sent.isoformat()} is before the ruling of {_named(_labels(wconn, batch.id, early))}")
        labels = _labels(wconn, batch.id, [cid for cid, _ in todo])
        at = utc_now_iso()
        sn.insert_notices(wconn, [(cid, batch.id, sn.LETTER_KINDS[r.ruling], None, sent.isoformat()) for cid, r in todo],
                          actor=actor, at=at)
        sn.refresh_states(wconn, [cid for cid, _ in todo], at=at)
        audit.append(wconn, at=at, actor=actor, event="letters.mailed", detail={
            "batch": batch.label, "kind": ",".join(kinds), "sent_date": sent.isoformat(), "cases": labels})
    return batch.label, labels


def _letters_made(conn, batch_label: str) -> dict[str, set[int] | None]:
    """The kinds of letter made for the batch, each with the ids of the cases they were for (None:
    made before the letters' cases were recorded, so every case of that kind)."""
    made: dict[str, set[int] | None] = {}
    for detail in sn.letters_made(conn, batch_label):
        k, ids = detail.get("kind"), detail.get("case_ids")
        if k not in KINDS:
            continue
        if ids is None or made.get(k, set()) is None:
            made[k] = None
        else:
            made[k] = (made.get(k) or set()) | {int(i) for i in ids}
    return made


def _find(conn, batch_ref) -> BatchInfo:
    try:
        return find_batch(conn, batch_ref)
    except BatchError as exc:
        raise LetterError(str(exc)) from None


def _labels(conn, batch_id: int, case_ids) -> list[str]:
    wanted = set(case_ids)
    return [case_label(bc.case_number, bc.person_id) for bc in batch_cases(conn, batch_id) if bc.case_id in wanted]


def make_notices(store: Store, batch_ref, *, out_dir: Path, actor: str, today: date) -> NoticesMade:
    """One PDF and one CSV per agency to tell of the batch's granted cases."""
    access.require_user(store.conn, actor)
    templates = _templates()
    model, batch, _ids = _ruled_model(store, batch_ref, ("granted",), actor, today, templates)
    try:
        notices = agencies(model, templates)
        files: dict[str, bytes] = {}
        for notice in notices:
            stem = f"{safe_name(batch.label)}-notice-{safe_name(notice.agency)}"
            files[f"{stem}.pdf"] = NoticeRenderer(replace(model, cases=notice.cases), templates).notice(notice).data
            files[f"{stem}.csv"] = notice_csv(model, notice)
    except TemplateError as exc:
        raise LetterError(str(exc)) from None
    written = _write_files(out_dir, files)
    with store.write() as conn:
        audit.append(conn, at=utc_now_iso(), actor=actor, event="notices.made", detail={
            "batch": batch.label, "agencies": len(notices),
            "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}})
    return NoticesMade(batch.label, tuple(written), tuple((n.agency, len(n.cases)) for n in notices))


def record_notices_sent(store: Store, batch_ref, *, sent: date, actor: str, today: date,
                        agency: str | None = None) -> tuple[str, int, list[str]]:
    """Record that the agencies (or only ``agency``) were sent the notices of the batch's granted
    cases on ``sent``: (batch label, notices newly recorded, agencies named). Refused when the
    batch's notices were never made (``clearterm notices``), or a case was ruled since they were."""
    _check_date(sent, today, "a notice")
    access.require_user(store.conn, actor)
    templates = _templates()
    model, batch, _ids = _ruled_model(store, batch_ref, ("granted",), actor, today, templates)
    ids = {(bc.case_number, bc.person_id or f"C{bc.case_id}"): bc.case_id for bc in batch_cases(store.conn, batch.id)}
    # only notices that were made can have been sent: the batch's notices, made after every ruling
    made_at = sn.notices_made_at(store.conn, batch.label)
    if made_at is None:
        raise LetterError(f"batch {batch.label}: its agency notices were never made: run "
                          f"clearterm notices --batch {batch.label} --out DIR first")
    late = sn.ruled_since(store.conn, [ids[(c.case_number, c.person.person_id)] for c in model.cases], made_at)
    if late:
        raise LetterError(f"batch {batch.label}: {_named(_labels(store.conn, batch.id, late))} ruled after its "
                          f"agency notices were made: run clearterm notices --batch {batch.label} --out DIR again first")
    rows, named = [], set()
    for case in model.cases:
        if case.ruling_date and case.ruling_date > sent:
            raise LetterError(f"--date {sent.isoformat()} is before the ruling of "
                              f"{case_label(case.case_number, case.person.person_id)}")
        for name in agencies_of_case(case, templates):
            if agency is None or name.casefold() == agency.casefold():
                rows.append((ids[(case.case_number, case.person.person_id)], batch.id, "agency", name, sent.isoformat()))
                named.add(name)
    if agency is not None and not rows:
        raise LetterError(f"no granted case of batch {batch.label} is to be reported to the agency given "
                          "(see the notice files for the agencies' names)")
    with store.write() as conn:
        at = utc_now_iso()
        added = sn.insert_notices(conn, rows, actor=actor, at=at)
        if added:
            sn.refresh_states(conn, {r[0] for r in rows}, at=at)
            audit.append(conn, at=at, actor=actor, event="notices.sent", detail={
                "batch": batch.label, "sent_date": sent.isoformat(), "agencies": sorted(named), "notices": added})
    return batch.label, added, sorted(named)
