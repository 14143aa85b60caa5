"""Checking an identity provider: its SAML metadata or its OpenID Connect discovery document.

Each check is `pass`, `warn` or `fail` with a reason a person can act on. SAML
metadata is parsed by python3-saml, whose parser refuses DTDs and entity
declarations (no billion laughs, no external entities); metadata signatures are
verified with xmlsec through it. JWKS are read with PyJWT.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from shared.safe_fetch import Fetched, FetchError, UnsafeUrlError

Status = Literal["pass", "warn", "fail"]

# The binding our service provider sends authentication requests with.
SAML_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SAML_BINDINGS = {
    "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect": "HTTP-Redirect",
    "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST": "HTTP-POST",
    "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact": "HTTP-Artifact",
    "urn:oasis:names:tc:SAML:2.0:bindings:SOAP": "SOAP",
}
CERT_WARN_DAYS = 30
MIN_RSA_BITS = 2048
# Assertions carry validity windows: a few seconds of skew is normal, minutes break sign-ins.
CLOCK_WARN_SECONDS = 60
CLOCK_FAIL_SECONDS = 300
OIDC_REQUIRED = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "response_types_supported",
    "subject_types_supported",
    "id_token_signing_alg_values_supported",
)
OIDC_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint", "end_session_endpoint")
DISCOVERY_SUFFIX = "/.well-known/openid-configuration"
# Entra's multi-tenant discovery documents publish an issuer template, not an issuer.
ENTRA_TENANT_ALIASES = frozenset({"common", "organizations", "consumers"})
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    reason: str


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    entity_id: str | None = None
    sso_url: str | None = None
    certificate_valid: bool = False

    def add(self, name: str, status: Status, reason: str) -> None:
        self.checks.append(Check(name, status, reason))

    @property
    def success(self) -> bool:
        return bool(self.checks) and all(c.status != "fail" for c in self.checks)


# --- SAML -----------------------------------------------------------------------


def check_saml(fetched: Fetched, now: datetime) -> Report:
    from lxml.etree import XMLSyntaxError
    from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
    from onelogin.saml2.xml_utils import OneLogin_Saml2_XML
    from onelogin.saml2.xmlparser import DTDForbidden, EntitiesForbidden, NotSupportedError

    report = Report()
    xml = fetched.body.removeprefix(UTF8_BOM)
    try:
        dom = OneLogin_Saml2_XML.to_etree(xml)
    except (DTDForbidden, EntitiesForbidden, NotSupportedError):
        report.add("xml", "fail", "the document declares a DTD or entities, which are refused (entity expansion)")
        return report
    except (XMLSyntaxError, ValueError) as exc:
        report.add("xml", "fail", f"the document is not well-formed XML: {str(exc)[:200]}")
        return report
    report.add("xml", "pass", "well-formed XML without DTD or entity declarations")

    by_binding = {b: OneLogin_Saml2_IdPMetadataParser.parse(dom, required_sso_binding=b) for b in SAML_BINDINGS}
    idp = by_binding[SAML_BINDING].get("idp")
    if idp is None:
        report.add("entity_id", "fail", "no EntityDescriptor with an IDPSSODescriptor: not identity provider metadata")
        return report
    report.entity_id = idp.get("entityId") or None
    if report.entity_id:
        report.add("entity_id", "pass", f"entityID {report.entity_id}")
    else:
        report.add("entity_id", "fail", "the EntityDescriptor has no entityID")

    _check_sso_service(report, by_binding)
    _check_certificates(report, _signing_certs(idp), now)
    _check_valid_until(report, dom, now)
    _check_metadata_signature(report, xml, dom, _signing_certs(idp))
    _check_clock(report, fetched, now)
    return report


def _check_sso_service(report: Report, by_binding: dict[str, dict[str, Any]]) -> None:
    offered = {
        b: parsed["idp"]["singleSignOnService"]["url"]
        for b, parsed in by_binding.items()
        if "singleSignOnService" in parsed.get("idp", {})
    }
    ours = SAML_BINDINGS[SAML_BINDING]
    if SAML_BINDING not in offered:
        names = ", ".join(SAML_BINDINGS[b] for b in offered) or "none"
        report.add("sso_endpoint", "fail", f"no SingleSignOnService with the {ours} binding we use (offered: {names})")
        report.sso_url = next(iter(offered.values()), None)
        return
    report.sso_url = offered[SAML_BINDING]
    if urlsplit(report.sso_url).scheme != "https":
        report.add("sso_endpoint", "fail", f"the {ours} SingleSignOnService location is not https: {report.sso_url}")
    else:
        report.add("sso_endpoint", "pass", f"{ours} at {report.sso_url}")


def _signing_certs(idp: dict[str, Any]) -> list[str]:
    multi = idp.get("x509certMulti")
    if multi is not None:
        return list(multi.get("signing", []))
    return [idp["x509cert"]] if idp.get("x509cert") else []


def _check_certificates(report: Report, certs: list[str], now: datetime) -> None:
    if not certs:
        report.add("signing_certificate", "fail", "no signing certificate: responses could not be verified")
        return
    worst: Status = "pass"
    for index, encoded in enumerate(certs):
        status, reason = certificate_status(encoded, now)
        report.add(f"signing_certificate[{index}]", status, reason)
        worst = status if status == "fail" or (status == "warn" and worst == "pass") else worst
    report.certificate_valid = worst != "fail"


def certificate_status(encoded: str, now: datetime) -> tuple[Status, str]:
    """One base64 DER certificate: its validity window and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import dsa, rsa

    try:
        cert = x509.load_der_x509_certificate(base64.b64decode("".join(encoded.split()), validate=True))
    except (binascii.Error, ValueError):
        return "fail", "not a base64 DER X.509 certificate"
    subject = cert.subject.rfc4514_string() or "(no subject)"
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey | dsa.DSAPublicKey) and key.key_size < MIN_RSA_BITS:
        return "fail", f"{subject}: {key.key_size}-bit key, under {MIN_RSA_BITS} bits"
    kind = type(key).__name__.removesuffix("PublicKey").lstrip("_")
    size = getattr(key, "key_size", None)  # Edwards-curve keys have none: their kind says it all
    key_text = f"{size}-bit {kind} key" if size else f"{kind} key"
    if now < start:
        return "fail", f"{subject}: not valid before {start:%Y-%m-%d}"
    if now >= end:
        return "fail", f"{subject}: expired on {end:%Y-%m-%d}"
    if end - now < timedelta(days=CERT_WARN_DAYS):
        return "warn", f"{subject}: expires on {end:%Y-%m-%d}, within {CERT_WARN_DAYS} days; plan the rollover"
    return "pass", f"{subject}: valid until {end:%Y-%m-%d}, {key_text}"


def _check_valid_until(report: Report, dom: Any, now: datetime) -> None:
    from onelogin.saml2.utils import OneLogin_Saml2_Utils
    from onelogin.saml2.xml_utils import OneLogin_Saml2_XML

    stamps = [
        str(value)
        for path in ("/md:EntitiesDescriptor/@validUntil", "//md:EntityDescriptor/@validUntil")
        for value in OneLogin_Saml2_XML.query(dom, path)
    ]
    if not stamps:
        report.add("valid_until", "pass", "no validUntil: the metadata does not expire")
        return
    try:
        until = min(datetime.fromtimestamp(OneLogin_Saml2_Utils.parse_SAML_to_time(s), UTC) for s in stamps)
    except ValueError:
        report.add("valid_until", "fail", f"validUntil is not a SAML time: {stamps[0][:40]}")
        return
    if until <= now:
        report.add("valid_until", "fail", f"the metadata expired at {until:%Y-%m-%dT%H:%M:%SZ}; fetch a fresh copy")
    else:
        report.add("valid_until", "pass", f"valid until {until:%Y-%m-%dT%H:%M:%SZ}")


def _check_metadata_signature(report: Report, xml: bytes, dom: Any, signing: list[str]) -> None:
    from onelogin.saml2.utils import OneLogin_Saml2_Utils
    from onelogin.saml2.xml_utils import OneLogin_Saml2_XML

    paths = ("/md:EntitiesDescriptor/ds:Signature", "/md:EntityDescriptor/ds:Signature")
    signatures = [node for path in paths for node in OneLogin_Saml2_XML.query(dom, path)]
    if not signatures:
        report.add("metadata_signature", "pass", "not signed (optional; fetched straight from the IdP)")
        return
    embedded = [
        "".join(OneLogin_Saml2_XML.element_text(node).split())
        for node in OneLogin_Saml2_XML.query(signatures[0], ".//ds:X509Certificate")
    ]

    def verifies(cert: str) -> bool:
        try:
            return bool(OneLogin_Saml2_Utils.validate_metadata_sign(xml, cert=_pem(cert)))
        except Exception:  # noqa: BLE001 - xmlsec reports a bad signature by raising
            return False

    if any(verifies(cert) for cert in signing):
        report.add("metadata_signature", "pass", "signature verified with one of the IdP's signing certificates")
    elif any(verifies(cert) for cert in embedded if cert not in signing):
        report.add(
            "metadata_signature", "warn", "signature verifies only with a certificate not listed as a signing key"
        )
    else:
        report.add("metadata_signature", "fail", "the metadata signature does not verify: altered or wrongly signed")


def _pem(encoded: str) -> str:
    body = "\n".join(encoded[i : i + 64] for i in range(0, len(encoded), 64))
    return f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"


# --- OpenID Connect ----------------------------------------------------------------


def check_oidc(fetched: Fetched, discovery_url: str, now: datetime, fetch_jwks: Any) -> Report:
    """`fetch_jwks(url) -> Fetched` fetches the key set (with the same safety as the document)."""
    report = Report()
    try:
        doc = json.loads(fetched.body.removeprefix(UTF8_BOM))
    except (ValueError, UnicodeDecodeError):
        report.add("discovery_document", "fail", "the discovery document is not JSON")
        return report
    if not isinstance(doc, dict):
        report.add("discovery_document", "fail", "the discovery document is not a JSON object")
        return report
    absent = [name for name in OIDC_REQUIRED if not doc.get(name)]
    if absent:
        report.add("discovery_document", "fail", "required fields missing: " + ", ".join(absent))
    else:
        report.add("discovery_document", "pass", "every required field is present")
    issuer = doc.get("issuer") if isinstance(doc.get("issuer"), str) else None
    report.entity_id = issuer
    authorize = doc.get("authorization_endpoint")
    report.sso_url = authorize if isinstance(authorize, str) else None
    _check_issuer(report, issuer, discovery_url)
    plain = [name for name in OIDC_ENDPOINTS if isinstance(doc.get(name), str) and not doc[name].startswith("https://")]
    if plain:
        report.add("endpoints_https", "fail", "not https: " + ", ".join(plain))
    else:
        report.add("endpoints_https", "pass", "every endpoint is https")
    jwks_uri = doc.get("jwks_uri")
    if isinstance(jwks_uri, str):
        algs = doc.get("id_token_signing_alg_values_supported")
        _check_jwks(report, jwks_uri, algs if isinstance(algs, list) else [], now, fetch_jwks)
    _check_clock(report, fetched, now)
    return report


def _check_issuer(report: Report, issuer: str | None, discovery_url: str) -> None:
    expected = discovery_url.removesuffix(DISCOVERY_SUFFIX)
    if issuer is None:
        report.add("issuer", "fail", "no issuer")
    elif issuer == expected:
        report.add("issuer", "pass", f"issuer {issuer} matches the discovery URL")
    elif "{tenantid}" in issuer and _tenant_alias(expected) is not None:
        alias = _tenant_alias(expected)
        if issuer.replace("{tenantid}", str(alias)) == expected:
            report.add(
                "issuer",
                "pass",
                f"multi-tenant template {issuer} ({alias}): each token's issuer names its own tenant",
            )
        else:
            report.add("issuer", "fail", f"issuer template {issuer} does not match {expected}")
    else:
        report.add("issuer", "fail", f"issuer {issuer} differs from {expected}, the URL the document came from")


def _tenant_alias(expected: str) -> str | None:
    segments = [s for s in urlsplit(expected).path.split("/") if s]
    return segments[0] if segments and segments[0] in ENTRA_TENANT_ALIASES else None


def _check_jwks(report: Report, jwks_uri: str, algs: list[Any], now: datetime, fetch_jwks: Any) -> None:
    import jwt
    from jwt.exceptions import PyJWKError, PyJWKSetError

    try:
        fetched = fetch_jwks(jwks_uri)
    except FetchError as exc:
        report.add("jwks", "fail", f"the key set at {jwks_uri} could not be fetched: {exc.reason}")
        return
    except UnsafeUrlError as exc:
        report.add("jwks", "fail", f"the key set at {jwks_uri} is not fetched: {exc.message}")
        return
    if fetched.status != 200:
        report.add("jwks", "fail", f"the key set at {jwks_uri} answered HTTP {fetched.status}")
        return
    try:
        data = json.loads(fetched.body.removeprefix(UTF8_BOM))
        keys = [k for k in jwt.PyJWKSet.from_dict(data).keys if k.public_key_use in (None, "sig")]
    except (ValueError, UnicodeDecodeError, PyJWKSetError, PyJWKError, TypeError, AttributeError):
        report.add("jwks", "fail", "the key set holds no usable key")
        return
    usable = [k for k in keys if not algs or k.algorithm_name in algs or not k.Algorithm]
    weak = [k.key_id or "(no kid)" for k in usable if (bits := _rsa_bits(k)) is not None and bits < MIN_RSA_BITS]
    if not usable:
        report.add("jwks", "fail", "no signing key for the advertised algorithms")
    elif weak:
        report.add("jwks", "fail", f"RSA keys under {MIN_RSA_BITS} bits: " + ", ".join(weak))
    else:
        report.certificate_valid = True
        report.add("jwks", "pass", f"{len(usable)} signing key(s): " + ", ".join(_key_names(usable)))
    for index, cert in enumerate(_x5c(data)):
        status, reason = certificate_status(cert, now)
        report.add(f"jwks_certificate[{index}]", status, reason)
        if status == "fail":
            report.certificate_valid = False


def _rsa_bits(key: Any) -> int | None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return key.key.key_size if isinstance(key.key, rsa.RSAPublicKey) else None


def _key_names(keys: list[Any]) -> Iterator[str]:
    for key in keys:
        yield f"{key.key_id or '(no kid)'} {key.algorithm_name}"


def _x5c(data: Any) -> list[str]:
    keys = data.get("keys") if isinstance(data, dict) else None
    return [str(k["x5c"][0]) for k in keys or [] if isinstance(k, dict) and isinstance(k.get("x5c"), list) and k["x5c"]]


# --- both ----------------------------------------------------------------------------


def _check_clock(report: Report, fetched: Fetched, now: datetime) -> None:
    header = fetched.headers.get("date")
    try:
        theirs = parsedate_to_datetime(header) if header else None
    except (TypeError, ValueError):
        theirs = None
    if theirs is None or theirs.tzinfo is None:
        report.add("clock", "warn", "the IdP sent no usable Date header; its clock could not be compared")
        return
    skew = (theirs - now).total_seconds()
    text = f"the IdP's clock is {abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} ours"
    if abs(skew) >= CLOCK_FAIL_SECONDS:
        report.add("clock", "fail", text + "; sign-ins will fail their validity windows")
    elif abs(skew) >= CLOCK_WARN_SECONDS:
        report.add("clock", "warn", text)
    else:
        report.add("clock", "pass", f"within {CLOCK_WARN_SECONDS} s of ours")
