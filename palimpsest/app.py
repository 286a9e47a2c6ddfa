"""What every command needs, built once and lazily: the config, the store, the archive."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from palimpsest import config as config_mod

if TYPE_CHECKING:
    from detection import Archive
    from palimpsest.config import Config
    from store.db import Store


class App:
    """The composition root handed to commands as click's ``obj``."""

    def __init__(
        self, config_path: str | None = None, *, config: Config | None = None, store: Store | None = None
    ) -> None:
        """Loads the config from ``config_path`` when first needed; tests hand in ``config`` and ``store``."""
        self._config_path = config_path
        if config is not None:
            self.__dict__["config"] = config
        if store is not None:
            self.__dict__["store"] = store

    @cached_property
    def config(self) -> Config:
        return config_mod.load(self._config_path)

    @cached_property
    def store(self) -> Store:
        """The store as it is: refused (``SchemaBehind``) when its schema is behind."""
        from store.db import Store

        return Store(self.config.store_url).require_current()

    @cached_property
    def archive(self) -> Archive:
        """The crawl's writer. A crawl may be the first on a fresh store: it upgrades it."""
        from detection import Archive
        from store.db import Store

        if "store" not in self.__dict__:
            self.__dict__["store"] = Store(self.config.store_url).upgrade()
        return Archive(self.store, route=self.config.route)

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
