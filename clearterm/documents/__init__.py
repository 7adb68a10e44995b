"""The documents layer: court papers and letters for a batch, signed, with a signed manifest.

Independent of the database: the store builds :mod:`.model` objects and calls
:func:`export_batch`; :func:`verify_batch` checks an exported directory.
See ``docs/documents.md``.
"""

from .export import ExportError, ExportResult, StagedExport, export_batch, stage_batch
from .keys import make_demo_keys
from .model import Batch, BatchError, Case, Charge, Office, Person, validate_batch
from .render import DocSpec, Rendered, Renderer, plan_documents, render_document
from .signing import DocumentSigner, SigningError
from .templates import TemplateError, Templates
from .verify import Problem, VerificationReport, check_pdf, verify_batch

__all__ = [
    "Batch", "BatchError", "Case", "Charge", "DocSpec", "DocumentSigner", "ExportError",
    "ExportResult", "Office", "StagedExport", "stage_batch", "Person", "Problem", "Rendered", "Renderer", "SigningError",
    "TemplateError", "Templates", "VerificationReport", "check_pdf", "export_batch",
    "make_demo_keys", "plan_documents", "render_document", "validate_batch", "verify_batch",
]
