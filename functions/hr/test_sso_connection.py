"""testSSOConnection: checks an identity provider's SAML metadata or OIDC discovery (documented function 24).

Role: admins and org admins. Give exactly one of `domain` (okta and onelogin:
their host, whose OIDC discovery document is read; azure: the tenant id or
domain, whose SAML federation metadata is read; google: Google's discovery
document), `metadata_url` (SAML) or `discovery_url` (OIDC). The answer lists
each check as pass, warn or fail with its reason; `success` is true when none
failed. An IdP that cannot be reached is a failed `fetch` check, not an error:
testing it is the point. URLs are fetched by `shared.safe_fetch`: private and
loopback addresses are refused (400), also after redirects.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from functions.hr import sso
from functions.hr.models import TestSSOConnectionRequest
from functions.hr.responses import TestSSOConnectionResponse
from shared import safe_fetch
from shared.auth import Caller, Role
from shared.errors import InvalidInputError
from shared.router import Deploy, endpoint

# What a provider's `domain` leads to: the protocol and the document's URL.
DOMAIN_DOCUMENTS = {
    "okta": ("oidc", "https://{domain}/.well-known/openid-configuration"),
    "onelogin": ("oidc", "https://{domain}/oidc/2/.well-known/openid-configuration"),
    "azure": ("saml", "https://login.microsoftonline.com/{domain}/FederationMetadata/2007-06/FederationMetadata.xml"),
    # One discovery document serves every Google Workspace domain.
    "google": ("oidc", "https://accounts.google.com/.well-known/openid-configuration"),
}
ACCEPT = {"saml": "application/samlmetadata+xml, application/xml, text/xml", "oidc": "application/json"}


@endpoint(
    "testSSOConnection",
    request=TestSSOConnectionRequest,
    response=TestSSOConnectionResponse,
    roles=(Role.ADMIN, Role.ORG_ADMIN),
    rate=("functions", "testSSOConnection"),
    read_only=True,
    deploy=Deploy(timeout="60s"),
    errors=(InvalidInputError,),
)
def test_sso_connection(body: TestSSOConnectionRequest, caller: Caller) -> dict[str, Any]:
    protocol, url = _document(body)
    now = datetime.now(UTC)
    try:
        fetched = safe_fetch.fetch(url, accept=ACCEPT[protocol])
    except safe_fetch.FetchError as exc:
        report = sso.Report()
        report.add("fetch", "fail", f"{url}: {exc.reason}")
    else:
        if fetched.status != 200:
            report = sso.Report()
            report.add("fetch", "fail", f"{url} answered HTTP {fetched.status}")
        elif protocol == "saml":
            report = sso.check_saml(fetched, now)
        else:
            report = sso.check_oidc(fetched, url, now, lambda jwks: safe_fetch.fetch(jwks, accept="application/json"))
    return {
        "success": report.success,
        "provider": body.sso_provider,
        "protocol": protocol,
        "metadata_url": url,
        "entity_id": report.entity_id,
        "sso_url": report.sso_url,
        "certificate_valid": report.certificate_valid,
        "checks": [{"name": c.name, "status": c.status, "reason": c.reason} for c in report.checks],
    }


def _document(body: TestSSOConnectionRequest) -> tuple[str, str]:
    if body.metadata_url is not None:
        safe_fetch.check_url(body.metadata_url)
        return "saml", body.metadata_url
    if body.discovery_url is not None:
        safe_fetch.check_url(body.discovery_url)
        return "oidc", body.discovery_url
    if body.sso_provider not in DOMAIN_DOCUMENTS:
        raise InvalidInputError(
            f"For {body.sso_provider}, give the metadata_url or discovery_url",
            details={"fields": [{"field": "domain", "type": "needs_document_url"}]},
        )
    protocol, template = DOMAIN_DOCUMENTS[body.sso_provider]
    return protocol, template.format(domain=body.domain)
