"""Editable wording: text templates under ``templates/documents/`` (shipped as package data).

Each document's words live in a plain text file that a lawyer can edit
without touching code (see ``docs/documents.md``). The markup is line based:

``; comment``           ignored (notes for whoever edits the file)
``= TEXT``              a centred bold heading line
``| text``              a line printed as is (no re-flow); ``|`` alone is an empty line
``- text``              a bullet item
``> text``              an indented paragraph
``@name``               a block laid out by code (caption, charges table, ...)
``?...``                an optional line: dropped when any placeholder on it is empty
blank line              ends a paragraph; other lines are joined into paragraphs
``**text**``            bold, inside any line

Placeholders are ``$name`` or ``${name}`` (``$$`` is a dollar sign); a
placeholder the document does not know is an error naming file and line.
A value with a blank line in it (e.g. supporting facts) becomes several
paragraphs. ``labels.toml`` holds the short strings (court name, caption
labels, table headings, page footer), with the same placeholders, and the
wording of each objection ground (``ground_<key>``, one per ground of
:data:`clearterm.domain.deadlines.OBJECTION_GROUNDS`: checked when the templates load).
"""

from __future__ import annotations

import hashlib
import re
import string
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Mapping

from clearterm.domain.deadlines import OBJECTION_GROUNDS

#: A run of text: (text, bold).
Run = tuple[str, bool]


class TemplateError(ValueError):
    pass


def ground_label_key(ground_key: str) -> str:
    """The ``labels.toml`` key of an objection ground's wording on the court papers."""
    return f"ground_{ground_key}"


@dataclass(frozen=True)
class Block:
    """One laid-out unit: kind is heading, para, indent, bullet, lines or directive."""

    kind: str
    runs: tuple[Run, ...] = ()
    lines: tuple[tuple[Run, ...], ...] = ()
    name: str = ""


@dataclass
class _RawBlock:
    kind: str
    lines: list[tuple[int, str]] = field(default_factory=list)
    name: str = ""


def shipped_dir() -> Path:
    """The document templates shipped with clearterm, as package data.

    ``clearterm/_templates`` is the top-level ``templates/`` folder (a symbolic link in the
    checkout; the wheel carries the files themselves).
    """
    return Path(str(resources.files("clearterm") / "_templates" / "documents"))


def _placeholders(text: str) -> list[str]:
    names = []
    for m in string.Template.pattern.finditer(text):
        name = m.group("named") or m.group("braced")
        if name:
            names.append(name)
        elif m.group("invalid") is not None:
            raise TemplateError(f"bad placeholder near {text[m.start():m.start() + 12]!r}")
    return names


class Templates:
    """Loads and fills the templates of one directory (files are read once)."""

    def __init__(self, directory: Path | str | None = None, base: "Templates | None" = None) -> None:
        self.directory = Path(directory) if directory else shipped_dir()
        if not self.directory.is_dir():
            raise TemplateError(f"template directory not found: {self.directory} (it must hold the "
                                "document templates, like templates/documents of the clearterm checkout)")
        #: a language folder (``letters/es``) layered over the court papers' templates: its labels
        #: and files first, then the base's
        self.base = base
        self._raw: dict[str, list[_RawBlock]] = {}
        self._labels: dict[str, str] | None = None
        self._languages: dict[str, LayeredTemplates] = {}
        self._departments = None
        self.labels  # noqa: B018 -- read and check labels.toml now, not when the first paper needs it

    # -- letter languages ---------------------------------------------------------
    def letter_languages(self) -> tuple[str, ...]:
        """The languages letters can be written in: the folders of ``letters/`` (English first)."""
        root = self.directory / "letters"
        found = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        return tuple(sorted(found, key=lambda code: (code != "en", code)))

    def language(self, code: str) -> "Templates":
        """The letter templates of language ``code`` (``letters/<code>/``), over these."""
        return self.layer(f"letters/{code}", f"no letter templates for language {code!r}")

    def layer(self, folder: str, missing: str = "no such templates") -> "LayeredTemplates":
        """The templates of ``folder`` (relative to these) layered over these."""
        t = self._languages.get(folder)
        if t is None:
            path = self.directory / folder
            if not path.is_dir():
                raise TemplateError(f"{missing}: {path} not found")
            t = self._languages[folder] = LayeredTemplates(path, self)
        return t

    # -- labels -----------------------------------------------------------------
    @property
    def labels(self) -> dict[str, str]:
        if self._labels is None:
            path = self.directory / "labels.toml"
            try:
                with path.open("rb") as fh:
                    data = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise TemplateError(f"{path}: {exc}") from None
            bad = [k for k, v in data.items() if not isinstance(v, str)]
            if bad:
                raise TemplateError(f"labels.toml: values must be strings: {', '.join(bad)}")
            if self.base is not None:
                data = {**self.base.labels, **data}
            for g in OBJECTION_GROUNDS:
                key = ground_label_key(g.key)
                if not data.get(key, "").strip():
                    raise TemplateError(f"{path}: missing label {key!r}: the wording of objection ground "
                                        f"{g.key!r} on the court papers")
            self._labels = data
        return self._labels

    def label(self, key: str, values: Mapping[str, str] | None = None) -> str:
        try:
            text = self.labels[key]
        except KeyError:
            raise TemplateError(f"labels.toml: missing label {key!r}") from None
        return self._fill(text, values or {}, f"labels.toml [{key}]")

    @property
    def departments(self):
        """The table of court departments (``departments.toml``), read once."""
        if self._departments is None:
            from .departments import FILE, DepartmentTable, DepartmentTableError

            try:
                self._departments = DepartmentTable.load(self.directory / FILE)
            except DepartmentTableError as exc:
                raise TemplateError(str(exc)) from None
        return self._departments

    # -- fingerprint ------------------------------------------------------------
    def fingerprint(self) -> str:
        """SHA-256 over every template file (name and bytes), for the manifest."""
        h = hashlib.sha256()
        for path in sorted(self.directory.rglob("*")):
            if path.is_file() and path.suffix in (".txt", ".toml"):
                name = path.relative_to(self.directory).as_posix()
                h.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
        return h.hexdigest()

    # -- documents --------------------------------------------------------------
    def blocks(self, name: str, values: Mapping[str, str]) -> list[Block]:
        """The blocks of template ``name`` (file ``name.txt``) filled with ``values``."""
        raw = self._raw.get(name)
        if raw is None:
            raw = self._raw[name] = self._parse(name)
        where = f"{self.directory.relative_to(self.base.directory).as_posix()}/{name}.txt" \
            if self.base is not None else f"{name}.txt"
        out: list[Block] = []
        for rb in raw:
            lines = []
            for lineno, text in rb.lines:
                if text.startswith("?"):
                    text = text[1:]
                    if any(not str(values.get(n, "")).strip() for n in _placeholders(text)):
                        continue
                lines.append((lineno, text))
            if rb.kind == "directive":
                out.append(Block("directive", name=rb.name))
                continue
            if not lines:
                continue
            if rb.kind == "lines":
                filled = tuple(self._runs(t, values, f"{where}:{n}") for n, t in lines)
                out.append(Block("lines", lines=filled))
                continue
            joined = " ".join(t for _, t in lines)
            runs = self._runs(joined, values, f"{where}:{lines[0][0]}")
            for para in _split_paragraphs(runs):
                out.append(Block(rb.kind, runs=para))
        return out

    def _parse(self, name: str) -> list[_RawBlock]:
        path = self.directory / f"{name}.txt"
        if not path.is_file() and self.base is not None:
            return self.base._parse(name)
        if not path.is_file():
            raise TemplateError(f"template not found: {path}")
        blocks: list[_RawBlock] = []
        current: _RawBlock | None = None

        def close() -> None:
            nonlocal current
            if current is not None and (current.lines or current.kind == "directive"):
                blocks.append(current)
            current = None

        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            line = line.rstrip()
            if line.startswith(";"):
                continue
            if not line.strip():
                close()
                continue
            optional = line.startswith("?")
            body = line[1:] if optional else line
            mark = "?" if optional else ""
            if body.startswith("@"):
                close()
                blocks.append(_RawBlock("directive", name=body[1:].strip()))
                continue
            kind, text = "para", body
            if body.startswith("="):
                kind, text = "heading", body[1:].strip()
            elif body.startswith("|"):
                kind, text = "lines", body[1:].removeprefix(" ")
            elif body.startswith("- "):
                kind, text = "bullet", body[2:].strip()
            elif body.startswith(">"):
                kind, text = "indent", body[1:].strip()
            if kind in ("heading", "bullet") or current is None or current.kind != kind:
                close()
                current = _RawBlock(kind)
            current.lines.append((lineno, mark + text))
            if kind in ("heading", "bullet"):
                close()
        close()
        return blocks

    def _runs(self, text: str, values: Mapping[str, str], where: str) -> tuple[Run, ...]:
        parts = text.split("**")
        if len(parts) % 2 == 0:
            raise TemplateError(f"{where}: unbalanced ** (bold) marker")
        runs = []
        for i, part in enumerate(parts):
            if part:
                runs.append((self._fill(part, values, where), i % 2 == 1))
        return tuple(r for r in runs if r[0])

    @staticmethod
    def _fill(text: str, values: Mapping[str, str], where: str) -> str:
        try:
            return string.Template(text).substitute(values)
        except KeyError as exc:
            known = ", ".join(sorted(values)) or "none"
            raise TemplateError(f"{where}: unknown placeholder ${exc.args[0]} "
                                f"(this document knows: {known})") from None
        except ValueError as exc:
            raise TemplateError(f"{where}: {exc}") from None


class LayeredTemplates:
    """A folder of templates over the court papers' set (``letters/<lang>``, ``notices``): its
    ``.txt`` files and ``labels.toml`` first, then the base's; anything else a renderer asks of
    its templates (tables the court papers read, the shipped folder) is the base's."""

    def __init__(self, directory: Path, base: Templates) -> None:
        self.base = base
        self._own = Templates(directory, base=base)
        self.directory = self._own.directory

    @property
    def labels(self) -> dict[str, str]:
        return self._own.labels

    def label(self, key: str, values: Mapping[str, str] | None = None) -> str:
        return self._own.label(key, values)

    def blocks(self, name: str, values: Mapping[str, str]) -> list[Block]:
        return self._own.blocks(name, values)

    def __getattr__(self, name: str):
        if name in ("base", "_own"):  # not set yet (copy, pickle): no recursion
            raise AttributeError(name)
        return getattr(self.base, name)


_PARA_BREAK = re.compile(r"\n[ \t]*\n")


def _split_paragraphs(runs: tuple[Run, ...]) -> list[tuple[Run, ...]]:
    """Split runs at blank lines inside substituted values; single newlines become spaces."""
    paras: list[list[Run]] = [[]]
    for text, bold in runs:
        pieces = _PARA_BREAK.split(text)
        for j, piece in enumerate(pieces):
            if j:
                paras.append([])
            piece = re.sub(r"\s*\n\s*", " ", piece)
            if piece:
                paras[-1].append((piece, bold))
    return [tuple(p) for p in paras if any(t.strip() for t, _ in p)]
