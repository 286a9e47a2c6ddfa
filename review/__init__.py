"""The read-only review UI and feeds: ``create_app(store)`` is an ASGI app."""

from review.app import create_app

__all__ = ["create_app"]
