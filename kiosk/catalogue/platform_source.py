"""The platform client (kiosk.platform.client) as a :class:`CatalogueSource`.

The client already checks the platform's signature; the document and signature are handed on
unchanged so the store verifies them again (``journeys.catalogue_public_key`` = the platform's
signing key) when it reloads the cached copy at the next start.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from kiosk.catalogue.store import SignedDocument

if TYPE_CHECKING:
    from kiosk.platform.client import PlatformClient


class CatalogueRejected(OSError):
    """The platform answered, but with something the kiosk must not use (bad signature,
    malformed answer). An OSError so the store keeps its catalogue and reports the refresh."""


class PlatformCatalogueSource:
    def __init__(self, client: PlatformClient) -> None:
        self.client = client

    def fetch(self, etag: str | None) -> tuple[SignedDocument | None, str | None]:
        from kiosk.platform.errors import FailureKind

        result = self.client.get_catalogue(etag)
        if not result.ok or result.value is None:
            err = result.error
            if err is not None and err.kind is FailureKind.TIMEOUT:
                raise TimeoutError(err.error_code)
            if err is not None and err.kind in (FailureKind.SIGNATURE, FailureKind.PROTOCOL):
                raise CatalogueRejected(f"{err.error_code} {err.kind}")
            raise ConnectionError(err.error_code if err is not None else "no answer")
        fetched = result.value
        if fetched.not_modified:
            return None, fetched.etag or etag
        if fetched.document_bytes is None:
            raise CatalogueRejected("catalogue answer without a document")
        try:
            signature = base64.b64decode(fetched.signature or "", validate=True) or None
        except (binascii.Error, ValueError):
            raise CatalogueRejected("catalogue signature is not base64") from None
        return SignedDocument(fetched.document_bytes, signature), fetched.etag
