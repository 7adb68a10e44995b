"""PAdES signing of the batch PDFs and the detached CMS signature of the manifest.

fpdf2 lays the documents out; pyHanko signs them (fpdf2's own signing writes
signatures pyHanko cannot read). Each PDF gets one invisible PAdES baseline-B
signature (``/SubFilter /ETSI.CAdES.detached``, SHA-256) in the field
:data:`FIELD_NAME`; the visible "/s/ NAME, TITLE" line is part of the page
content laid out by fpdf2, so it survives text extraction.

Signing speed matters (a 10,000-case batch is ~10,000 PDFs), so
:class:`DocumentSigner`:

* keeps the parsed private key (pyHanko's ``SimpleSigner`` re-parses and
  re-validates the key for every signature, ~40 ms);
* measures the size of the signature container once and reserves exactly
  that (plus a margin) afterwards, instead of letting pyHanko build every
  signature twice to estimate it.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.general import get_pyca_cryptography_hash

FIELD_NAME = "StateAttorneySignature"
DIGEST = "sha256"


class SigningError(RuntimeError):
    pass


class _CachedKeySigner(signers.SimpleSigner):
    """SimpleSigner that parses its private key once."""

    _pyca_key = None

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algo = mechanism.signature_algo
        except ValueError:  # pragma: no cover
            algo = mechanism["algorithm"].native
        if algo != "rsassa_pkcs1v15":  # pragma: no cover - demo and office keys are RSA
            return super().sign_raw(data, digest_algorithm)
        if self._pyca_key is None:
            key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
            if not isinstance(key, RSAPrivateKey):  # pragma: no cover
                return super().sign_raw(data, digest_algorithm)
            self._pyca_key = key
        return self._pyca_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


@dataclass(frozen=True)
class SignerIdentity:
    """Who signs: from the signing certificate."""

    common_name: str
    subject: str
    issuer: str
    serial_number: str
    certificate_sha256: str
    not_before: str
    not_after: str

    def as_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


class DocumentSigner:
    """Signs PDFs and detached data with the key and certificate of a PKCS#12 file."""

    def __init__(self, p12_path: str | Path, passphrase: str | bytes | None) -> None:
        if isinstance(passphrase, str):
            passphrase = passphrase.encode("utf-8")
        try:
            loaded = signers.SimpleSigner.load_pkcs12(str(p12_path), passphrase=passphrase)
        except Exception as exc:  # noqa: BLE001 - pyHanko raises several kinds
            raise SigningError(f"cannot load signing key from {Path(p12_path).name}: {exc}") from exc
        if loaded is None:
            raise SigningError(f"cannot load signing key from {Path(p12_path).name} "
                               "(wrong passphrase or not a PKCS#12 file)")
        self._signer = _CachedKeySigner(
            signing_cert=loaded.signing_cert, signing_key=loaded.signing_key,
            cert_registry=loaded.cert_registry)
        cert = loaded.signing_cert
        self.identity = SignerIdentity(
            common_name=cert.subject.native.get("common_name", ""),
            subject=cert.subject.human_friendly,
            issuer=cert.issuer.human_friendly,
            serial_number=format(cert.serial_number, "x"),
            certificate_sha256=hashlib.sha256(cert.dump()).hexdigest(),
            not_before=cert["tbs_certificate"]["validity"]["not_before"].native.isoformat(),
            not_after=cert["tbs_certificate"]["validity"]["not_after"].native.isoformat(),
        )
        self._reserved: int | None = None
        self.re_estimates = 0

    # -- PDFs ---------------------------------------------------------------
    def sign_pdf(self, pdf: bytes, *, signer_name: str = "", reason: str = "",
                 location: str = "", contact: str = "") -> bytes:
        """Return ``pdf`` with a PAdES signature appended as an incremental update."""
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm=DIGEST,
            subfilter=fields.SigSeedSubFilter.PADES,
            name=signer_name or None,
            reason=reason or None,
            location=location or None,
            contact_info=contact or None,
        )
        pdf_signer = signers.PdfSigner(
            meta, signer=self._signer,
            new_field_spec=fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=0, box=None))
        if self._reserved is not None:
            try:
                return self._sign(pdf_signer, pdf, self._reserved)
            except PyHankoSigningError as exc:
                if "larger than expected" not in str(exc):
                    raise
                self.re_estimates += 1  # reservation too small: let pyHanko estimate again
                self._reserved = None
        out = self._sign(pdf_signer, pdf, None)
        # bytes_reserved counts hex digits of /Contents: twice the (already padded)
        # size pyHanko estimated for this first signature
        self._reserved = 2 * _contents_size(out)
        return out

    @staticmethod
    def _sign(pdf_signer: signers.PdfSigner, pdf: bytes, reserved: int | None) -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        out = io.BytesIO()
        pdf_signer.sign_pdf(writer, output=out, bytes_reserved=reserved)
        return out.getvalue()

    # -- detached -----------------------------------------------------------
    def sign_detached(self, data: bytes) -> bytes:
        """A DER-encoded detached CMS SignedData over ``data`` (for ``manifest.json.p7s``)."""
        import asyncio

        info: cms.ContentInfo = asyncio.run(
            self._signer.async_sign_general_data(data, DIGEST, detached=True))
        return info.dump()


def _contents_size(signed_pdf: bytes) -> int:
    """Size in bytes of the (padded) /Contents of the last signature."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(signed_pdf), strict=False)
    sig = reader.embedded_signatures[-1]
    return len(sig.sig_object["/Contents"])

