"""The kiosk's HTTP client for every endpoint of the platform contract (platform_server/openapi.yaml).

Runs on worker threads only (it blocks). Every request is signed with the terminal's Ed25519 key;
TLS verification is always on (an extra CA bundle may be configured, never ``verify=False``);
connect/read timeouts come from config. Results are :class:`Result` values; receipts and
catalogues are verified against the platform's pinned public key before they are returned.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from requests.structures import CaseInsensitiveDict

from kiosk.platform import codes, crypto
from kiosk.platform.errors import FailureKind, PlatformError, Result, http_error
from kiosk.platform.keys import PlatformPublicKeys

T = TypeVar("T")
# A last chunk this small rides with the one before: a 4 MiB scan sealed is 4 MiB + 28 bytes,
# which would otherwise cost a second request for 28 bytes.
TAIL_SLACK_BYTES = 64 * 1024


class TerminalAuth(requests.auth.AuthBase):
    """Signs a prepared request: method, raw path+query, timestamp, nonce, body hash."""

    def __init__(self, terminal_id: str, key: Ed25519PrivateKey, offer_key: bool = False) -> None:
        self.terminal_id = terminal_id
        self.key = key
        self.public_b64 = crypto.b64e(crypto.public_bytes(key))
        self.offer_key = offer_key
        self._known = threading.local()

    def known_digest(self, body: bytes, sha256_hex: str) -> None:
        """The caller already hashed ``body`` (an attachment is named by its SHA-256): the next
        request on this thread whose body is this very object signs with that digest instead
        of hashing 1 MB again."""
        self._known.entry = (body, sha256_hex)

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        body = r.body or b""
        if isinstance(body, str):
            body = body.encode()
        known = getattr(self._known, "entry", None)
        self._known.entry = None
        ts = str(int(time.time()))
        nonce = uuid.uuid4().hex
        digest = known[1] if known is not None and known[0] is body else None
        msg = crypto.request_string_to_sign(r.method or "GET", r.path_url, ts, nonce, body,
                                            body_sha256=digest)
        r.headers["X-Terminal-Id"] = self.terminal_id
        r.headers["X-Timestamp"] = ts
        r.headers["X-Nonce"] = nonce
        r.headers["X-Signature"] = crypto.sign(self.key, msg)
        if self.offer_key:
            r.headers["X-Terminal-Key"] = self.public_b64
        return r


@dataclass(frozen=True)
class Timeouts:
    connect_s: float = 3.0
    read_s: float = 10.0
    upload_s: float = 60.0


@dataclass(frozen=True)
class Receipt:
    case_number: str
    application_id: str
    payload_sha256: str
    received_at: str
    key_id: str
    signature: str
    raw: dict[str, Any]


@dataclass(frozen=True)
class CatalogueFetch:
    not_modified: bool
    etag: str | None = None
    version: str | None = None
    document: dict[str, Any] | None = None
    document_bytes: bytes | None = None
    signature: str | None = None


@dataclass(frozen=True)
class AttachmentState:
    sha256: str
    received: int
    total: int
    complete: bool


class PlatformConfigError(ValueError):
    """The client cannot be built safely (plain http to a remote host, bad keys)."""


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class PlatformClient:
    def __init__(self, base_url: str, terminal_id: str, terminal_key: Ed25519PrivateKey,
                 platform_keys: PlatformPublicKeys, timeouts: Timeouts = Timeouts(), *,
                 ca_bundle: str | None = None, offer_terminal_key: bool = False,
                 insecure_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("https", "http"):
            raise PlatformConfigError(f"platform base_url must be https://…, got {base_url!r}")
        if parts.scheme == "http" and parts.hostname not in insecure_hosts:
            raise PlatformConfigError("plain http is only allowed to the local reference "
                                      f"platform; use https for {parts.hostname}")
        self.base_url = base_url.rstrip("/")
        self.terminal_id = terminal_id
        self.platform_keys = platform_keys
        self._signing_pub = crypto.load_verify_key(platform_keys.signing)
        self.timeouts = timeouts
        self.session = requests.Session()
        # Always verify: either the system store or the configured bundle, never False.
        self.session.verify = ca_bundle if ca_bundle else True
        self.session.trust_env = False  # no proxy/netrc surprises from the environment
        self.session.auth = TerminalAuth(terminal_id, terminal_key, offer_terminal_key)
        self.session.headers["User-Agent"] = "gov-kiosk"
        self._clone_args = (base_url, terminal_id, terminal_key, platform_keys, timeouts,
                            ca_bundle, offer_terminal_key, insecure_hosts)

    def clone(self) -> PlatformClient:
        """The same terminal and settings on a session of its own (its own connections), for
        a second thread: a ``requests.Session`` is not meant to be shared between threads."""
        (base_url, terminal_id, key, platform_keys, timeouts, ca_bundle, offer,
         insecure) = self._clone_args
        return PlatformClient(base_url, terminal_id, key, platform_keys, timeouts,
                              ca_bundle=ca_bundle, offer_terminal_key=offer,
                              insecure_hosts=insecure)

    def close(self) -> None:
        self.session.close()

    # -- transport ------------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, json_body: Any = None, data: bytes | None = None,
                 params: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
                 read_timeout: float | None = None) -> Result[requests.Response]:
        hdrs = dict(headers or {})
        body = data
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False, separators=(",", ":")).encode()
            hdrs["Content-Type"] = "application/json"
        elif data is not None:
            hdrs.setdefault("Content-Type", "application/octet-stream")
        try:
            resp = self._send(method, path, body, params, hdrs,
                              read_timeout or self.timeouts.read_s)
        except requests.Timeout as e:
            return Result.failure(PlatformError(FailureKind.TIMEOUT, codes.TIMEOUT.code,
                                                message=type(e).__name__))
        except requests.RequestException as e:
            return Result.failure(PlatformError(FailureKind.NETWORK, codes.NETWORK.code,
                                                message=type(e).__name__))
        return Result.success(resp)

    def _send(self, method: str, path: str, body: bytes | None, params: dict[str, Any] | None,
              headers: dict[str, str], read_timeout: float) -> requests.Response:
        """What ``Session.request`` does for this session, without its per-request merging of
        settings this client never varies (about a tenth of a small request's client CPU): the
        session's headers under the request's, the session's auth (the request signature),
        cookies and hooks; verification as configured (never off), no proxies (``trust_env``
        is off: only the session's own), no redirects followed."""
        s = self.session
        merged = CaseInsensitiveDict(s.headers)
        merged.update(headers)
        prepared = requests.PreparedRequest()
        prepared.prepare(method=method, url=self.base_url + path, headers=merged, data=body,
                         params=params, auth=s.auth, cookies=s.cookies, hooks=s.hooks)
        return s.send(prepared, timeout=(self.timeouts.connect_s, read_timeout),
                      allow_redirects=False, stream=False, verify=s.verify, cert=s.cert,
                      proxies=s.proxies)

    @staticmethod
    def _error_from(resp: requests.Response) -> PlatformError:
        code, message = None, ""
        try:
            doc = resp.json()
            err = doc.get("error") if isinstance(doc, dict) else None
            if isinstance(err, dict):
                code = str(err.get("code")) if err.get("code") is not None else None
                message = str(err.get("message", ""))[:200]
        except ValueError:
            message = "non-JSON error body"
        return http_error(resp.status_code, code, message,
                          _retry_after(resp.headers.get("Retry-After")))

    @staticmethod
    def _protocol(message: str) -> PlatformError:
        return PlatformError(FailureKind.PROTOCOL, codes.PROTOCOL.code, message=message)

    def _json(self, method: str, path: str, ok: tuple[int, ...] = (200,),
              parse: Callable[[Any], T] | None = None, **kw: Any) -> Result[T]:
        r = self._request(method, path, **kw)
        if r.error is not None:
            return Result.failure(r.error)
        resp = r.unwrap()
        if resp.status_code not in ok:
            return Result.failure(self._error_from(resp))
        try:
            doc = resp.json()
        except ValueError:
            return Result.failure(self._protocol("answer is not JSON"))
        if not isinstance(doc, dict):
            return Result.failure(self._protocol("answer is not a JSON object"))
        if parse is None:
            return Result.success(doc)  # type: ignore[arg-type]
        try:
            return Result.success(parse(doc))
        except (KeyError, TypeError, ValueError) as e:
            return Result.failure(self._protocol(f"answer has the wrong shape: {type(e).__name__}"))

    # -- endpoints ------------------------------------------------------------------------------

    def health(self) -> Result[dict[str, Any]]:
        return self._json("GET", "/v1/health")

    def get_catalogue(self, etag: str | None = None) -> Result[CatalogueFetch]:
        headers = {"If-None-Match": etag} if etag else {}
        r = self._request("GET", "/v1/catalogue", headers=headers)
        if r.error is not None:
            return Result.failure(r.error)
        resp = r.unwrap()
        if resp.status_code == 304:
            return Result.success(CatalogueFetch(not_modified=True, etag=etag))
        if resp.status_code != 200:
            return Result.failure(self._error_from(resp))
        try:
            doc = resp.json()
            raw = crypto.b64d(str(doc["document_b64"]))
            signature = str(doc["signature"])
        except (ValueError, KeyError, TypeError, crypto.CryptoError):
            return Result.failure(self._protocol("catalogue answer malformed"))
        return self.verify_catalogue(raw, signature, resp.headers.get("ETag") or doc.get("etag"))

    def verify_catalogue(self, raw: bytes, signature: str, etag: str | None
                         ) -> Result[CatalogueFetch]:
        try:
            crypto.verify(self._signing_pub, raw, signature)
        except crypto.CryptoError:
            return Result.failure(PlatformError(FailureKind.SIGNATURE, codes.SIGNATURE.code,
                                                message="catalogue signature"))
        try:
            document = json.loads(raw)
        except ValueError:
            return Result.failure(self._protocol("catalogue is not JSON"))
        if not isinstance(document, dict) or "version" not in document:
            return Result.failure(self._protocol("catalogue lacks a version"))
        return Result.success(CatalogueFetch(False, etag, str(document["version"]), document, raw,
                                             signature))

    def attachment_status(self, sha256: str) -> Result[AttachmentState | None]:
        r = self._request("GET", f"/v1/attachments/{sha256}")
        if r.error is not None:
            return Result.failure(r.error)
        resp = r.unwrap()
        if resp.status_code == 404:
            return Result.success(None)
        if resp.status_code != 200:
            return Result.failure(self._error_from(resp))
        try:
            d = resp.json()
            return Result.success(AttachmentState(str(d["sha256"]), int(d["received"]),
                                                  int(d["total"]), bool(d["complete"])))
        except (ValueError, KeyError, TypeError):
            return Result.failure(self._protocol("attachment status malformed"))

    def put_attachment_part(self, sha256: str, offset: int, total: int, part: bytes,
                            name_is_hash_of_part: bool = False) -> Result[AttachmentState]:
        """``name_is_hash_of_part``: the caller computed ``sha256`` from these very bytes (the
        whole attachment), so the request signature reuses it instead of hashing again. Never
        set it for a name taken on trust: the platform must see a wrong name as a hash
        mismatch, not as a bad signature."""
        auth = self.session.auth
        if name_is_hash_of_part and offset == 0 and len(part) == total and \
                isinstance(auth, TerminalAuth):
            auth.known_digest(part, sha256)

        def parse(d: Any) -> AttachmentState:
            return AttachmentState(str(d["sha256"]), int(d["received"]), int(d["total"]),
                                   bool(d["complete"]))
        return self._json("PUT", f"/v1/attachments/{sha256}", parse=parse, data=part,
                          params={"offset": offset, "total": total},
                          read_timeout=self.timeouts.upload_s)

    def upload_attachment(self, sha256: str, blob: bytes, chunk_bytes: int,
                          should_stop: Callable[[], bool] = lambda: False,
                          ask_first: bool = True, sha256_computed: bool = False
                          ) -> Result[int]:
        """Upload ``blob`` resuming from what the platform already has; returns bytes sent.
        ``sha256_computed``: ``sha256`` was computed from ``blob`` by the caller (not read from
        a record), so signing a whole-blob request may reuse it.

        ``ask_first=False`` (a first attempt) starts at 0 without asking: if the platform has
        parts already it answers OFFSET_MISMATCH with its offset and the upload resumes there."""
        offset = 0
        if ask_first:
            st = self.attachment_status(sha256)
            if st.error is not None:
                return Result.failure(st.error)
            state = st.value
            if state is not None and state.complete:
                return Result.success(0)
            offset = state.received if state is not None and state.total == len(blob) else 0
        sent = 0
        mismatches = 0
        while offset < len(blob):
            if should_stop():
                return Result.failure(PlatformError(FailureKind.NETWORK, codes.NETWORK.code,
                                                    message="stopped"))
            end = offset + chunk_bytes
            if len(blob) - end <= TAIL_SLACK_BYTES:
                end = len(blob)  # no request for a few bytes of tail (AEAD nonce + tag)
            part = blob[offset:end]
            r = self.put_attachment_part(sha256, offset, len(blob), part,
                                         name_is_hash_of_part=sha256_computed)
            if r.error is not None:
                if r.error.code == "OFFSET_MISMATCH" and not mismatches:
                    mismatches += 1
                    st = self.attachment_status(sha256)
                    if st.error is None and st.value is not None:
                        if st.value.complete:
                            break
                        offset = st.value.received
                        continue
                return Result.failure(r.error)
            sent += len(part)
            state = r.unwrap()
            if state.complete:
                break
            if not offset < state.received <= len(blob):
                # A platform that does not advance would loop us forever.
                return Result.failure(self._protocol("upload offset did not advance"))
            offset = state.received
        return Result.success(sent)

    def submit_application(self, application_id: str, manifest: bytes) -> Result[Receipt]:
        """Post the manifest (exact bytes) and verify the signed receipt against them."""
        r = self._request("POST", "/v1/applications", data=manifest,
                          headers={"Content-Type": "application/json",
                                   "Idempotency-Key": application_id},
                          read_timeout=self.timeouts.upload_s)
        if r.error is not None:
            return Result.failure(r.error)
        resp = r.unwrap()
        if resp.status_code not in (200, 201):
            return Result.failure(self._error_from(resp))
        try:
            doc = resp.json()
            receipt = doc["receipt"]
            signature = str(doc["signature"])
            if not isinstance(receipt, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return Result.failure(self._protocol("receipt malformed"))
        return self.verify_receipt(receipt, signature, application_id, crypto.sha256_hex(manifest))

    def verify_receipt(self, receipt: dict[str, Any], signature: str, application_id: str,
                       payload_sha256: str) -> Result[Receipt]:
        try:
            crypto.verify(self._signing_pub, crypto.canonical_json(receipt), signature)
        except crypto.CryptoError:
            return Result.failure(PlatformError(FailureKind.SIGNATURE, codes.SIGNATURE.code,
                                                message="receipt signature"))
        if receipt.get("application_id") != application_id or \
                receipt.get("payload_sha256") != payload_sha256:
            return Result.failure(PlatformError(FailureKind.SIGNATURE, codes.SIGNATURE.code,
                                                message="receipt is for other content"))
        try:
            return Result.success(Receipt(str(receipt["case_number"]), application_id,
                                          payload_sha256, str(receipt["received_at"]),
                                          str(receipt["key_id"]), signature, dict(receipt)))
        except KeyError:
            return Result.failure(self._protocol("receipt lacks fields"))

    def case_by_number(self, case_number: str) -> Result[dict[str, Any]]:
        return self._json("GET", f"/v1/cases/{quote(case_number, safe='')}")

    def cases_by_id_number(self, id_number: str) -> Result[list[dict[str, Any]]]:
        return self._json("POST", "/v1/cases/search", json_body={"id_number": id_number},
                          parse=lambda d: list(d["cases"]))

    def certificate(self, kind: str, id_number: str, from_period: str | None = None,
                    to_period: str | None = None) -> Result[dict[str, Any]]:
        body: dict[str, Any] = {"kind": kind, "id_number": id_number}
        if from_period:
            body["from_period"] = from_period
        if to_period:
            body["to_period"] = to_period
        return self._json("POST", "/v1/certificates/query", json_body=body)

    def licences(self, id_number: str) -> Result[list[dict[str, Any]]]:
        return self._json("POST", "/v1/licences/query", json_body={"id_number": id_number},
                          parse=lambda d: list(d["licences"]))

    def verify_face(self, id_number: str, jpeg: bytes) -> Result[dict[str, Any]]:
        return self._json("POST", "/v1/face/verify",
                          json_body={"id_number": id_number, "image_jpeg_b64": crypto.b64e(jpeg)},
                          read_timeout=self.timeouts.upload_s)

    def halls(self, region_code: str | None = None) -> Result[list[dict[str, Any]]]:
        params = {"region_code": region_code} if region_code else None
        return self._json("GET", "/v1/appointments/halls", params=params,
                          parse=lambda d: list(d["halls"]))

    def slots(self, hall_id: str, date: str | None = None) -> Result[list[dict[str, Any]]]:
        params = {"hall_id": hall_id}
        if date:
            params["date"] = date
        return self._json("GET", "/v1/appointments/slots", params=params,
                          parse=lambda d: list(d["slots"]))

    def book(self, slot_id: str, id_number: str, item_id: str, idempotency_key: str
             ) -> Result[dict[str, Any]]:
        return self._json("POST", "/v1/appointments", ok=(200, 201),
                          json_body={"slot_id": slot_id, "id_number": id_number,
                                     "item_id": item_id},
                          headers={"Idempotency-Key": idempotency_key})

    def heartbeat(self, report: dict[str, Any]) -> Result[dict[str, Any]]:
        return self._json("POST", "/v1/terminals/heartbeat", json_body=report)
