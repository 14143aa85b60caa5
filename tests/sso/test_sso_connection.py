"""testSSOConnection through HTTP: SAML metadata built by pysaml2, a real OIDC provider, and unsafe URLs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import bearer
from tests.sso.conftest import APP, POST, REDIRECT

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&lol3;"/>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE md [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&xxe;"/>"""


def check(gateway: Any, token: str, **payload: Any) -> Any:
    return gateway.post(f"{APP}/functions/testSSOConnection", json=payload, headers=bearer(token))


def by_name(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in answer["checks"]}


def saml(gateway: Any, token: str, idp: Any, xml: str | bytes) -> dict[str, Any]:
    url = idp.serve("/app/exk1/sso/saml/metadata", xml)
    response = check(gateway, token, sso_provider="okta", metadata_url=url)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_valid_metadata_passes_every_check(gateway, admin_token, idp, make_cert, pysaml2_metadata):
    pair = make_cert(days_left=300)
    answer = saml(gateway, admin_token, idp, pysaml2_metadata(pair))
    assert answer["success"] is True
    assert answer["protocol"] == "saml"
    assert answer["provider"] == "okta"
    assert answer["metadata_url"] == f"{idp.url}/app/exk1/sso/saml/metadata"
    assert answer["entity_id"] == "https://idp.example/saml"
    assert answer["sso_url"] == "https://idp.example/sso/redirect"
    assert answer["certificate_valid"] is True
    checks = by_name(answer)
    assert {c["status"] for c in checks.values()} == {"pass"}, checks
    assert set(checks) >= {
        "xml",
        "entity_id",
        "sso_endpoint",
        "signing_certificate[0]",
        "valid_until",
        "metadata_signature",
        "clock",
    }
    assert "2048-bit RSA key" in checks["signing_certificate[0]"]["reason"]


def test_expired_certificate_fails(gateway, admin_token, idp, make_cert, pysaml2_metadata):
    answer = saml(gateway, admin_token, idp, pysaml2_metadata(make_cert(days_left=-2)))
    assert answer["success"] is False
    assert answer["certificate_valid"] is False
    assert by_name(answer)["signing_certificate[0]"]["status"] == "fail"
    assert "expired" in by_name(answer)["signing_certificate[0]"]["reason"]


def test_certificate_expiring_within_30_days_warns(gateway, admin_token, idp, make_cert, pysaml2_metadata):
    answer = saml(gateway, admin_token, idp, pysaml2_metadata(make_cert(days_left=10)))
    assert answer["success"] is True
    assert answer["certificate_valid"] is True
    assert by_name(answer)["signing_certificate[0]"]["status"] == "warn"


def test_small_key_fails(gateway, admin_token, idp, make_cert, pysaml2_metadata):
    answer = saml(gateway, admin_token, idp, pysaml2_metadata(make_cert(bits=1024)))
    assert by_name(answer)["signing_certificate[0]"]["status"] == "fail"
    assert "1024-bit" in by_name(answer)["signing_certificate[0]"]["reason"]


def test_only_post_binding_fails_the_sso_endpoint(gateway, admin_token, idp, make_cert, pysaml2_metadata):
    xml = pysaml2_metadata(make_cert(), sso=[("https://idp.example/sso/post", POST)])
    answer = saml(gateway, admin_token, idp, xml)
    assert answer["success"] is False
    sso = by_name(answer)["sso_endpoint"]
    assert sso["status"] == "fail"
    assert "HTTP-Redirect" in sso["reason"]
    assert "HTTP-POST" in sso["reason"]


def test_plain_http_location_fails(gateway, admin_token, idp, make_cert, pysaml2_metadata):
    xml = pysaml2_metadata(make_cert(), sso=[("http://idp.example/sso", REDIRECT)])
    answer = saml(gateway, admin_token, idp, xml)
    assert by_name(answer)["sso_endpoint"]["status"] == "fail"
    assert "not https" in by_name(answer)["sso_endpoint"]["reason"]


def test_expired_valid_until_fails(gateway, admin_token, idp, make_cert, pysaml2_metadata):
    answer = saml(gateway, admin_token, idp, pysaml2_metadata(make_cert(), valid_for_hours=-1))
    assert by_name(answer)["valid_until"]["status"] == "fail"
    assert answer["success"] is False


def test_utf8_bom_is_accepted(gateway, admin_token, idp, make_cert, pysaml2_metadata):
    xml = b"\xef\xbb\xbf" + pysaml2_metadata(make_cert()).encode()
    answer = saml(gateway, admin_token, idp, xml)
    assert answer["success"] is True
    assert answer["entity_id"] == "https://idp.example/saml"


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_entity_declarations_are_refused(gateway, admin_token, idp, document):
    answer = saml(gateway, admin_token, idp, document)
    assert answer["success"] is False
    assert answer["entity_id"] is None
    assert by_name(answer)["xml"]["status"] == "fail"
    assert "lollol" not in json.dumps(answer)


def test_signed_metadata_is_verified_and_tampering_caught(gateway, admin_token, idp, make_cert, pysaml2_metadata):
    from onelogin.saml2.metadata import OneLogin_Saml2_Metadata

    pair = make_cert()
    signed = OneLogin_Saml2_Metadata.sign_metadata(pysaml2_metadata(pair), pair.key_pem, pair.cert_pem)
    signed = signed.decode() if isinstance(signed, bytes) else signed
    answer = saml(gateway, admin_token, idp, signed)
    assert by_name(answer)["metadata_signature"]["status"] == "pass"

    tampered = signed.replace("https://idp.example/sso/redirect", "https://attacker.example/sso")
    answer = saml(gateway, admin_token, idp, tampered)
    assert by_name(answer)["metadata_signature"]["status"] == "fail"
    assert answer["success"] is False


def test_signature_by_an_unlisted_certificate_warns(gateway, admin_token, idp, make_cert, pysaml2_metadata):
    from onelogin.saml2.metadata import OneLogin_Saml2_Metadata

    listed, other = make_cert(), make_cert(name="someone-else")
    signed = OneLogin_Saml2_Metadata.sign_metadata(pysaml2_metadata(listed), other.key_pem, other.cert_pem)
    answer = saml(gateway, admin_token, idp, signed)
    assert by_name(answer)["metadata_signature"]["status"] == "warn"


@pytest.mark.parametrize(("offset", "status"), [(120, "warn"), (-900, "fail")])
def test_idp_clock_is_compared_with_ours(gateway, admin_token, idp, make_cert, pysaml2_metadata, offset, status):
    idp.clock_offset_seconds = offset
    answer = saml(gateway, admin_token, idp, pysaml2_metadata(make_cert()))
    assert by_name(answer)["clock"]["status"] == status
    assert ("ahead of" if offset > 0 else "behind") in by_name(answer)["clock"]["reason"]


def test_not_idp_metadata_fails(gateway, admin_token, idp):
    answer = saml(gateway, admin_token, idp, '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"/>')
    assert by_name(answer)["entity_id"]["status"] == "fail"


def test_unreachable_or_missing_document_is_a_failed_fetch(gateway, admin_token, idp):
    response = check(gateway, admin_token, sso_provider="saml", metadata_url=f"{idp.url}/nothing-here")
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["success"] is False
    assert by_name(answer)["fetch"]["status"] == "fail"
    assert "HTTP 404" in by_name(answer)["fetch"]["reason"]


def test_oversized_document_is_not_read_whole(gateway, admin_token, idp):
    url = idp.serve("/huge", b"<x>" + b"a" * (3 * 1024 * 1024) + b"</x>")
    answer = check(gateway, admin_token, sso_provider="saml", metadata_url=url).get_json()
    assert "larger than" in by_name(answer)["fetch"]["reason"]


# --- OpenID Connect ---------------------------------------------------------------


def test_real_oidc_provider_passes(gateway, admin_token, oidc):
    url = f"{oidc.issuer}/.well-known/openid-configuration"
    response = check(gateway, admin_token, sso_provider="oidc", discovery_url=url)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["protocol"] == "oidc"
    assert answer["entity_id"] == oidc.issuer
    assert answer["sso_url"] == f"{oidc.issuer}/auth"
    assert answer["certificate_valid"] is True
    checks = by_name(answer)
    assert {c["status"] for c in checks.values()} == {"pass"}, checks
    assert set(checks) == {"discovery_document", "issuer", "endpoints_https", "jwks", "clock"}
    assert "RS256" in checks["jwks"]["reason"]


def test_untrusted_tls_certificate_is_a_failed_fetch(gateway, admin_token, oidc_server, monkeypatch):
    monkeypatch.setenv("ALLOW_PRIVATE_URLS", "true")  # but the provider's certificate is not trusted
    url = f"{oidc_server.issuer}/.well-known/openid-configuration"
    answer = check(gateway, admin_token, sso_provider="oidc", discovery_url=url).get_json()
    assert by_name(answer)["fetch"]["status"] == "fail"
    assert "TLS" in by_name(answer)["fetch"]["reason"]


def _jwks(make_cert: Any) -> dict[str, Any]:
    import jwt
    from cryptography import x509

    pair = make_cert()
    key = x509.load_pem_x509_certificate(pair.cert_pem.encode()).public_key()
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key))
    return {"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256", "x5c": [pair.der_b64]}]}


def _discovery(issuer: str, base: str) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "jwks_uri": f"{base}/discovery/v2.0/keys",
        "response_types_supported": ["code", "id_token"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }


def test_entra_common_issuer_template_is_understood(gateway, admin_token, idp, make_cert):
    base = f"{idp.url}/common"
    idp.serve("/common/discovery/v2.0/keys", json.dumps(_jwks(make_cert)), content_type="application/json")
    template = f"{idp.url}/{{tenantid}}/v2.0"
    url = idp.serve(
        "/common/v2.0/.well-known/openid-configuration",
        json.dumps(_discovery(template, base)),
        content_type="application/json",
    )
    answer = check(gateway, admin_token, sso_provider="azure", discovery_url=url).get_json()
    checks = by_name(answer)
    assert checks["issuer"]["status"] == "pass"
    assert "template" in checks["issuer"]["reason"]
    assert checks["jwks"]["status"] == "pass"
    assert checks["jwks_certificate[0]"]["status"] == "pass"
    assert checks["endpoints_https"]["status"] == "fail"  # the fake serves plain http


def test_issuer_differing_from_the_url_fails(gateway, admin_token, idp, make_cert):
    idp.serve("/t1/discovery/v2.0/keys", json.dumps(_jwks(make_cert)), content_type="application/json")
    url = idp.serve(
        "/t1/v2.0/.well-known/openid-configuration",
        json.dumps(_discovery("https://login.example/other/v2.0", f"{idp.url}/t1")),
        content_type="application/json",
    )
    answer = check(gateway, admin_token, sso_provider="oidc", discovery_url=url).get_json()
    assert by_name(answer)["issuer"]["status"] == "fail"
    assert answer["success"] is False


def test_empty_key_set_fails(gateway, admin_token, idp):
    idp.serve("/e/discovery/v2.0/keys", json.dumps({"keys": []}), content_type="application/json")
    url = idp.serve(
        "/e/.well-known/openid-configuration",
        json.dumps(_discovery(f"{idp.url}/e", f"{idp.url}/e")),
        content_type="application/json",
    )
    answer = check(gateway, admin_token, sso_provider="oidc", discovery_url=url).get_json()
    assert by_name(answer)["jwks"]["status"] == "fail"
    assert answer["certificate_valid"] is False


# --- what may be fetched, and who may ask ------------------------------------------------


def test_private_addresses_are_refused_without_the_setting(gateway, admin_token, monkeypatch):
    from tests.fakes.sso_idp import FakeIdP

    monkeypatch.delenv("ALLOW_PRIVATE_URLS", raising=False)
    fake = FakeIdP()
    try:
        url = fake.serve("/metadata", "<x/>")
        for target in (url, "http://169.254.169.254/latest/meta-data/", "http://[::1]:9/x", "http://10.1.2.3/m"):
            response = check(gateway, admin_token, sso_provider="saml", metadata_url=target)
            assert response.status_code == 400, target
            assert response.get_json()["code"] == "INVALID_PARAMETERS"
        assert fake.requests == []
    finally:
        fake.close()


def test_a_domain_resolving_to_loopback_is_refused(gateway, admin_token, monkeypatch):
    monkeypatch.delenv("ALLOW_PRIVATE_URLS", raising=False)
    response = check(gateway, admin_token, sso_provider="okta", domain="localhost")
    assert response.status_code == 400
    assert response.get_json()["details"] == {"host": "localhost"}


def test_redirects_are_checked_too(gateway, admin_token, idp):
    url = idp.redirect("/moved", "file:///etc/passwd")
    response = check(gateway, admin_token, sso_provider="saml", metadata_url=url)
    assert response.status_code == 400
    assert "http and https" in response.get_json()["message"]


def test_redirects_are_followed(gateway, admin_token, idp, make_cert, pysaml2_metadata):
    target = idp.serve("/real", pysaml2_metadata(make_cert()))
    url = idp.redirect("/moved", target)
    answer = check(gateway, admin_token, sso_provider="saml", metadata_url=url).get_json()
    assert answer["success"] is True


def test_allowing_private_urls_is_refused_in_production(gateway, admin_token, monkeypatch):
    monkeypatch.setenv("ALLOW_PRIVATE_URLS", "true")
    monkeypatch.setenv("SPARK_ENV", "production")
    response = check(gateway, admin_token, sso_provider="saml", metadata_url="http://127.0.0.1:9/metadata")
    assert response.status_code == 503
    assert response.get_json()["code"] == "CONFIGURATION_ERROR"
    assert "ALLOW_PRIVATE_URLS" in response.get_json()["message"]


@pytest.mark.parametrize(
    "payload",
    [
        {"sso_provider": "saml", "domain": "idp.example"},
        {"sso_provider": "okta", "domain": "a.okta.com", "metadata_url": "https://a.okta.com/m"},
        {"sso_provider": "okta"},
        {"sso_provider": "okta", "domain": "https://a.okta.com/path"},
        {"sso_provider": "ping", "domain": "a.example"},
    ],
)
def test_bad_requests_are_400(gateway, admin_token, payload):
    response = gateway.post(f"{APP}/functions/testSSOConnection", json=payload, headers=bearer(admin_token))
    assert response.status_code == 400


def test_students_may_not_test_sso(gateway, make_user):
    _, token = make_user("student")
    response = check(gateway, token, sso_provider="okta", domain="a.okta.com")
    assert response.status_code == 403


def test_a_key_set_we_may_not_fetch_fails_its_check(gateway, admin_token, idp):
    discovery = _discovery(f"{idp.url}/p", f"{idp.url}/p")
    discovery["jwks_uri"] = "file:///etc/passwd"
    url = idp.serve("/p/.well-known/openid-configuration", json.dumps(discovery), content_type="application/json")
    response = check(gateway, admin_token, sso_provider="oidc", discovery_url=url)
    assert response.status_code == 200
    jwks = by_name(response.get_json())["jwks"]
    assert jwks["status"] == "fail"
    assert "not fetched" in jwks["reason"]
