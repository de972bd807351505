"""The reference platform: a FastAPI application implementing platform_server/openapi.yaml.

Every operation but the health check is a signed request: an ``async`` route reads the body,
then :func:`create_app`'s ``signed`` runs authentication and the operation's handler in one
worker-thread hop on one pooled database connection. Query parameters are read after
authentication, so an unsigned request is refused (401) before anything else is looked at.

The request's nonce is committed before any answer goes out: with the handler's own writes in
one transaction (attachments, applications: their statements run on the DBAPI connection, see
:class:`Signed`), before an ORM handler opens its session, or on its own after a handler that
wrote nothing or failed. A replay racing its twin is refused when its nonce does not insert, and
whatever its handler did is rolled back with it.

No ``from __future__ import annotations`` here: FastAPI inspects the route signatures.
"""


import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import yaml
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Route

from kiosk.platform import crypto
from platform_server import demo_data
from platform_server.auth import Authenticated, NonceLedger, authenticate
from platform_server.db import (
    Application,
    Attachment,
    Booking,
    Case,
    CertificateRow,
    Hall,
    Licence,
    Person,
    Raw,
    RawConnection,
    Slot,
    Terminal,
    make_engine,
    make_sessionmaker,
)
from platform_server.errors import ApiError
from platform_server.keys import PlatformKeys, load_or_create
from platform_server.models import (
    SHA256,
    BookingRequest,
    CertificateQuery,
    FaceVerify,
    Heartbeat,
    IdQuery,
    Submission,
)
from platform_server.settings import ServerSettings

T = TypeVar("T")
_INTEGER = re.compile(r"-?[0-9]{1,15}")
CONTRACT_PATH = Path(__file__).with_name("openapi.yaml")
MAX_ATTACHMENT = 20_000_000
RECENT_ATTACHMENT_BYTES = 64 << 20  # completed attachments kept in memory for their manifest
FACE_THRESHOLD = 0.80
BUILTIN_CATALOGUE: dict[str, Any] = {
    "version": "builtin-1",
    "items": [{"id": "shebao_jiaofei_zhengming", "title": "社会保险个人参保缴费证明",
               "kind": "print"}],
}


class _Statements:
    """The attachment and application endpoints' statements, compiled once for the dialect
    (run on the DBAPI connection: no Core execution context or ORM bookkeeping per request)."""

    def __init__(self, engine: Any) -> None:
        d = engine.dialect
        sha = Attachment.sha256 == bindparam("sha")
        self.application_by_id = Raw(select(
            Application.request_sha256, Application.receipt_json,
            Application.receipt_signature).where(
            Application.application_id == bindparam("aid")), d)
        self.attachment_state = Raw(select(Attachment.total, Attachment.received,
                                           Attachment.complete).where(sha), d)
        self.attachment_data = Raw(select(Attachment.data).where(sha), d)
        self.new_attachment = Raw(insert(Attachment).values(
            sha256=bindparam("sha"), total=bindparam("total"), received=bindparam("received"),
            data=bindparam("data"), complete=bindparam("complete")), d)
        # A part extends what was received; the condition keeps a concurrent part from
        # overwriting it (0 rows: that part won).
        self.extend_attachment = Raw(update(Attachment).where(
            sha, Attachment.received == bindparam("old")).values(
            received=bindparam("received"), data=bindparam("data"),
            complete=bindparam("complete")), d)
        self.drop_attachment = Raw(delete(Attachment).where(sha), d)
        self.new_application = Raw(insert(Application).values(
            application_id=bindparam("application_id"),
            request_sha256=bindparam("request_sha256"), terminal_id=bindparam("terminal_id"),
            item_id=bindparam("item_id"), case_number=bindparam("case_number"),
            receipt_json=bindparam("receipt_json"),
            receipt_signature=bindparam("receipt_signature"), id_number=bindparam("id_number"),
            payload_json=bindparam("payload_json"), received_at=bindparam("received_at")), d)
        self.new_case = Raw(insert(Case).values(
            {c.key: bindparam(c.key) for c in Case.__table__.columns}), d)


class RecentAttachments:
    """Attachments completed lately, kept in memory (bounded, the oldest dropped first) for the
    manifest that usually follows at once: it opens each of its attachments with the
    application's key, and reading a 1 MB blob back out of SQLite (its overflow pages, from the
    WAL) cost that request more than the check itself. Only complete bytes that matched their
    SHA-256 name go in (the row's content); a manifest takes them out, a miss reads the row."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0

    def add(self, sha256: str, data: bytes) -> None:
        if len(data) > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(sha256, None)
            self._bytes += len(data) - (len(old) if old is not None else 0)
            self._items[sha256] = data
            while self._bytes > self.max_bytes:
                _sha, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)

    def take(self, sha256: str) -> bytes | None:
        with self._lock:
            data = self._items.pop(sha256, None)
            if data is not None:
                self._bytes -= len(data)
            return data


class Signed:
    """An authenticated request as an operation's handler sees it.

    ``db``: the request's pooled DBAPI connection. A handler writing through it calls
    :meth:`begin_write` before its first write (the nonce goes first into its transaction: a
    replay fails there, before anything of its own is written) and :meth:`commit`; its effects
    and the nonce then commit together. ``session``: an ORM session for the other handlers; the
    nonce is committed before it opens (their commits are their own)."""

    _PENDING, _WRITTEN, _COMMITTED = 0, 1, 2

    def __init__(self, db: RawConnection, auth: Authenticated, body: bytes, request: Request,
                 ledger: NonceLedger, sessions: Callable[[], Session]) -> None:
        self.db = db
        self.auth = auth
        self.terminal_id = auth.terminal_id
        self.body = body
        self.body_sha256 = auth.body_sha256  # of ``body``, computed once by authentication
        self.request = request
        self._ledger = ledger
        self._sessions = sessions
        self._session: Session | None = None
        self._nonce = self._PENDING

    @property
    def session(self) -> Session:
        if self._session is None:
            self.record_nonce()
            self.db.close()  # one pooled connection per request: the session's
            self._session = self._sessions()
        return self._session

    def begin_write(self) -> None:
        """Before the handler's first write on ``db``: the nonce, in the same transaction."""
        if self._nonce == self._PENDING:
            self._ledger.insert(self.db, self.auth)  # a replay: rolled back, AUTH_REPLAY
            self._nonce = self._WRITTEN

    def commit(self) -> None:
        self.begin_write()
        self.db.commit()
        self._nonce = self._COMMITTED

    def rollback(self) -> None:
        """Undo the handler's open writes (and the nonce, if not committed yet: it is
        recorded again before the answer)."""
        self.db.rollback()
        if self._nonce == self._WRITTEN:
            self._nonce = self._PENDING

    def record_nonce(self) -> None:
        """The nonce committed now (with whatever is open on ``db``) unless it is already."""
        if self._nonce != self._COMMITTED:
            self.commit()

    def abandon(self) -> None:
        """The handler failed: nothing of it stays open, its nonce is committed all the same
        (a failed request is not replayable either)."""
        if self._nonce != self._COMMITTED:
            self.rollback()
            self.commit()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


def _int_param(request: Request, name: str) -> int:
    value = request.query_params.get(name)
    if value is None or not _INTEGER.fullmatch(value):
        raise ApiError(422, "VALIDATION_FAILED", f"query parameter {name} must be an integer",
                       details={"problems": 1})
    return int(value)


def load_contract() -> dict[str, Any]:
    with CONTRACT_PATH.open(encoding="utf-8") as f:
        doc: dict[str, Any] = yaml.safe_load(f)
    return doc


class Catalogue:
    """The served catalogue: whatever JSON object lives at the path, re-read when it changes."""

    def __init__(self, path: Path, keys: PlatformKeys) -> None:
        self.path = path
        self.keys = keys
        self._lock = threading.Lock()
        self._stamp: tuple[float, int] | None = None
        self._cached: dict[str, Any] | None = None

    def current(self) -> dict[str, Any]:
        with self._lock:
            stamp = None
            try:
                st = self.path.stat()
                stamp = (st.st_mtime, st.st_size)
            except OSError:
                pass
            if self._cached is None or stamp != self._stamp:
                self._cached = self._build(stamp is not None)
                self._stamp = stamp
            return self._cached

    def _build(self, exists: bool) -> dict[str, Any]:
        doc: Any = BUILTIN_CATALOGUE
        if exists:
            try:
                doc = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                doc = BUILTIN_CATALOGUE
        if not isinstance(doc, dict) or "version" not in doc:
            doc = BUILTIN_CATALOGUE
        raw = crypto.canonical_json(doc)
        etag = '"' + crypto.sha256_hex(raw)[:32] + '"'
        return {"version": str(doc["version"]), "etag": etag,
                "document_b64": crypto.b64e(raw), "document_sha256": crypto.sha256_hex(raw),
                "signature": crypto.sign(self.keys.signing, raw),
                "key_id": self.keys.signing_key_id}


def _error_response(err: ApiError) -> JSONResponse:
    return JSONResponse(err.body(), status_code=err.status, headers=err.headers)


def _parse(model: type[BaseModel], body: bytes) -> Any:
    try:
        return model.model_validate_json(body)
    except ValidationError as e:
        problems = [{"loc": ".".join(str(p) for p in x["loc"]), "msg": x["msg"]}
                    for x in e.errors(include_url=False, include_input=False)][:20]
        raise ApiError(422, "VALIDATION_FAILED", "request body does not match the contract",
                       details={"problems": problems}) from None


def _mask_id(id_number: str) -> str:
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def _case_view(case: Case) -> dict[str, Any]:
    return {"case_number": case.case_number, "item_id": case.item_id,
            "item_title": case.item_title, "status": case.status,
            "department": case.department, "applicant_id_masked": _mask_id(case.id_number),
            "submitted_at": case.submitted_at.isoformat(timespec="seconds"),
            "updated_at": case.updated_at.isoformat(timespec="seconds"),
            "history": list(case.history or [])}


def _is_jpeg(data: bytes) -> bool:
    return len(data) >= 4 and data[:3] == b"\xff\xd8\xff" and data.rstrip(b"\x00")[-2:] == b"\xff\xd9"


def face_rule(known: bool, image: bytes, id_number: str) -> tuple[bool, float]:
    """The reference rule (documented in the contract): the ID must be in the photo register and
    the capture a JPEG of at least 1 KiB; a JPEG comment segment containing ``NOMATCH`` forces a
    non-match (simulators use it). The score is a stable function of the ID and the image."""
    if not known or len(image) < 1024 or not _is_jpeg(image) or b"NOMATCH" in image[:4096]:
        return False, 0.12
    h = hashlib.sha256(id_number.encode() + image).digest()
    return True, round(0.86 + (h[0] / 255) * 0.13, 3)


def create_app(settings: ServerSettings) -> FastAPI:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    keys = load_or_create(settings.data_dir)
    engine = make_engine(settings.db_url)
    Sessions = make_sessionmaker(engine)
    with Sessions() as s:
        demo_data.seed(s)
        for tid, pub in settings.terminals.items():
            if s.get(Terminal, tid) is None:
                s.add(Terminal(terminal_id=tid, public_key=pub))
        s.commit()
    catalogue = Catalogue(settings.catalogue_path, keys)
    recent = RecentAttachments(RECENT_ATTACHMENT_BYTES)
    ledger = NonceLedger(engine.dialect, settings.auth_window_s)
    sql = _Statements(engine)
    contract = load_contract()
    app = FastAPI(title="Kiosk platform (reference)", docs_url=None, redoc_url=None)
    app.openapi = lambda: contract  # type: ignore[method-assign]
    app.state.keys = keys
    app.state.engine = engine
    app.state.sessions = Sessions
    app.state.settings = settings
    app.state.recent_attachments = recent

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error_response(ApiError(422, "VALIDATION_FAILED", "request does not match the "
                                        "contract", details={"problems": len(exc.errors())}))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "HTTP_ERROR")
        return _error_response(ApiError(exc.status_code, code, str(exc.detail)))

    async def read_body(request: Request) -> bytes:
        try:
            return await request.body()
        except ClientDisconnect:  # the kiosk went away mid-request (crash tests do this)
            raise ApiError(400, "CLIENT_DISCONNECTED", "client disconnected") from None

    async def signed(request: Request, handler: Callable[[Signed], T]) -> T:
        """A signed request: its body read on the event loop, then authentication and the
        handler in one worker-thread hop on one pooled connection (FastAPI's per-dependency
        hops cost more than a small request's own work). No answer before the nonce is
        committed (see :class:`Signed`)."""
        body = await read_body(request)
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        query = request.scope.get("query_string") or b""
        path = raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
        headers = {k.lower(): v for k, v in request.headers.items()}

        def work() -> T:
            db = RawConnection(engine)
            r: Signed | None = None
            try:
                auth = authenticate(db, ledger, method=request.method, path_and_query=path,
                                    body=body, headers=headers,
                                    auto_enroll=settings.auto_enroll)
                r = Signed(db, auth, body, request, ledger, Sessions)
                try:
                    result = handler(r)
                except BaseException:
                    r.abandon()
                    raise
                r.record_nonce()
                return result
            finally:
                if r is not None:
                    r.close()
                db.close()
        return await run_in_threadpool(work)

    H = TypeVar("H", bound=Callable[[Signed], Any])

    def signed_route(method: str, path: str) -> Callable[[H], H]:
        """A signed operation as a plain Starlette route: the request is all it takes (the
        contract is served from openapi.yaml), so FastAPI's per-request parameter solving and
        response encoding are left out; a handler's dict is answered as JSON. Only the
        contract's method is served (no implicit HEAD)."""
        def add(handler: H) -> H:
            async def endpoint(request: Request) -> Response:
                result = await signed(request, handler)
                return result if isinstance(result, Response) else JSONResponse(result)
            app.router.add_route(path, endpoint, methods=[method])
            route = app.router.routes[-1]
            assert isinstance(route, Route) and route.methods is not None
            route.methods.discard("HEAD")
            return handler
        return add

    @app.get("/v1/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "time": datetime.now().isoformat(timespec="seconds")}

    signed_route("GET", "/v1/catalogue")(
        lambda r: catalogue_answer(r.request))

    def catalogue_answer(request: Request) -> Response:
        cat = catalogue.current()
        inm = request.headers.get("if-none-match")
        if inm is not None and cat["etag"] in [t.strip() for t in inm.split(",")]:
            return Response(status_code=304, headers={"ETag": cat["etag"]})
        return JSONResponse(cat, headers={"ETag": cat["etag"], "Cache-Control": "no-cache"})

    def _attachment_view(sha256: str, received: int, total: int, complete: Any
                         ) -> dict[str, Any]:
        return {"sha256": sha256, "received": received, "total": total,
                "complete": bool(complete)}

    def _check_sha(sha256: str) -> None:
        if not re.match(SHA256, sha256):
            raise ApiError(422, "VALIDATION_FAILED", "attachment id must be a lowercase sha256")

    signed_route("GET", "/v1/attachments/{sha256}")(
        lambda r: _attachment_status(r, r.request.path_params["sha256"]))

    def _attachment_status(r: Signed, sha256: str) -> dict[str, Any]:
        _check_sha(sha256)
        row = r.db.first(sql.attachment_state, sha=sha256)
        if row is None:
            raise ApiError(404, "ATTACHMENT_UNKNOWN", "no part of this attachment was received")
        total, received, complete = row
        return _attachment_view(sha256, received, total, complete)

    signed_route("PUT", "/v1/attachments/{sha256}")(
        lambda r: _attachment_put(r, r.request.path_params["sha256"]))

    def _attachment_put(r: Signed, sha256: str) -> dict[str, Any]:
        db, body = r.db, r.body
        offset, total = _int_param(r.request, "offset"), _int_param(r.request, "total")
        _check_sha(sha256)
        if total < 1 or total > MAX_ATTACHMENT:
            raise ApiError(413, "ATTACHMENT_TOO_LARGE", f"total must be 1..{MAX_ATTACHMENT}")
        if offset < 0 or offset + len(body) > total:
            raise ApiError(422, "VALIDATION_FAILED", "offset/length outside the declared total")
        row = db.first(sql.attachment_state, sha=sha256)
        received = 0
        if row is not None:
            if row[0] != total:
                raise ApiError(409, "ATTACHMENT_TOTAL_MISMATCH",
                               "total differs from the first part", details={"total": row[0]})
            received = row[1]
            if row[2]:
                return _attachment_view(sha256, received, total, True)
        if offset != received:
            raise ApiError(409, "OFFSET_MISMATCH", "resume from the received offset",
                           details={"received": received})
        # A whole attachment in one part (the usual case) is the body itself, whose SHA-256
        # authentication computed already: no copy, no second hash.
        whole = offset == 0 and len(body) == total
        if whole:
            data = body
        elif row is None:
            data = bytes(body)
        else:
            data = bytes(db.first(sql.attachment_data, sha=sha256)[0]) + body
        complete = len(data) == total
        if complete and (r.body_sha256 if whole else crypto.sha256_hex(data)) != sha256:
            # Drop this part and any before it.
            if row is not None:
                r.begin_write()
                db.run(sql.drop_attachment, sha=sha256)
                r.commit()
            raise ApiError(422, "ATTACHMENT_HASH_MISMATCH", "content does not match its sha256")
        r.begin_write()  # the nonce first: a replay writes nothing
        try:
            if row is None:
                db.run(sql.new_attachment, sha=sha256, total=total, received=len(data),
                       data=data, complete=complete)
            elif db.run(sql.extend_attachment, sha=sha256, old=received, received=len(data),
                        data=data, complete=complete) != 1:
                raise db.integrity_error("a concurrent part was stored first")
            r.commit()
        except db.integrity_error:
            r.rollback()
            raise ApiError(409, "OFFSET_MISMATCH", "concurrent upload; ask for the offset",
                           details={"received": 0}) from None
        if complete:
            recent.add(sha256, data)
        return _attachment_view(sha256, len(data), total, complete)

    @signed_route("POST", "/v1/applications")
    def _submit(r: Signed) -> JSONResponse:
        db, body = r.db, r.body
        key = r.request.headers.get("idempotency-key", "")
        sub: Submission = _parse(Submission, body)
        if key != sub.application_id:
            raise ApiError(422, "IDEMPOTENCY_KEY_MISMATCH",
                           "Idempotency-Key must equal application_id")
        request_sha = r.body_sha256
        existing = db.first(sql.application_by_id, aid=sub.application_id)
        if existing is not None:
            return _replay(existing, request_sha)
        # Each referenced attachment must be complete with the declared size (its bytes were
        # checked against its SHA-256 name when the last part arrived) ...
        missing = []
        for ref in sub.attachments:
            row = db.first(sql.attachment_state, sha=ref.sha256)
            if row is None or not row[2] or row[0] != ref.size:
                missing.append(ref.sha256)
        if missing:
            raise ApiError(409, "ATTACHMENT_INCOMPLETE", "upload the attachments first",
                           details={"missing": missing})
        private = keys.encryption_key_for(sub.envelope.key_id)
        if private is None:
            raise ApiError(422, "ENVELOPE_KEY_UNKNOWN",
                           "sealed to a key this platform does not hold")
        # ... and open with this application's data key under its own name.
        try:
            envelope = sub.envelope.model_dump()
            data_key = crypto.open_data_key(private, sub.application_id, envelope)
            payload = json.loads(crypto.open_payload(data_key, sub.application_id, envelope))
            for ref in sub.attachments:
                data = recent.take(ref.sha256)
                if data is None:
                    data = bytes(db.first(sql.attachment_data, sha=ref.sha256)[0])
                crypto.open_attachment(data_key, sub.application_id, ref.name, data)
        except (crypto.CryptoError, ValueError):
            raise ApiError(422, "ENVELOPE_INVALID",
                           "the envelope does not open with the platform key") from None
        applicant = payload.get("applicant") if isinstance(payload, dict) else None
        id_number = applicant.get("id_number") if isinstance(applicant, dict) else None
        if not isinstance(id_number, str) or len(id_number) != 18:
            raise ApiError(422, "PAYLOAD_INVALID", "payload lacks applicant.id_number")
        now = datetime.now()
        digest = int(crypto.sha256_hex(sub.application_id.encode())[:12], 16) % 10**8
        case_number = f"ZW{now:%Y%m%d}{digest:08d}"
        receipt = {"case_number": case_number, "application_id": sub.application_id,
                   "payload_sha256": request_sha, "received_at": now.isoformat(timespec="seconds"),
                   "key_id": keys.signing_key_id}
        signature = crypto.sign(keys.signing, crypto.canonical_json(receipt))
        receipt_json = json.dumps(receipt, ensure_ascii=False)
        title = str(payload.get("item_title") or sub.item_id)[:200]
        r.begin_write()  # the nonce first: a replay writes nothing
        try:
            db.run(sql.new_application,
                   application_id=sub.application_id, request_sha256=request_sha,
                   terminal_id=r.terminal_id, item_id=sub.item_id, case_number=case_number,
                   receipt_json=receipt_json, receipt_signature=signature, id_number=id_number,
                   payload_json=json.dumps(payload, ensure_ascii=False), received_at=now)
            db.run(sql.new_case,
                   case_number=case_number, id_number=id_number, item_id=sub.item_id,
                   item_title=title, status="已受理", department="政务服务中心",
                   submitted_at=now, updated_at=now,
                   history=[{"time": now.isoformat(timespec="seconds"), "status": "已受理"}])
            r.commit()
        except db.integrity_error:
            r.rollback()
            existing = db.first(sql.application_by_id, aid=sub.application_id)
            if existing is None:
                raise ApiError(409, "CONFLICT", "case number collision; retry") from None
            return _replay(existing, request_sha)
        return _receipt_response(receipt_json, signature, 201)

    def _receipt_response(receipt_json: str, signature: str, status: int) -> JSONResponse:
        return JSONResponse({"receipt": json.loads(receipt_json), "signature": signature},
                            status_code=status)

    def _replay(existing: Any, request_sha: str) -> JSONResponse:
        request_sha256, receipt_json, receipt_signature = existing
        if request_sha256 != request_sha:
            raise ApiError(409, "IDEMPOTENCY_CONFLICT",
                           "this application id was used with different content")
        return _receipt_response(receipt_json, receipt_signature, 200)

    signed_route("GET", "/v1/cases/{case_number}")(
        lambda r: _case_by_number(r.session, r.request.path_params["case_number"]))

    def _case_by_number(session: Session, case_number: str) -> dict[str, Any]:
        case = session.get(Case, case_number[:32])
        if case is None:
            raise ApiError(404, "CASE_NOT_FOUND", "no case with this number")
        return _case_view(case)

    @signed_route("POST", "/v1/cases/search")
    def _case_search(r: Signed) -> dict[str, Any]:
        q: IdQuery = _parse(IdQuery, r.body)
        cases = r.session.scalars(select(Case).where(Case.id_number == q.id_number)
                                  .order_by(Case.submitted_at.desc())).all()
        return {"cases": [_case_view(c) for c in cases]}

    @signed_route("POST", "/v1/certificates/query")
    def _certificates(r: Signed) -> dict[str, Any]:
        session = r.session
        q: CertificateQuery = _parse(CertificateQuery, r.body)
        person = session.get(Person, q.id_number)
        if person is None:
            raise ApiError(404, "PERSON_NOT_FOUND", "no records for this ID number")
        stmt = select(CertificateRow).where(CertificateRow.kind == q.kind,
                                            CertificateRow.id_number == q.id_number)
        if q.from_period:
            stmt = stmt.where(CertificateRow.period >= q.from_period)
        if q.to_period:
            stmt = stmt.where(CertificateRow.period <= q.to_period)
        rows = session.scalars(stmt.order_by(CertificateRow.period)).all()
        if not rows and session.scalar(select(func.count()).select_from(CertificateRow).where(
                CertificateRow.kind == q.kind)) == 0:
            raise ApiError(404, "CERTIFICATE_KIND_UNKNOWN", "no such certificate kind")
        issued = datetime.now()
        verification = crypto.sha256_hex(f"{q.kind}|{q.id_number}|{issued:%Y%m%d}".encode())[:12]
        return {"kind": q.kind, "holder_name": person.name,
                "holder_id_masked": _mask_id(q.id_number),
                "issued_at": issued.isoformat(timespec="seconds"),
                "verification_code": verification.upper(),
                "rows": [{"period": r.period, **r.fields} for r in rows]}

    @signed_route("POST", "/v1/licences/query")
    def _licences(r: Signed) -> dict[str, Any]:
        q: IdQuery = _parse(IdQuery, r.body)
        rows = r.session.scalars(select(Licence).where(Licence.id_number == q.id_number)).all()
        return {"licences": [{"licence_type": x.licence_type, "title": x.title,
                              "number": x.number, "issuer": x.issuer,
                              "valid_from": x.valid_from, "valid_to": x.valid_to,
                              "fields": x.fields} for x in rows]}

    @signed_route("POST", "/v1/face/verify")
    def _face_verify(r: Signed) -> dict[str, Any]:
        q: FaceVerify = _parse(FaceVerify, r.body)
        try:
            image = crypto.b64d(q.image_jpeg_b64)
        except crypto.CryptoError:
            raise ApiError(422, "VALIDATION_FAILED", "image_jpeg_b64 is not base64") from None
        if not _is_jpeg(image):
            raise ApiError(422, "IMAGE_NOT_JPEG", "the capture must be a JPEG image")
        match, score = face_rule(r.session.get(Person, q.id_number) is not None, image,
                                 q.id_number)
        return {"match": match, "score": score, "threshold": FACE_THRESHOLD}

    def _hall_view(h: Hall) -> dict[str, Any]:
        return {"hall_id": h.hall_id, "name": h.name, "address": h.address,
                "region_code": h.region_code}

    def _slot_view(s: Slot) -> dict[str, Any]:
        return {"slot_id": s.slot_id, "hall_id": s.hall_id, "date": s.date, "start": s.start,
                "end": s.end, "remaining": max(0, s.capacity - s.booked)}

    @signed_route("GET", "/v1/appointments/halls")
    def _halls(r: Signed) -> dict[str, Any]:
        region_code = r.request.query_params.get("region_code")
        stmt = select(Hall).order_by(Hall.hall_id)
        if region_code:
            stmt = stmt.where(Hall.region_code.startswith(region_code[:6][:2]))
        return {"halls": [_hall_view(h) for h in r.session.scalars(stmt).all()]}

    @signed_route("GET", "/v1/appointments/slots")
    def _slots(r: Signed) -> dict[str, Any]:
        session = r.session
        hall_id = r.request.query_params.get("hall_id")
        day = r.request.query_params.get("date")
        if hall_id is None:
            raise ApiError(422, "VALIDATION_FAILED", "hall_id is required")
        if session.get(Hall, hall_id[:32]) is None:
            raise ApiError(404, "HALL_NOT_FOUND", "no such hall")
        stmt = select(Slot).where(Slot.hall_id == hall_id)
        if day:
            try:
                date.fromisoformat(day)
            except ValueError:
                raise ApiError(422, "VALIDATION_FAILED", "date must be YYYY-MM-DD") from None
            stmt = stmt.where(Slot.date == day)
        return {"slots": [_slot_view(s) for s in session.scalars(
            stmt.order_by(Slot.date, Slot.start)).all()]}

    @signed_route("POST", "/v1/appointments")
    def _book(r: Signed) -> JSONResponse:
        session, body = r.session, r.body
        key = r.request.headers.get("idempotency-key", "")
        if not re.match(r"^[0-9a-f-]{36}$", key):
            raise ApiError(422, "IDEMPOTENCY_KEY_MISSING", "Idempotency-Key (a UUID) is required")
        q: BookingRequest = _parse(BookingRequest, body)
        request_sha = r.body_sha256
        existing = session.scalar(select(Booking).where(Booking.idempotency_key == key))
        if existing is not None:
            if existing.request_sha256 != request_sha:
                raise ApiError(409, "IDEMPOTENCY_CONFLICT", "key used with different content")
            return JSONResponse(_booking_view(session, existing), status_code=200)
        slot = session.get(Slot, q.slot_id)
        if slot is None:
            raise ApiError(404, "SLOT_NOT_FOUND", "no such slot")
        if slot.booked >= slot.capacity:
            raise ApiError(409, "SLOT_FULL", "this time slot is fully booked")
        slot.booked += 1
        number = "YY" + crypto.sha256_hex(key.encode())[:10].upper()
        b = Booking(booking_number=number, idempotency_key=key, request_sha256=request_sha,
                    slot_id=slot.slot_id, id_number=q.id_number, item_id=q.item_id,
                    created_at=datetime.now())
        session.add(b)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            raise ApiError(409, "IDEMPOTENCY_CONFLICT", "concurrent booking; retry") from None
        return JSONResponse(_booking_view(session, b), status_code=201)

    def _booking_view(session: Session, b: Booking) -> dict[str, Any]:
        slot = session.get(Slot, b.slot_id)
        assert slot is not None
        hall = session.get(Hall, slot.hall_id)
        assert hall is not None
        return {"booking_number": b.booking_number, "slot": _slot_view(slot),
                "hall": _hall_view(hall), "item_id": b.item_id}

    @signed_route("POST", "/v1/terminals/heartbeat")
    def _heartbeat(r: Signed) -> dict[str, Any]:
        session = r.session
        hb: Heartbeat = _parse(Heartbeat, r.body)
        if hb.terminal_id != r.terminal_id:
            raise ApiError(403, "TERMINAL_MISMATCH", "heartbeat terminal id differs from signer")
        term = session.get(Terminal, r.terminal_id)
        if term is not None:
            term.last_heartbeat = hb.model_dump()
            term.last_seen = datetime.now()
            session.commit()
        return {"server_time": datetime.now().isoformat(timespec="seconds"),
                "catalogue_version": catalogue.current()["version"]}

    if settings.admin_enabled:
        _add_admin(app, Sessions)
    return app


def _add_admin(app: FastAPI, Sessions: Any) -> None:
    """Test/demo-only endpoints, left out of the contract."""

    @app.get("/admin/applications", include_in_schema=False)
    def admin_applications() -> dict[str, Any]:
        with Sessions() as s:
            rows = s.scalars(select(Application)).all()
            return {"applications": [{"application_id": r.application_id,
                                      "case_number": r.case_number,
                                      "request_sha256": r.request_sha256,
                                      "item_id": r.item_id} for r in rows]}

    @app.post("/admin/terminals", include_in_schema=False)
    async def admin_terminal(request: Request) -> dict[str, Any]:
        doc = json.loads(await request.body())
        with Sessions() as s:
            t = s.get(Terminal, doc["terminal_id"])
            if t is None:
                s.add(Terminal(terminal_id=doc["terminal_id"], public_key=doc["public_key"]))
            else:
                t.public_key = doc["public_key"]
            s.commit()
        return {"ok": True}
