"""One item or theme before starting (route ``item``, param ``target``): what it is, who handles
it, how to identify, which documents to bring, how long it takes — and 开始办理."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kiosk.catalogue.regions import province_name
from kiosk.i18n import current_language, tr
from kiosk.qt import Qt, QtWidgets
from kiosk.screens.base import Screen, register_screen
from kiosk.screens.journey_support import item_subtitle, local, services, theme_subtitle
from kiosk.ui.theme import Theme
from kiosk.ui.widgets.buttons import BigButton

if TYPE_CHECKING:
    from kiosk.app import KioskApp


@register_screen("item")
class ItemScreen(Screen):
    title_key = "catalogue.item_title"
    voice_prompt_key = "catalogue.voice_item"

    def __init__(self, app: KioskApp, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(app, parent)
        self.target = ""
        root = QtWidgets.QVBoxLayout(self)
        self._root = root
        self.card = QtWidgets.QFrame()
        self.card.setProperty("role", "card")
        body = QtWidgets.QVBoxLayout(self.card)
        self._body = body
        self.name = QtWidgets.QLabel()
        self.name.setProperty("role", "title")
        self.name.setWordWrap(True)
        self.sub = QtWidgets.QLabel()
        self.sub.setProperty("role", "muted")
        self.facts = QtWidgets.QLabel()
        self.facts.setProperty("role", "body")
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        self.facts.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        body.addWidget(self.name)
        body.addWidget(self.sub)
        body.addWidget(self.facts, 1)
        root.addWidget(self.card, 1)
        self.start_button = BigButton("", "primary")
        self.start_button.setObjectName("StartJourney")
        self.start_button.clicked.connect(self._start)
        root.addWidget(self.start_button, 0, Qt.AlignmentFlag.AlignRight)

    def _start(self) -> None:
        svc = services(self.app)
        if svc.identity is not None:
            svc.taps_before += 1
        svc.start(self.target)
        self.app.nav.push("journey")

    def enter(self, **params: Any) -> None:
        self.target = str(params.get("target", ""))
        self.retranslate()

    def retranslate(self) -> None:
        self.start_button.setText(tr("catalogue.start"))
        if not self.target:
            return
        cat = services(self.app).catalogue.catalogue
        lang = current_language()
        lines: list[str] = []

        def fact(label: str, value: str) -> None:
            lines.append(f"<p><b>{label}：</b>{value}</p>" if lang == "zh_CN"
                         else f"<p><b>{label}:</b> {value}</p>")

        if self.target in cat.themes_by_id:
            theme = cat.theme(self.target)
            self.name.setText(local(theme.name))
            self.sub.setText(theme_subtitle(theme))
            lines.append("<ol>" + "".join(f"<li>{local(cat.item(i).name)}</li>"
                                          for i in theme.items) + "</ol>")
            items = [cat.item(i) for i in theme.items]
        else:
            item = cat.item(self.target)
            items = [item]
            self.name.setText(local(item.name))
            self.sub.setText(item_subtitle(item))
            if item.department:
                fact(tr("catalogue.department"), local(item.department))
            if item.region.code:
                fact(tr("catalogue.region"), province_name(item.region.code, lang))
            fact(tr("catalogue.processing"),
                 tr("journeys.ui.processing_days", n=item.processing_days)
                 if item.processing_days else tr("catalogue.immediate"))
        methods = []
        for i in items:
            for method in i.identification:
                if method not in methods:
                    methods.append(method)
        ident = " / ".join(tr(f"catalogue.ident.{x}") for x in methods)
        if any(i.face_verification for i in items):
            ident += " + " + tr("catalogue.ident.face")
        fact(tr("catalogue.identification_needed"), ident)
        mats = {m.id: m for i in items for m in i.materials}
        if mats:
            rows = []
            for m in mats.values():
                how = tr("catalogue.licence_hint") if m.source == "electronic_licence" \
                    else tr("catalogue.camera_hint")
                opt = "" if m.required else tr("catalogue.optional")
                rows.append(f"<li>{local(m.name)}{opt} — {how}</li>")
            fact(tr("catalogue.materials_needed"), "<ul>" + "".join(rows) + "</ul>")
        else:
            fact(tr("catalogue.materials_needed"), tr("catalogue.no_materials"))
        self.facts.setText("".join(lines))

    def apply_theme(self, theme: Theme) -> None:
        m = theme.margin
        self._root.setContentsMargins(m, m // 2, m, m // 2)
        self._root.setSpacing(theme.spacing)
        self._body.setContentsMargins(m, m // 2, m, m // 2)
        self._body.setSpacing(theme.spacing // 2)
        self.start_button.setMinimumWidth(theme.target * 5)

    def reset(self) -> None:
        self.target = ""

    @classmethod
    def tour_params(cls) -> list[dict[str, Any]]:
        return [{"target": "he.sb.zy"}, {"target": "sh.sb.jfzm"}, {"target": "theme.newborn"}]
