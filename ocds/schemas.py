"""The vendored OCDS 1.1.5 schemas (``ocds/schema/``, unmodified, Apache-2.0): validation and the merge rules.

The schemas refer to each other by their canonical URLs; a ``referencing`` registry maps those URLs to the local
files, so validating never reaches the network (the machines that build and run the platform may have none).
"""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import ocdsmerge
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

VERSION = "1.1"
SCHEMA_DIR = Path(__file__).resolve().parent / "schema" / "1.1.5"
CODELIST_DIR = SCHEMA_DIR / "codelists"
NAMES = ("release-schema", "release-package-schema", "record-package-schema", "versioned-release-validation-schema")


@cache
def schema(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return data


@cache
def _registry() -> Registry:
    resources = []
    for name in NAMES:
        contents = schema(name)
        resources.append((contents["id"], Resource.from_contents(contents, default_specification=DRAFT4)))
    return Registry().with_resources(resources)


def validation_errors(package: dict[str, Any], *, kind: str) -> list[str]:
    """Every way ``package`` breaks the ``kind`` schema (``release-package`` or ``record-package``), as text."""
    validator = jsonschema.Draft4Validator(
        schema(f"{kind}-schema"), registry=_registry(), format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    return [
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in sorted(validator.iter_errors(package), key=lambda e: list(e.absolute_path))
    ]


@cache
def merger() -> ocdsmerge.Merger:
    """ocdsmerge's merger with the local release schema (ocdsmerge would otherwise download it)."""
    return ocdsmerge.Merger(schema=schema("release-schema"))


def codelist(name: str) -> set[str]:
    """The codes of a closed or open codelist file (its ``Code`` column)."""
    with (CODELIST_DIR / f"{name}.csv").open(encoding="utf-8") as handle:
        return {row["Code"] for row in csv.DictReader(handle)}
