"""The screen base class and the screen registry.

Add a screen: one module in ``kiosk/screens/``, a subclass of :class:`Screen`, decorated with
``@register_screen("route")``. :func:`kiosk.screens.discover` imports every module of the package,
so the screen is then reachable with ``app.nav.push("route", **params)`` and appears in the
screenshot tour (with each parameter set from :meth:`Screen.tour_params`).

A registration with ``fallback=True`` is used only until a real one for the same route exists:
the shell ships honest "not connected yet" screens for ``category`` and ``search`` that the
journeys work replaces simply by registering its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, TypeVar

from kiosk.i18n import tr
from kiosk.qt import QtWidgets
from kiosk.ui.qtvalues import STRONG_FOCUS, set_focus_policy
from kiosk.ui.theme import Theme

if TYPE_CHECKING:
    from kiosk.app import KioskApp


class Screen(QtWidgets.QWidget):
    """One full screen of the kiosk. Personal data lives in ``app.session``, not in the widget,
    except for what is on show — and :meth:`reset` clears that."""

    route: ClassVar[str] = ""  # set by register_screen
    title_key: ClassVar[str | None] = None  # shown in the page bar; None = no page bar title
    voice_prompt_key: ClassVar[str | None] = None  # spoken on enter (when voice is wired)
    show_page_bar: ClassVar[bool] = True  # 返回 / title / 首页 bar above the screen

    def __init__(self, app: KioskApp, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.setObjectName(f"Screen_{self.route or type(self).__name__}")
        # Touch UI: the screen itself holds focus on entry, so no button shows a focus ring.
        set_focus_policy(self, STRONG_FOCUS)

    def title(self) -> str:
        return tr(self.title_key) if self.title_key else ""

    def enter(self, **params: Any) -> None:
        """Called each time the screen becomes current, with the params it was pushed with."""

    def leave(self) -> None:
        """Called when another screen becomes current (stop timers, release devices)."""

    def reset(self) -> None:
        """Clear every widget that could show personal data (called when the session ends)."""

    def retranslate(self) -> None:
        """Re-read every visible string with ``tr`` (called on language change)."""

    def apply_theme(self, theme: Theme) -> None:
        """Adapt layout to the theme (sizes come from the QSS; tiles per row etc. from here)."""

    @classmethod
    def tour_params(cls) -> list[dict[str, Any]]:
        """Parameter sets the screenshot tour renders this screen with (one PNG each)."""
        return [{}]


class ScreenSpec(NamedTuple):  # not a dataclass: one costs ~1.5 ms to define
    route: str
    cls: type[Screen]
    fallback: bool


class ScreenRegistry:
    def __init__(self) -> None:
        self._specs: dict[str, list[ScreenSpec]] = {}

    def add(self, route: str, cls: type[Screen], fallback: bool = False) -> None:
        specs = self._specs.setdefault(route, [])
        specs[:] = [s for s in specs if s.cls.__qualname__ != cls.__qualname__
                    or s.cls.__module__ != cls.__module__]
        specs.append(ScreenSpec(route, cls, fallback))

    def remove(self, route: str, cls: type[Screen]) -> None:
        specs = self._specs.get(route, [])
        specs[:] = [s for s in specs if s.cls is not cls]
        if not specs:
            self._specs.pop(route, None)

    def get(self, route: str) -> type[Screen] | None:
        specs = self._specs.get(route)
        if not specs:
            return None
        real = [s for s in specs if not s.fallback]
        return (real or specs)[-1].cls

    def routes(self) -> list[str]:
        return sorted(self._specs)

    def __contains__(self, route: object) -> bool:
        return route in self._specs


SCREENS = ScreenRegistry()

S = TypeVar("S", bound=type[Screen])


def register_screen(route: str, *, fallback: bool = False,
                    registry: ScreenRegistry | None = None) -> Any:
    """Class decorator: make ``cls`` the screen for ``route``."""

    def deco(cls: S) -> S:
        cls.route = route
        (registry or SCREENS).add(route, cls, fallback)
        return cls

    return deco
