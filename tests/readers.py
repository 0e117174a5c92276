"""Shared helpers for the reader tests: the import corpus, reading, and catalogs compared as trees."""

from __future__ import annotations

import os
from dataclasses import fields, replace
from pathlib import Path

from conftest import skip_or_fail
from mlops_refs.exporters import dumps
from mlops_refs.model import Catalog, Resource
from mlops_refs.readers.base import Report

CORPUS_VAR = "MLOPS_REFS_IMPORT_CORPUS"


def corpus(folder: str) -> Path:
    """A folder of the import corpus named by MLOPS_REFS_IMPORT_CORPUS, or skip (fail in strict mode)."""
    value = os.environ.get(CORPUS_VAR)
    if not value:
        skip_or_fail(f"{CORPUS_VAR} is not set (it names shared/reference/import-corpus)")
    path = Path(value) / folder  # type: ignore[arg-type]
    if not path.is_dir():
        skip_or_fail(f"{CORPUS_VAR}={value} has no folder {folder}")
    return path


def read(reader: object, data: bytes, name: str = "input") -> tuple[Catalog, Report]:
    """A reader's catalog and report for some bytes."""
    report = Report(name)
    return reader.read(data, report), report  # type: ignore[attr-defined]


def tree(catalog: Catalog, ordered: bool = True) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each collection as (its path of titles, the titles of its members), depth first in order.

    Members follow the catalog's resource order, which a file that lists folder by folder cannot carry:
    ``ordered=False`` compares them sorted.
    """
    out = []
    for collection, _depth in catalog.walk():
        members = [" ".join(r.title.split()) for r in catalog.members(collection)]
        path = tuple(c.title for c in catalog.path(collection))
        out.append((path, tuple(members if ordered else sorted(members))))
    return out


def kept(resource: Resource, lost: frozenset[str]) -> dict[str, object]:
    """A resource's fields a format carries (collection ids aside: the tree is compared on its own)."""
    skip = lost | {"collection_ids"}
    return {f.name: getattr(resource, f.name) for f in fields(resource) if f.name not in skip}


def round_trip(exporter: object, reader: object, catalog: Catalog) -> Catalog:
    """The catalog written by an exporter and read back."""
    text = dumps(exporter, catalog)  # type: ignore[arg-type]
    back, _report = read(reader, text.encode("utf-8"), "round-trip")
    return back


def without(catalog: Catalog, **values: object) -> Catalog:
    """The catalog with some resource fields set to one value (e.g. a field the reader derives)."""
    return Catalog.build(catalog.info, catalog.collections, [replace(r, **values) for r in catalog.resources])
