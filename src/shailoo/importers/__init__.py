"""Importers, one module per source format, and the one place where formats are detected."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from shailoo.errors import UnknownFormat, WrongFormat
from shailoo.importers.base import read_head

# Order matters for detection: the most specific formats first, the generic mapping last.
MODULES = (
    "crowdtangle",
    "meta_content_library",
    "telegram_desktop",
    "telethon",
    "telegram_web",  # HTML: claims no JSON file
    "vk",
    "youtube",
    "twitter",
    "meta_ad_library_report",  # ads, not posts: loaded by shailoo.store.ads
    "meta_ad_library_api",
    "generic",
)


def _load(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"shailoo.importers.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"shailoo.importers.{name}":
            return None  # not written yet
        raise


def all_importers() -> list[ModuleType]:
    return [m for m in (_load(n) for n in MODULES) if m is not None]


def get_importer(format_id: str) -> ModuleType:
    for module in all_importers():
        if module.FORMAT.id == format_id:
            return module
    known = ", ".join(m.FORMAT.id for m in all_importers())
    raise UnknownFormat(f"There is no import format '{format_id}'; use one of: {known}.")


def detect(path: Path) -> ModuleType:
    """Return the importer whose `sniff` recognises the file, or say which formats were expected."""
    head = read_head(path)
    for module in all_importers():
        if module.FORMAT.id != "generic" and _sniffs(module, head, path):
            return module
    names = ", ".join(m.FORMAT.name for m in all_importers() if m.FORMAT.id != "generic")
    raise WrongFormat(
        f"{path.name} is not a format shailoo recognises (expected one of: {names}); "
        "for other tables use --format generic --mapping FILE."
    )


def _sniffs(module: ModuleType, head: str, path: Path) -> bool:
    """Whether the module recognises the file; a sniffer tripped by hostile bytes does not."""
    try:
        return bool(module.sniff(head, path))
    except Exception:  # any bytes at all may come in: detection answers, it never crashes
        return False
