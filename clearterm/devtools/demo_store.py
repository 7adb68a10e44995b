"""DEMO ONLY: a signed batch per track from a demo store, with throw-away keys (`clearterm demo
--export`). Demo decisions carry notes saying so. Not used by any production command.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from clearterm.services import access
from clearterm.services.batches import (
    NO_TRANCHE_SORT, TRACKS, BatchError, SignResult, _waiting_cases, create_batch, sign_batch, write_passphrase,
)
from clearterm.storage.store import Store
from clearterm.storage import batches as sb

#: DEMO ONLY: the demo office's contact block (``batch sign`` refuses an office without it).
DEMO_OFFICE = {"phone": "(312) 555-0142", "email": "crta-demo@example.org", "attorney_code": "DEMO-00000",
               "unit": "Cannabis Relief Unit (DEMO)"}


def demo_templates(directory: str | Path) -> Path:
    """DEMO ONLY: the shipped document templates copied to ``directory`` with the demo office's
    phone, e-mail and attorney code filled in (the shipped ``office.toml`` leaves them for each
    office to fill in). Returns the folder to give ``$CLEARTERM_TEMPLATES_DIR``."""
    import shutil

    from clearterm.documents.templates import shipped_dir

    target = Path(directory)
    shutil.copytree(shipped_dir(), target, dirs_exist_ok=True)
    path = target / "office.toml"
    text = path.read_text(encoding="utf-8")
    for key, value in DEMO_OFFICE.items():
        text = text.replace(f'{key} = ""', f'{key} = "{value}"')
    path.write_text(text, encoding="utf-8")
    return target

@dataclass(frozen=True)
class DemoExport:
    """What :func:`sign_demo_batch` made. DEMO ONLY: throw-away keys, demo decisions."""

    keys_dir: Path
    ca_pem: Path
    p12: Path
    passphrase_file: Path
    signed: tuple[SignResult, ...]


DEMO_NOTE = ("DEMO ONLY - not a real objection. The Chicago Police Department asked that the records be "
             "retained because the arrest is part of an open investigation.")


def _demo_decide(store: Store, track: str, actor: str, n: int) -> int:
    """DEMO convenience: decide up to ``n`` pending cases of ``track`` (petitions: every third
    one objected with a demo note). Returns how many were decided."""
    from clearterm.services import review
    from clearterm.storage.reviews import current_version

    from clearterm.services.research import missing_of_cases

    # cases that need research (the real extracts carry no names) cannot go to court: skip them
    pending = sb.pending_case_ids(store.conn, track, n * 50, NO_TRANCHE_SORT)
    research = missing_of_cases(store.conn, pending)
    rows = [cid for cid in pending if cid not in research][:n]
    served = date.today() - timedelta(days=7)
    for i, cid in enumerate(rows):
        version = current_version(store.conn, cid)
        if track == "petition" and i % 3 == 2:
            review.object_case(store, cid, ground="law_enforcement", note=DEMO_NOTE, served=served,
                               reviewer=actor, expected_version=version)
        else:
            review.approve(store, cid, reviewer=actor, expected_version=version,
                           served=served if track == "petition" else None)
    return len(rows)


def _demo_user(store: Store, actor: str) -> None:
    """DEMO convenience: make ``actor`` a reviewer and signer (first user of the store: admin too)."""
    conn = store.conn
    if not access.has_users(conn):
        access.add_user(store, actor, ["admin", "reviewer", "signer"], actor=actor,
                        full_name="Demo Signer (DEMO ONLY)")
        return
    missing = {"reviewer", "signer"} - access.user_roles(conn, actor)
    if missing:
        try:
            access.change_roles(store, actor, grant=sorted(missing), actor=actor)
        except (access.AccessDenied, access.UserError) as exc:
            raise BatchError(f"demo export: {exc}") from None


def sign_demo_batch(store: Store, out_dir: str | Path, *, actor: str, max_cases: int = 12,
                    workers: int | None = None) -> DemoExport:
    """DEMO ONLY: throw-away demo keys, then one signed batch per track from the decided cases,
    with the demo office (:func:`demo_templates`).

    If no case of a track is decided yet, up to ``max_cases`` pending ones are decided first
    (as ``actor``, with notes saying DEMO ONLY) so the demo has something to sign.
    """
    from clearterm.documents import make_demo_keys

    out = Path(out_dir)
    _demo_user(store, actor)
    keys_dir = out / "demo-keys"
    ca, p12, passphrase = make_demo_keys(keys_dir, signer_name=access.display_name(store.conn, actor),
                                         passphrase=secrets.token_urlsafe(18))
    pw_file = write_passphrase(keys_dir / "demo-signer.pass", passphrase)
    templates = demo_templates(out / "demo-templates")
    signed = []
    for track in TRACKS:
        if not _waiting_cases(store.conn, track, None):
            _demo_decide(store, track, actor, max_cases)
        try:
            info = create_batch(store, track=track, actor=actor, max_cases=max_cases)
        except BatchError:
            continue  # nothing on this track
        signed.append(sign_batch(store, info.id, signer=actor, p12_path=p12, passphrase=passphrase,
                                 out_dir=out, workers=workers, templates=templates))
    return DemoExport(keys_dir, ca, p12, pw_file, tuple(signed))
