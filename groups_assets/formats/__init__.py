"""The source formats: the systems whose exports the pipeline reads, one module each.

Each module of this package defines `FORMAT` (formats/base.py says what that is); this package
finds them, so a new system is a new module and nothing else. `contract` is the default.
"""

from __future__ import annotations

import importlib
import pkgutil

from groups_assets.formats.base import Format

DEFAULT = "contract"


def _found() -> dict[str, Format]:
    formats = {}
    for module in pkgutil.iter_modules(__path__):
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        if isinstance(getattr(loaded, "FORMAT", None), Format):
            formats[loaded.FORMAT.name] = loaded.FORMAT
    return dict(sorted(formats.items()))


FORMATS = _found()


def get(name: str) -> Format:
    """The format called `name`, or ValueError naming the formats there are."""
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"source format {name!r} is not one of {', '.join(FORMATS)}") from None
