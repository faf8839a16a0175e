"""Placeholder replaced by the OpenAPI/Swagger module."""

from __future__ import annotations

from aiohttp import web


def setup_docs(app: web.Application) -> None:
    return None
