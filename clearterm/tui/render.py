"""Text for the screens: status and deadline markers that do not rely on colour alone.

Every status and deadline is spelled out in words (``APPROVED``, ``OVERDUE 3d``); colour
only repeats what the words say, so the screens read the same in 16 colours, in 256, or
with none.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from clearterm.domain.deadlines import OBJECTION_GROUNDS
from clearterm.storage.reviews import QueueRow, ReviewEntry
from clearterm.tui.backend import CaseDetail, label_of

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


def case_header(detail: CaseDetail) -> Text:
    row = detail.row
    t = Text()
    t.append(f"Case {detail.label}", style="bold")
    t.append(f"  {row.track or 'no'} track")
    t.append(f"  tranche {row.tranche if row.tranche is not None else 'none'}")
    t.append("  status ")
    t.append_text(status_text(row.status))
    t.append(f"  v{row.version}", style="dim")
    if row.life:  # issue 16: the state after the decision
        t.append("  now ")
        t.append(row.life.replace("_", " ").upper(), style="bold")
    if row.track == "petition":
        t.append("\nObjection deadline: ")
        t.append_text(deadline_text(row, long=True))
        if row.deadline:
            t.append(f"  (served {row.service_date})", style="dim")
    return t


def person_text(detail: CaseDetail) -> Text:
    t = Text()
    t.append("Person ", style="bold")
    t.append(detail.name or "(no name recorded)")
    t.append(f"  id {detail.row.person_id or '(none)'}")
    t.append(f"  born {detail.date_of_birth.isoformat() if detail.date_of_birth else 'unknown'}")
    return t


def _indented(rows: list[tuple[str, Text | str]]) -> Table:
    """Rows of (gutter, text): wrapped lines keep their indent (a hanging indent)."""
    g = Table.grid(padding=(0, 1), expand=True)
    g.add_column(no_wrap=True)
    g.add_column(ratio=1)
    for gutter, text in rows:
        g.add_row(gutter, text)
    return g


def charges_text(detail: CaseDetail, *, trail: bool = False) -> Group:
    """Each charge: its facts, the decision, the reasons as sentences with their statutes
    (from ``explain_lines``); with ``trail`` also every step the rules took."""
    parts: list = [Text(f"Charges ({len(detail.charges)})", style="bold underline")]
    for i, c in enumerate(detail.charges, 1):
        head = Text()
        head.append(f"{c.record_id}  ", style="bold")
        head.append(f"{c.statute}  class {c.offense_class or '?'}  {c.disposition or 'no disposition'}")
        if c.disposition_date:
            head.append(f" {c.disposition_date.isoformat()}")
        if c.offense_date:
            head.append(f"  offense {c.offense_date.isoformat()}")
        dec = Text()
        dec.append((c.category or "not evaluated").upper(), style="bold")
        if c.explanation:
            dec.append(f": {c.explanation}")
        rows: list[tuple[str, Text | str]] = [(f"{i}.", head), ("", dec)]
        for line in c.lines:
            if line.startswith(("Result", "Also", "Warning")):
                rows.append(("", Text(line)))
            elif trail:
                rows.append(("", Text(line, style="dim")))
        parts.append(_indented(rows))
    if detail.charges and not trail:
        parts.append(Text("(t: show each step the rules took)", style="dim"))
    return Group(*parts)


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


def entry_line(e: ReviewEntry) -> str:
    what = {"approve": "approved", "object": "objected", "exclude": "excluded", "defer": "deferred",
            "serve": "recorded service", "undo": f"undid entry {e.undoes}"}[e.action]
    s = f"#{e.id} {e.created_at}  {e.reviewer}: {what}"
    if e.ground:
        s += f" on ground {e.ground}"
    if e.served:
        s += f"; served {e.served}"
    s += f" -> {e.status}"
    if e.note:
        s += f'  "{e.note}"'
    return s


def history_text(detail: CaseDetail) -> Text:
    t = Text()
    t.append(f"Review history ({len(detail.history)})\n", style="bold underline")
    if not detail.history:
        t.append("   no review actions yet\n", style="dim")
    for e in detail.history:
        t.append(f"   {entry_line(e)}\n")
    return t
