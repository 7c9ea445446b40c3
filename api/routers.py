"""Every resource router beyond the registry, in the order they appear in the docs."""

from __future__ import annotations

from fastapi import APIRouter

ROUTERS: list[APIRouter] = []
