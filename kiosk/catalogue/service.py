"""Wiring for the app and the technician CLI: the store from config, and a search index that
follows the current catalogue version."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from kiosk.catalogue.loader import Catalogue, SignatureVerifier
from kiosk.catalogue.store import CatalogueCache, CatalogueStore
from kiosk.config import KioskConfig

if TYPE_CHECKING:  # numpy and pypinyin stay off the start-up path until the first search
    from kiosk.catalogue.search import SearchIndex


def open_store(config: KioskConfig) -> CatalogueStore:
    j = config.journeys
    return CatalogueStore(CatalogueCache(config.data_path(j.catalogue_cache)),
                          config.path(j.bundled_catalogue),
                          SignatureVerifier(j.catalogue_public_key))


class CatalogueService:
    """Current catalogue + its search index, rebuilt lazily once per catalogue version."""

    def __init__(self, store: CatalogueStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._index: SearchIndex | None = None
        store.on_change(self._drop_index)

    def _drop_index(self, catalogue: Catalogue) -> None:
        with self._lock:
            if self._index is not None and self._index.version != catalogue.version:
                self._index = None

    @property
    def catalogue(self) -> Catalogue:
        return self.store.current

    def index_if_ready(self) -> SearchIndex | None:
        """The index for the current version if built, without waiting (UI thread)."""
        current = self.store.current
        index = self._index
        return index if index is not None and index.version == current.version else None

    def warm_up(self) -> threading.Thread:
        """Build the index on a background thread (call after each load or refresh)."""
        thread = threading.Thread(target=self.index, name="catalogue-index", daemon=True)
        thread.start()
        return thread

    def index(self) -> SearchIndex:
        """The search index for the current version (about 1-2 s to build for 10,000 items,
        so the app calls this once on a worker thread after each load or refresh)."""
        from kiosk.catalogue.search import SearchIndex

        current = self.store.current
        with self._lock:
            if self._index is None or self._index.version != current.version:
                self._index = SearchIndex(current)
            return self._index
