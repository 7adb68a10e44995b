"""Demo key material: a self-signed test CA and a signer certificate.

FOR DEMOS AND TESTS ONLY. The certificates say so in their subject
(``O=clearterm DEMO ONLY - NOT FOR COURT FILING``); a real filing is signed
with the office's own PKCS#12 issued under its own CA.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

DEMO_ORG = "clearterm DEMO ONLY - NOT FOR COURT FILING"
CA_FILE = "demo-ca.pem"
P12_FILE = "demo-signer.p12"


def _name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Illinois"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_ORG),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def make_demo_keys(out_dir: str | Path, signer_name: str = "Demo Signer",
                   passphrase: str | None = None, key_size: int = 2048,
                   ) -> tuple[Path, Path, str]:
    """Write ``demo-ca.pem`` and ``demo-signer.p12`` into ``out_dir``.

    Returns ``(ca_pem_path, p12_path, passphrase)``; the passphrase is random
    unless given. The PKCS#12 holds the signer key, its certificate and the CA
    certificate. For demos and tests only.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    passphrase = passphrase or secrets.token_urlsafe(18)
    now = datetime.now(timezone.utc).replace(microsecond=0)

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    ca_name = _name("clearterm Demo Test CA (DEMO ONLY)")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{signer_name} (DEMO ONLY)")).issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    ca_path = out / CA_FILE
    p12_path = out / P12_FILE
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    p12_path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"clearterm demo signer", key, cert, [ca_cert],
        serialization.BestAvailableEncryption(passphrase.encode("utf-8"))))
    p12_path.chmod(0o600)
    return ca_path, p12_path, passphrase
