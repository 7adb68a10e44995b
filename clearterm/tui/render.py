"""Text for the screens: status and deadline markers that do not rely on colour alone.

Every status and deadline is spelled out in words (``APPROVED``, ``OVERDUE 3d``); colour
only repeats what the words say, so the screens read the same in 16 colours, in 256, or
with none.
"""

from __future__ import annotations

import io
from datetime import datetime, tzinfo

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from clearterm.domain.deadlines import OBJECTION_GROUNDS
from clearterm.storage.casework import CaseNote
from clearterm.storage.reviews import QueueRow, ReviewEntry
from clearterm.tui.backend import CaseDetail, Charge, label_of

STATUS_STYLE = {
    "pending": "",
    "approved": "bold green",
    "objected": "bold magenta",
    "excluded": "bold red",
    "deferred": "bold yellow",
}
GROUND_TEXT = {g.key: g.text for g in OBJECTION_GROUNDS}
SOON_DAYS = 14
UNDECIDED = ("pending", "deferred")


def status_text(status: str, life: str | None = None) -> Text:
    """Decided statuses in capitals, undecided in lower case: readable without colour. A case in
    a batch shows its state after the decision instead (issue 16: ``filed``, ``granted``, ...)."""
    if life:
        return Text(LIFE_WORDS.get(life, life), style="bold")
    word = status.upper() if status not in UNDECIDED else status
    return Text(word, style=STATUS_STYLE.get(status, ""))


#: A lifecycle state as the 9-character status column shows it.
LIFE_WORDS = {"agencies_told": "ag. told"}


def deadline_text(row: QueueRow, *, long: bool = False) -> Text:
    """The objection deadline of a petition: date and days left; ``OVERDUE`` once passed."""
    if row.track != "petition":
        return Text("")
    if row.deadline is None:
        return Text("not served" if long else "-", style="dim")
    days = row.days_left or 0
    open_ = row.status in UNDECIDED
    if days < 0 and open_:
        t = Text(f"OVERDUE {-days}d", style="bold reverse red")
        if long:
            t.append(f" (was due {row.deadline})", style="bold red")
        return t
    if long:
        left = f"{days} days left" if days >= 0 else f"passed {-days} days ago"
        t = Text(f"due {row.deadline}, {left}")
    else:
        t = Text(f"{row.deadline} {days}d")
    if open_ and 0 <= days <= SOON_DAYS:
        t.append(" SOON", style="bold yellow")
    return t


def case_header(detail: CaseDetail, width: int | None = None) -> Text:
    """The case line, the objection deadline (petitions), the batch; a frozen case says so.
    Who holds the case ends the case line; when that line would pass ``width`` (a 25-character
    case label at 80 columns) it ends the deadline line instead, or a line of its own: a whole
    phrase, never one cut in two, and no line spent on it when the deadline line has room."""
    row = detail.row
    t = Text()
    t.append(f"Case {detail.label}", style="bold")
    t.append(f"  {row.track or 'no'} track")
    t.append(f"  tranche {row.tranche if row.tranche is not None else 'none'}")
    t.append("  ")
    t.append_text(status_text(row.status))
    t.append(f"  v{row.version}", style="dim")
    if row.life:  # issue 16: the state after the decision
        t.append("  now ")
        t.append(row.life.replace("_", " ").upper(), style="bold")
        court, ruled = detail.court
        if row.life in ("filed", "continued") and court:
            t.append(f" court {court}")  # the (next) court date: where the case stands
        elif ruled and row.life not in ("batched", "signed"):
            t.append(f" ruled {ruled}")
    holder = f"  held by {row.holder}" if row.holder else "  not assigned"
    fits = width is None or t.cell_len + len(holder) <= width
    if fits:
        t.append(holder)
    if row.track == "petition":
        t.append("\nObjection deadline: ")
        start = t.cell_len
        t.append_text(deadline_text(row, long=True))
        if row.deadline:
            t.append(f"  (served {row.service_date})", style="dim")
        if not fits and width is not None and t.cell_len - start + len("Objection deadline: ") + len(holder) <= width:
            t.append(holder)
            fits = True
    if not fits:
        t.append("\n" + holder.strip())
    if detail.frozen:
        t.append("\n")
        t.append(f"FROZEN: in signed batch {detail.batch[0]}; no review action can be recorded",
                 style="bold reverse")
    elif detail.batch is not None:
        t.append(f"\nIn batch {detail.batch[0]} ({detail.batch[1]})")
    if detail.research:
        t.append("\nNEEDS RESEARCH", style="bold yellow")
        t.append(" (cannot be filed): missing " + ", ".join(m.replace("_", " ") for m in detail.research))
    return t


def person_text(detail: CaseDetail) -> Text:
    """Name, birth or age at the offense (never "born unknown" beside an age), the agency. The
    person id is in the case label above (``CASE/PERSON``); only its absence is said here."""
    t = Text()
    t.append("Person ", style="bold")
    t.append(detail.name or "(no name recorded)")
    if not detail.row.person_id:
        t.append("  id (none)")
    age, _source = detail.age
    if detail.date_of_birth is not None:
        t.append(f"  born {detail.date_of_birth.isoformat()}")
        if age is not None:
            t.append(f", {age} at offense")
    elif age is not None:
        t.append(f"  age {age} at offense")
    else:
        t.append("  born unknown, age unknown")
    t.append(f"  agency {detail.agency}" if detail.agency else "  agency not recorded")
    return t


def _indented(rows: list[tuple[str, Text | str]]) -> Table:
    """Rows of (gutter, text): wrapped lines keep their indent (a hanging indent)."""
    g = Table.grid(padding=(0, 1), expand=True)
    g.add_column(no_wrap=True)
    g.add_column(ratio=1)
    for gutter, text in rows:
        g.add_row(gutter, text)
    return g


def _weight(w: float | None) -> str:
    return "-" if w is None else f"{w:g}g"


#: The decision column's words (short enough for 80 columns).
CATEGORY_WORD = {"automatic": "automatic", "petition": "petition", "review": "review",
                 "non_conviction": "non-conv.", "ineligible": "ineligible"}


def _decision_cell(c: Charge) -> Text:
    """The charge's category; a co-charge that decided a case step shows that instead, in
    capitals (VIOLENT, CONVICTED): such a charge is outside the Act, ineligible itself."""
    if c.mark:
        return Text(c.mark, style="bold")
    return Text(CATEGORY_WORD.get(c.category or "", c.category or "not evaluated"))


def _fit(width: int, wants: list[int], mins: list[int]) -> list[int]:
    """Share ``width`` among columns: each its minimum, then one cell at a time to those still
    short of what their content wants (round robin), so no column takes room it cannot use."""
    widths = list(mins)
    spare = width - sum(widths)
    while spare > 0:
        short = [i for i, w in enumerate(widths) if w < wants[i]]
        if not short:
            break
        for i in short:
            if spare <= 0:
                break
            widths[i] += 1
            spare -= 1
    return widths


def charges_table(detail: CaseDetail, selected: int = 0, width: int = 76) -> Table:
    """One line per charge: number, statute as written, class, description, disposition and date,
    weight, sentence, decision (the co-charge that decided a case step marked in words). The
    highlighted one (``selected``) is in reverse video: readable in 16 colours and in none."""
    cells = [(str(i + 1), c.written or c.statute, c.offense_class or "?", c.description or "-",
              c.disposition or "pending", c.disposition_date.isoformat() if c.disposition_date else "-",
              _weight(c.weight_grams), c.sentence or "-", _decision_cell(c)) for i, c in enumerate(detail.charges)]
    names = ("#", "Statute", "Cl", "Description", "Disposition", "Date", "Wt", "Sentence", "Decision")
    wants = [max([len(n)] + [len(str(row[k])) for row in cells]) for k, n in enumerate(names)]
    fixed = {0: wants[0], 2: 2, 5: 10, 6: min(wants[6], 6), 8: max(8, wants[8])}
    flex = [1, 3, 4, 7]  # statute, description, disposition, sentence share the rest
    rest = width - sum(fixed.values()) - len(names)  # one blank after each column
    shared = _fit(rest, [wants[k] for k in flex], [min(wants[1], 19), 5, 5, 5])  # the statute first
    widths = {**fixed, **dict(zip(flex, shared))}
    t = Table(box=None, expand=False, padding=(0, 1, 0, 0), show_edge=False, header_style="bold underline")
    for k, name in enumerate(names):
        t.add_column(name, no_wrap=True, overflow="ellipsis", width=widths[k])
    for i, row in enumerate(cells):  # data as Text: a "[" in a description is not console markup
        t.add_row(*(c if isinstance(c, Text) else Text(c) for c in row), style="reverse" if i == selected else None)
    return t


#: Measures how Rich wraps a line (no output).
_MEASURE = Console(file=io.StringIO(), width=200, color_system=None)


def explanation_text(detail: CaseDetail, selected: int = 0, *, trail: bool = False,
                     width: int | None = None) -> Table | Text:
    """The highlighted charge, once: its facts in full, the result and further reasons as sentences
    with their codes and statutes; with ``trail`` every step the rules took. At ``width`` the
    Codes line ends the last sentence when it fits on that sentence's last line."""
    if not detail.charges:
        return Text("No charges recorded for this case.", style="dim")
    i = max(0, min(selected, len(detail.charges) - 1))
    c = detail.charges[i]
    head = Text()
    head.append(f"{c.record_id}", style="bold")
    head.append(f"  {c.statute}  class {c.offense_class or '?'}")
    if c.description:
        head.append(f"  {c.description}")
    head.append(f"  {c.disposition or 'pending'}")
    if c.disposition_date:
        head.append(f" {c.disposition_date.isoformat()}")
    if c.sentence:
        head.append(f"  sentence {c.sentence}")
    if c.weight_grams is not None:
        head.append(f"  {_weight(c.weight_grams)}")
    if c.offense_date:
        head.append(f"  offense {c.offense_date.isoformat()}")
    if c.mark:
        head.append(f"  {c.mark}: this co-charge decided a case step of the others", style="bold")
    rows: list[tuple[str, Text | str]] = [(f"{i + 1}.", head)]
    if not c.lines:
        rows.append(("", Text((c.category or "not evaluated").upper(), style="bold")))
    for line in c.lines:
        if line.startswith(("Result", "Also", "On its own", "Warning")):
            rows.append(("", Text(line, style="bold" if line.startswith("Result") else "")))
        elif trail:
            rows.append(("", Text(line, style="dim")))
    if c.reasons:  # after the last sentence, on its last line when they fit there whole (saves a line at 80x24)
        codes = Text("Codes: " + ", ".join(c.reasons) + ("" if trail else "  (t: each step)"), style="dim")
        last = rows[-1][1]
        text_width = None if width is None else width - max(len(g) for g, _ in rows) - 1  # less the gutter
        if len(rows) > 1 and isinstance(last, Text) and text_width is not None and text_width > 0:
            tail = last.wrap(_MEASURE, text_width)[-1]
            if tail.cell_len + 2 + codes.cell_len <= text_width:
                rows[-1] = ("", Text.assemble(last, "  ", codes))
                codes = None
        if codes is not None:
            rows.append(("", codes))
    return _indented(rows)


def others_text(detail: CaseDetail) -> Text:
    t = Text()
    t.append(f"Other cases of this person ({len(detail.others)})\n", style="bold underline")
    if not detail.others:
        t.append("   none\n", style="dim")
    for o in detail.others:
        t.append(f"   {label_of(o)}  {o.track or 'no relief track'}"
                 f"  tranche {o.tranche if o.tranche is not None else 'none'}  {o.charges} charge(s)  ")
        t.append_text(status_text(o.status) if o.track else Text("-"))
        t.append("\n")
    return t


def local_time(iso: str, tz: tzinfo | None = None) -> str:
    """A stored UTC timestamp as local time (``tz``, else the machine's), to the minute."""
    try:
        return datetime.fromisoformat(iso).astimezone(tz).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def entry_line(e: ReviewEntry, tz: tzinfo | None = None, *, late: str | None = None,
               replaced: str | None = None) -> str:
    """One history line. ``late``: the deadline a late objection missed; ``replaced``: the service
    date a service date entry changed (old and new are both shown)."""
    what = {"approve": "approved", "object": "LATE objection" if late else "objected", "exclude": "excluded",
            "defer": "deferred", "serve": "changed service date" if replaced else "recorded service",
            "undo": f"undid entry {e.undoes}"}[e.action]
    s = f"{local_time(e.created_at, tz)}  {e.reviewer}: {what}"
    if e.ground:
        s += f" on ground {e.ground}"
    if late:
        s += f" (deadline {late} missed)"
    if e.action == "serve" and replaced:
        s += f" from {replaced} to {e.served}"
    elif e.served:
        s += f"; served {e.served}"
    s += f" -> {e.status}"
    if e.note:
        s += f'  "{e.note}"'
    return s


def note_line(n: CaseNote, tz: tzinfo | None = None) -> str:
    return f'{local_time(n.created_at, tz)}  {n.reviewer}: note "{n.note}"'


def history_text(detail: CaseDetail, tz: tzinfo | None = None) -> Group:
    """Review entries and notes, oldest first, in local time; wrapped lines keep their indent."""
    title = Text(f"Review history ({len(detail.history)} entries, {len(detail.notes)} notes)",
                 style="bold underline")
    items = sorted([(e.created_at, 0, e.id, f"#{e.id}", entry_line(e, tz, late=detail.late.get(e.id),
                                                                replaced=detail.served_before.get(e.id)))
                    for e in detail.history]
                   + [(n.created_at, 1, n.id, "note", note_line(n, tz)) for n in detail.notes])
    if not items:
        return Group(title, Text("   no review actions or notes yet", style="dim"))
    return Group(title, _indented([(gutter, Text(line)) for _at, _k, _id, gutter, line in items]))
