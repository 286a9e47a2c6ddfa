"""What every command needs, built once and lazily: the config, the store, the archive."""

from __future__ import annotations

import logging
from functools import cached_property
from typing import TYPE_CHECKING

from palimpsest import config as config_mod

if TYPE_CHECKING:
    from palimpsest.config import Config
    from store.db import Store
    from store.writer import Archive

logger = logging.getLogger(__name__)


class App:
    """The composition root handed to commands as click's ``obj``."""

    def __init__(self, config_path: str | None = None, *, config: Config | None = None) -> None:
        self._config_path = config_path
        if config is not None:
            self.__dict__["config"] = config

    @cached_property
    def config(self) -> Config:
        return config_mod.load(self._config_path)

    @cached_property
    def store(self) -> Store:
        from store.db import Store

        return Store(self.config.store_url)

    @cached_property
    def archive(self) -> Archive:
        from store.writer import Archive

        return Archive(self.store, route=self.config.route)

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
