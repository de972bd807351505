"""What the catalogue and journey screens share: the services on the app, a Qt dispatcher, and
the list-row widget. Not a screen (nothing is registered here).

The composition root may set ``app.journey_gateways = (platform, queue, printer)`` with the real
adapters; until then the journeys run against "not connected" gateways that say so honestly
(the citizen is told the service is unavailable, nothing pretends to succeed).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kiosk.catalogue.history import UsageHistory
from kiosk.catalogue.loader import Catalogue
from kiosk.catalogue.model import Item, LocalText, Theme
from kiosk.catalogue.recommend import Recommendation, recommend
from kiosk.catalogue.regions import province_name
from kiosk.catalogue.service import CatalogueService, open_store
from kiosk.i18n import current_language, tr
from kiosk.journeys.controller import JourneyController
from kiosk.journeys.engine import Event, IdentityRead, JourneyEngine, StepKind
from kiosk.journeys.gateways import GatewayResult, GatewayStatus
from kiosk.journeys.identity import Identity
from kiosk.journeys.runner import EffectRunner
from kiosk.qt import QObject, Qt, QtWidgets, Signal

if TYPE_CHECKING:
    from kiosk.app import KioskApp

log = logging.getLogger(__name__)


class QtDispatcher(QObject):
    """Runs effect work on a small thread pool; the result comes back on the UI thread."""

    _finished = Signal(object, object)

    def __init__(self, parent: QObject | None = None, workers: int = 2) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="journey")
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._closed = False

    def run(self, work: Callable[[], Event], done: Callable[[Event], None]) -> None:
        def job() -> None:
            self._finished.emit(done, work())

        self._pool.submit(job)

    def _deliver(self, done: Callable[[Event], None], result: Event) -> None:
        if not self._closed:  # a late answer after the app closed has no screen to go to
            done(result)

    def shutdown(self, wait: bool = True) -> None:
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=True)


class NotConnected:
    """Gateways before the platform client, queue and printer are wired in."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def method(*args: Any, **kwargs: Any) -> Any:
            if name == "local_cases":
                return ()
            return GatewayResult.failure(GatewayStatus.UNAVAILABLE, detail="not connected")
        return method


@dataclass
class JourneyServices:
    catalogue: CatalogueService
    engine: JourneyEngine
    controller: JourneyController
    history: UsageHistory
    kiosk_region: str
    identity: Identity | None = None
    consent_history: bool = False
    recommendations: list[Recommendation] = field(default_factory=list)
    # Taps since the card was read, before a journey starts (picking the item).
    taps_before: int = 0

    def set_identity(self, identity: Identity | None, consent_history: bool = False) -> None:
        """A card was read (or the session ended): recompute what to put first."""
        self.identity = identity
        self.consent_history = consent_history
        self.taps_before = 0
        if identity is None:
            self.recommendations = []
            return
        previous = self.history.previous_items(identity.id_number, consent_history)
        self.recommendations = recommend(self.catalogue.catalogue, identity.id_number,
                                         self.kiosk_region, dt.date.today(),
                                         self.engine.config, previous)

    def card_read(self, identity: Identity, consent_history: bool = False) -> None:
        """Wire the ID-card / social-security-card reader here: remembers who is at the kiosk
        and, if a journey waits for the card, lets it go on."""
        self.set_identity(identity, consent_history)
        state = self.controller.state
        if state is not None and state.step.kind is StepKind.IDENTIFY:
            self.controller.send(IdentityRead(identity))

    def boosts(self) -> dict[str, float]:
        return {r.item_id: r.score for r in self.recommendations}

    def start(self, target_id: str) -> None:
        self.controller.start(target_id, self.identity, self.taps_before)
        self.taps_before = 0

    def wipe(self) -> None:
        self.controller.wipe()
        self.set_identity(None)


def services(app: KioskApp) -> JourneyServices:
    """The app's journey services, created on first use."""
    existing = getattr(app, "journey_services", None)
    if isinstance(existing, JourneyServices):
        return existing
    config = app.config
    store = getattr(app, "catalogue_store", None)  # loaded off the UI thread at start-up
    if store is None:
        store = open_store(config)
        store.load()
    catalogue = CatalogueService(store)
    engine = JourneyEngine(store.current, config.journeys)
    def on_new_catalogue(cat: Catalogue) -> None:
        engine.catalogue = cat
        catalogue.warm_up()

    store.on_change(on_new_catalogue)
    gateways = getattr(app, "journey_gateways", None)
    platform: Any = NotConnected()
    queue: Any = NotConnected()
    printer: Any = NotConnected()
    if gateways is not None:
        platform, queue, printer = gateways
    dispatcher = getattr(app, "journey_dispatcher", None)
    if dispatcher is None:
        dispatcher = app.journey_dispatcher = QtDispatcher()  # type: ignore[attr-defined]
    controller = JourneyController(engine, EffectRunner(platform, queue, printer), dispatcher)
    history = UsageHistory(config.data_path(config.journeys.catalogue_cache).parent
                           / "usage_history.json")
    svc = JourneyServices(catalogue, engine, controller, history, config.terminal.region_code)
    catalogue.warm_up()  # the search index is built off the UI thread
    app.journey_services = svc  # type: ignore[attr-defined]
    app.session.on_end(lambda _sid, _reason: svc.wipe())
    if gateways is None:
        # The platform client, the offline queue and the printers, as far as the app has them.
        from kiosk.journeys.app_wiring import connect_gateways

        connect_gateways(app)
    return svc


def local(text: LocalText | None) -> str:
    return text.get(current_language()) if text is not None else ""


def item_subtitle(item: Item) -> str:
    parts = [tr(f"catalogue.kind.{item.kind}")]
    if item.cross_province and item.region.code:
        parts.append(f"{province_name(item.region.code, current_language())} · "
                     f"{tr('catalogue.cross_province')}")
    elif item.region.level == "national":
        parts.append(tr("catalogue.national"))
    if item.online_only:
        parts.append(tr("catalogue.online_only"))
    return "  ·  ".join(parts)


def theme_subtitle(theme: Theme) -> str:
    return f"{tr('catalogue.theme')}  ·  {tr('catalogue.items_in_theme', n=len(theme.items))}"


class ItemRow(QtWidgets.QPushButton):
    """One catalogue entry in a list: the name big, kind/region/badges below. A whole-row target."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.target_id = ""
        self.setProperty("variant", "secondary")
        self.setObjectName("ItemRow")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(24, 10, 24, 10)
        layout.setSpacing(2)
        self.name = QtWidgets.QLabel()
        self.name.setProperty("role", "heading")
        self.name.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.sub = QtWidgets.QLabel()
        self.sub.setProperty("role", "small")
        self.sub.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout.addWidget(self.name)
        layout.addWidget(self.sub)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                           QtWidgets.QSizePolicy.Policy.Fixed)

    def show_entry(self, target_id: str, name: str, subtitle: str, height: int,
                   highlight: tuple[int, int] | None = None) -> None:
        self.target_id = target_id
        if highlight is not None:
            a, b = highlight
            esc = [c.replace("&", "&amp;").replace("<", "&lt;") for c in name]
            name_html = "".join(esc[:a]) + "<u>" + "".join(esc[a:b]) + "</u>" + "".join(esc[b:])
            self.name.setTextFormat(Qt.TextFormat.RichText)
            self.name.setText(name_html)
        else:
            self.name.setTextFormat(Qt.TextFormat.PlainText)
            self.name.setText(name)
        self.sub.setText(subtitle)
        self.setFixedHeight(height)
        self.show()



def reason_text(rec: Recommendation, item: Item) -> str:
    """Why an item is recommended, in words — only what the row's subtitle does not already say
    (the subtitle names the province of a 跨省通办 item)."""
    words = []
    if "home_province" in rec.reasons and not (item.cross_province and item.region.code):
        words.append(tr("catalogue.reason.home_province",
                        province=province_name(item.region.code or "", current_language())))
    if "pension" in rec.reasons:
        words.append(tr("catalogue.reason.pension"))
    if "history" in rec.reasons:
        words.append(tr("catalogue.reason.history"))
    return " · ".join(words)
