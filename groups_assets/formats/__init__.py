"""The source systems whose exports the pipeline reads: one package each (formats/<system>/), each
defining its `FORMAT` (contract/format.py says what a format is). A new system is a new package
and one line in SYSTEMS. `contract` is the default."""

from __future__ import annotations

import importlib

from groups_assets.contract.format import Format

DEFAULT = "contract"
SYSTEMS = (
    "contract",
    "servicenow",
    "zendesk",
)


def _load(system: str) -> Format:
    found = importlib.import_module(f"{__name__}.{system}").FORMAT
    if found.name != system:
        raise ValueError(
            f"formats/{system}/ defines the format {found.name!r}: a package is named for its format"
        )
    return found


FORMATS: dict[str, Format] = {system: _load(system) for system in SYSTEMS}


def get(name: str) -> Format:
    """The format called `name`, or ValueError naming the formats there are."""
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"source format {name!r} is not one of {', '.join(FORMATS)}") from None
