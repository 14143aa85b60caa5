"""Writes a SAML IdP's metadata as pysaml2 builds it from an IdP configuration.

Runs under its own interpreter (pysaml2 pins an xmlschema the product cannot use):
    python idp_metadata.py CONFIG_JSON  ->  the metadata XML on stdout
CONFIG_JSON: {"entity_id", "cert_file", "key_file", "sso": [[location, binding], ...], "valid_for_hours"?}
"""

import json
import sys

from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor


def main() -> None:
    spec = json.loads(sys.argv[1])
    config = {
        "entityid": spec["entity_id"],
        "name": "Test IdP",
        "key_file": spec["key_file"],
        "cert_file": spec["cert_file"],
        "service": {
            "idp": {
                "endpoints": {"single_sign_on_service": [tuple(pair) for pair in spec["sso"]]},
                "name_id_format": ["urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"],
            }
        },
    }
    if spec.get("valid_for_hours") is not None:
        config["valid_for"] = spec["valid_for_hours"]
    idp = IdPConfig().load(config)
    # Unsigned: signing needs the xmlsec1 binary; the tests sign with python3-saml when they need to.
    sys.stdout.write(str(entity_descriptor(idp)))


if __name__ == "__main__":
    main()
