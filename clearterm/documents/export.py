"""Export a batch: render, sign and hash every document, in parallel, then the manifest.

Layout of ``OUT/<batch_id>/``::

    motion.pdf                         (if the batch has automatic-track cases)
    orders/<case>_<person>.pdf         (every approved case)
    objections/<case>_<person>.pdf     (petition track, objected)
    no-objection/<case>_<person>.pdf   (petition track, not objected)
    letters.pdf                        (one mailing per person, in ZIP order)
    letters-mail-list.csv              (its mail list, same order; listed in the manifest, kind mail-list)
    index.pdf                          (the signed batch index, made last)
    manifest.json, manifest.json.p7s
    SHA256SUMS                         (sha256sum -c checks every file above)

Documents are rendered *and* signed in worker processes (both cores);
the parent only collects hashes, writes the manifest and signs it. The batch
is written into a hidden staging directory that is renamed into place at the
end, so ``OUT/<batch_id>`` either holds a complete signed batch or nothing.

Privacy: the staging directory (so the batch directory) and its folders are 0700, every file
0600. The staging directory ``.<batch_id>.partial-<pid>`` is locked (``flock``) by the process
that writes it, for as long as it lives; a worker dies with that process
(:mod:`.workers`). A staging directory left by a process that died (``kill -9``, power cut) is
removed by the next export into the same ``OUT`` (:func:`remove_stale_staging`): only one named
like ours, owned by this user, whose process is gone and whose lock is free.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .index import INDEX, SUMS, render_index, sums_text
from .letters import mail_list_csv, render_letters
from .manifest import MANIFEST, MANIFEST_SIG, DocumentEntry, build_manifest, dump_manifest
from .model import Batch, validate_filing
from .render import DocSpec, Renderer, plan_documents, safe_name
from .signing import DocumentSigner, SignerIdentity, SigningError
from .templates import Templates

Progress = Callable[[int, int], None]
#: The mail list of letters.pdf (same order: ZIP order), beside it in the batch folder.
MAIL_LIST = "letters-mail-list.csv"


class ExportError(RuntimeError):
    pass


@dataclass(frozen=True)
class ExportResult:
    batch_dir: Path
    documents: int
    pages: int
    seconds: float
    manifest_sha256: str

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


# -- worker side -------------------------------------------------------------------
_W: dict[str, object] = {}


def _init_worker(batch: Batch, templates_dir: str, p12_path: str, passphrase: str | bytes,
                 staging: str, parent_pid: int | None = None) -> None:
    if parent_pid is not None:  # a pool worker: never outlive the parent
        from clearterm.domain.logs import quiet_libraries
        from .workers import die_with_parent

        die_with_parent(parent_pid)
        quiet_libraries()
    _W["renderer"] = Renderer(batch, Templates(templates_dir))
    _W["signer"] = DocumentSigner(p12_path, passphrase)
    _W["staging"] = Path(staging)
    _W["batch"] = batch


def _signature_info(batch: Batch) -> dict[str, str]:
    office = batch.office
    contact = " ".join(x for x in (office.phone, office.email) if x)
    return {
        "signer_name": f"{batch.signer_name}, {batch.signer_title}",
        "reason": f"Filed for the People of the State of Illinois by the {office.state_attorney_title}",
        "location": f"{office.city}, {office.state}",
        "contact": contact,
    }


def _do_specs(specs: list[DocSpec]) -> list[DocumentEntry]:
    renderer: Renderer = _W["renderer"]  # type: ignore[assignment]
    signer: DocumentSigner = _W["signer"]  # type: ignore[assignment]
    staging: Path = _W["staging"]  # type: ignore[assignment]
    batch: Batch = _W["batch"]  # type: ignore[assignment]
    info = _signature_info(batch)
    out = []
    for spec in specs:
        try:
            if spec.kind == "letters":  # in ZIP order, with the mail list in the same order
                made = render_letters(batch, renderer.t, "filing", zip_order=True)
                rendered = made.rendered()
                mail_list = mail_list_csv(made.mailings)
                write_private(staging / MAIL_LIST, mail_list)
                out.append(DocumentEntry(path=MAIL_LIST, kind="mail-list",
                                         sha256=hashlib.sha256(mail_list).hexdigest(), bytes=len(mail_list),
                                         pages=0))
            else:
                rendered = renderer.render(spec)
            signed = signer.sign_pdf(rendered.data, **info)
        except Exception as exc:  # name the document, keep the cause
            raise ExportError(f"{spec.path}: {type(exc).__name__}: {exc}") from exc
        target = staging / spec.path
        target.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        write_private(target, signed)
        case = batch.cases[spec.case_index] if spec.case_index is not None else None
        out.append(DocumentEntry(
            path=spec.path, kind=spec.kind, sha256=hashlib.sha256(signed).hexdigest(),
            bytes=len(signed), pages=rendered.pages,
            case_number=case.case_number if case else "",
            person_id=case.person.person_id if case else "", department=spec.department))
    return out


def _name_key(name: str) -> str:
    return " ".join(re.sub(r"[.,]", " ", name).split()).casefold()


def signed_by_certificate(batch: Batch, identity: SignerIdentity) -> Batch:
    """``batch`` with the signer's name as the signing certificate's subject names it (what the
    ``/s/`` lines print). :class:`SigningError` if the name given is another person's: it must
    equal the certificate's common name, letter case, dots and commas aside, a trailing
    parenthesis of the certificate (``(DEMO ONLY)``) aside."""
    cn = identity.common_name.strip()
    if not cn:
        raise SigningError("the signing certificate's subject has no common name to print on the /s/ line")
    bare = re.sub(r"\s*\([^()]*\)$", "", cn)
    if _name_key(batch.signer_name) not in (_name_key(cn), _name_key(bare)):
        raise SigningError(f"the signer {batch.signer_name!r} is not the subject of the signing certificate "
                           f"({cn!r}): sign with your own certificate, or set your full name to match it")
    return replace(batch, signer_name=cn)


# -- private files and staging directories -------------------------------------------
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
_STAGING = re.compile(r"^\.(?P<name>[A-Za-z0-9._-]+)\.partial-(?P<pid>[0-9]{1,10})$")


def write_private(path: Path, data: bytes) -> None:
    """Write ``path`` readable by its owner only (0600), never through a symbolic link."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)  # an existing file keeps its mode through O_CREAT
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def staging_name(final_name: str, pid: int) -> str:
    return f".{final_name}.partial-{pid}"


def lock_dir(path: Path) -> int | None:
    """An exclusive ``flock`` on the directory ``path``: its fd, or None if another process holds
    it (or the directory is gone). Close the fd to release it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # no such process (or no such pid at all)
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale_staging(out_dir: Path) -> list[str]:
    """Remove the staging directories in ``out_dir`` left by export processes that died.

    Only directories named ``.<name>.partial-<pid>`` (not links), owned by this user, whose
    process is gone (or is this very process: a pid reused after a restart) and whose lock no
    live process holds. Returns the names removed.
    """
    removed: list[str] = []
    try:
        entries = list(os.scandir(out_dir))
    except OSError:
        return removed
    for entry in entries:
        m = _STAGING.match(entry.name)
        if not m:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        pid = int(m["pid"])
        if (not entry.is_dir(follow_symlinks=False) or st.st_uid != os.geteuid()
                or (pid != os.getpid() and pid_alive(pid))):
            continue
        fd = lock_dir(Path(entry.path))
        if fd is None:  # a live process still writes it
            continue
        try:
            shutil.rmtree(entry.path)
            removed.append(entry.name)
        except OSError:  # gone meanwhile, or not removable now: the next run tries again
            pass
        finally:
            os.close(fd)
    return removed


# -- parent side ------------------------------------------------------------------
def mp_context():
    """``fork`` (fast start, nothing to pickle) unless this process runs other
    threads (e.g. inside the terminal UI), where forking is unsafe: then ``spawn``."""
    import multiprocessing
    import threading

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _chunks(specs: list[DocSpec], workers: int) -> list[list[DocSpec]]:
    """Big single documents first (each alone), then small ones in chunks."""
    big = [[s] for s in specs if s.kind in ("motion", "letters")]
    small = [s for s in specs if s.kind not in ("motion", "letters")]
    size = max(8, min(200, len(small) // (workers * 12) or 8))
    return big + [small[i:i + size] for i in range(0, len(small), size)]


@dataclass
class StagedExport:
    """Every document of a batch rendered, signed and written to a hidden staging directory.

    The manifest is not written yet: the store layer writes it (with the audit anchor
    read under its write lock) and publishes the directory inside the transaction that
    records the signing, so the store and the directory never disagree.
    """

    batch: Batch
    staging: Path
    final: Path
    entries: list[DocumentEntry]
    signer: DocumentSigner
    templates_sha256: str
    started: float
    manifest_sha256: str = ""
    templates: Templates | None = None
    #: the signed batch index, once the manifest is written
    index_entry: DocumentEntry | None = None
    #: the flock held on the staging directory (and, once renamed, the batch directory)
    lock_fd: int | None = None

    @property
    def all_entries(self) -> list[DocumentEntry]:
        """Every document, the index included once it is made."""
        return self.entries + ([self.index_entry] if self.index_entry else [])

    @property
    def pages(self) -> int:
        return sum(e.pages for e in self.all_entries)

    def write_manifest(self, batch: Batch | None = None) -> bytes:
        """Write the signed batch index, ``manifest.json``, its detached signature and
        ``SHA256SUMS``; ``batch`` may carry a newer audit anchor (printed on the index only;
        the signer's name stays the certificate's). Returns the manifest bytes."""
        if batch is not None:
            self.batch = replace(batch, signer_name=self.batch.signer_name)
        identity = self.signer.identity.as_dict()
        index = render_index(self.batch, self.entries, identity, self.templates or Templates())
        signed = self.signer.sign_pdf(index.data, **_signature_info(self.batch))
        write_private(self.staging / INDEX, signed)
        self.index_entry = DocumentEntry(path=INDEX, kind="index", sha256=hashlib.sha256(signed).hexdigest(),
                                         bytes=len(signed), pages=index.pages)
        manifest = build_manifest(
            self.batch, self.all_entries, signed_at=datetime.now(timezone.utc),
            signer_certificate=identity, templates_sha256=self.templates_sha256)
        data = dump_manifest(manifest)
        p7s = self.signer.sign_detached(data)
        write_private(self.staging / MANIFEST, data)
        write_private(self.staging / MANIFEST_SIG, p7s)
        sums = [(e.path, e.sha256) for e in self.all_entries]
        sums += [(MANIFEST, hashlib.sha256(data).hexdigest()), (MANIFEST_SIG, hashlib.sha256(p7s).hexdigest())]
        write_private(self.staging / SUMS, sums_text(sums))
        self.manifest_sha256 = hashlib.sha256(data).hexdigest()
        return data

    def publish(self) -> ExportResult:
        """Rename the staging directory to ``OUT/<batch_id>`` (the manifest must be written)."""
        if not self.manifest_sha256:
            raise ExportError("the manifest has not been written")
        if self.final.exists():
            raise FileExistsError(f"batch directory already exists: {self.final}")
        os.replace(self.staging, self.final)
        return ExportResult(batch_dir=self.final, documents=len(self.all_entries), pages=self.pages,
                            seconds=time.perf_counter() - self.started,
                            manifest_sha256=self.manifest_sha256)

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        self.release()

    def release(self) -> None:
        """Release the lock on the directory (after publishing or discarding)."""
        if self.lock_fd is not None:
            os.close(self.lock_fd)
            self.lock_fd = None


def stage_batch(batch: Batch, out_dir: str | Path, p12_path: str | Path,
                passphrase: str | bytes, workers: int | None = None,
                progress: Progress | None = None, templates: Templates | str | Path | None = None,
                ) -> StagedExport:
    """Render, sign and hash every document of ``batch`` into a staging directory in ``out_dir``.

    Same arguments and errors as :func:`export_batch`; the caller writes the manifest and
    publishes (or discards) the returned :class:`StagedExport`.
    """
    start = time.perf_counter()
    if not isinstance(templates, Templates):
        templates = Templates(templates)
    validate_filing(batch)  # papers to sign: the office block complete, every person named
    specs = plan_documents(batch, templates)  # validates the batch and every case's department
    out_dir = Path(out_dir)
    final = out_dir / safe_name(batch.batch_id)
    if final.exists():
        raise FileExistsError(f"batch directory already exists: {final}")
    # Load the key here first: a wrong passphrase fails fast, before anything is written.
    signer = DocumentSigner(p12_path, passphrase)
    batch = signed_by_certificate(batch, signer.identity)  # the /s/ lines print the certificate's name
    out_dir.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    remove_stale_staging(out_dir)  # left by a process that died, this pid's own included
    staging = out_dir / staging_name(final.name, os.getpid())
    staging.mkdir(mode=PRIVATE_DIR)
    lock_fd = lock_dir(staging)
    if lock_fd is None:  # pragma: no cover - we just made it
        raise ExportError(f"cannot lock the staging directory {staging}")
    workers = max(1, workers or os.cpu_count() or 1)
    init_args = (batch, str(templates.directory), str(p12_path), passphrase, str(staging))
    entries: list[DocumentEntry] = []
    total = len(specs)
    try:
        done_specs = 0  # progress counts the planned documents (the mail list comes with letters.pdf)
        if workers == 1 or total < 4:
            _init_worker(*init_args)
            for chunk in _chunks(specs, 1):
                entries.extend(_do_specs(chunk))
                done_specs += len(chunk)
                if progress:
                    progress(done_specs, total)
        else:
            with ProcessPoolExecutor(max_workers=workers, mp_context=mp_context(),
                                     initializer=_init_worker, initargs=(*init_args, os.getpid())) as pool:
                sizes: dict[Future, int] = {pool.submit(_do_specs, c): len(c) for c in _chunks(specs, workers)}
                pending: set[Future] = set(sizes)
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in done:
                        exc = fut.exception()
                        if exc is not None:
                            for p in pending:
                                p.cancel()
                            raise exc
                        entries.extend(fut.result())
                        done_specs += sizes[fut]
                    if progress:
                        progress(done_specs, total)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        os.close(lock_fd)
        raise
    finally:
        _W.clear()
    return StagedExport(batch=batch, staging=staging, final=final, entries=entries, signer=signer,
                        templates_sha256=templates.fingerprint(), started=start, lock_fd=lock_fd,
                        templates=templates)


def export_batch(batch: Batch, out_dir: str | Path, p12_path: str | Path,
                 passphrase: str | bytes, workers: int | None = None,
                 progress: Progress | None = None, templates: Templates | str | Path | None = None,
                 ) -> ExportResult:
    """Render, sign and hash every document of ``batch`` into ``out_dir/<batch_id>/``.

    ``workers``: processes to use (default: all cores; 1 runs in this process).
    ``progress(done, total)`` is called in this process as documents finish.
    Raises :class:`FileExistsError` if the batch directory already exists and
    :class:`ExportError` (naming the document) if a document cannot be made.
    """
    staged = stage_batch(batch, out_dir, p12_path, passphrase, workers, progress, templates)
    try:
        staged.write_manifest()
        result = staged.publish()
    except BaseException:
        staged.discard()
        raise
    staged.release()
    return result
