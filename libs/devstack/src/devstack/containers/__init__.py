"""The compose stack in real containers: the engine, the images (stand-ins where none can be
pulled), and compose projects (docker compose v2, or docker-compose 1.29 with rendered files)."""

from .engine import Engine, ensure_compose, ensure_engine
from .project import ComposeProject, compose_for_1_29
from .standins import ImageReport, ensure_images, images_of

__all__ = [
    "ComposeProject",
    "Engine",
    "ImageReport",
    "compose_for_1_29",
    "ensure_compose",
    "ensure_engine",
    "ensure_images",
    "images_of",
]
