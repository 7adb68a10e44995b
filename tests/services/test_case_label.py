"""A case's label (issue 14): clearterm.domain.cases.case_label is its one home; the store's
CaseRef, the batches' BatchCase, the workstation and the review service's messages use it, and
``decide CASE`` reads every label back to its case."""

from __future__ import annotations

import pytest

from clearterm.domain.cases import case_label
from clearterm.services import batches, review
from clearterm.storage.reviews import find_cases, queue_page
from clearterm.tui.backend import label_of
from test_reviews import AS_OF, build_store


def test_case_label_forms():
    assert case_label("14CR2", "P3") == "14CR2/P3"
    assert case_label("14CR2", "") == "14CR2"
    assert case_label("14CR2", None) == "14CR2"
    assert case_label("A/B", "C/D") == "A/B/C/D"  # resolve_case sorts such readings out


@pytest.fixture
def store(tmp_path):
    s = build_store(tmp_path / "label.db")
    yield s
    s.close()


def test_every_place_labels_a_case_the_same_and_decide_reads_it_back(store):
    rows = queue_page(store.conn, limit=100, as_of=AS_OF)
    assert rows
    for row in rows:
        (ref,) = find_cases(store.conn, row.case_number, row.person_id)
        want = case_label(row.case_number, row.person_id)
        assert ref.label == label_of(row) == label_of(ref) == want
        bc = batches.BatchCase(1, ref.id, ref.case_number, ref.person_id, "approved", 1)
        assert bc.label == want
        assert review.resolve_case(store.conn, want) == ref


def test_ambiguous_case_lists_each_defendant_by_label(store):
    with pytest.raises(review.AmbiguousCase) as exc:
        review.resolve_case(store.conn, "14CR2")
    assert f"one of {case_label('14CR2', 'P2')}, {case_label('14CR2', 'P3')}" in str(exc.value)
