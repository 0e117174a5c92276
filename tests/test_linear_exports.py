"""Every export walks the catalog's resources a bounded number of times, however many there are: work per
record never grows with the catalog (a per-record lookup of something worked out from all records would)."""

from __future__ import annotations

import pytest

import mlops_refs
from mlops_refs.model import Catalog, CatalogInfo, Collection, PartialDate, Resource


class CountedWalks(tuple):  # type: ignore[type-arg]
    """The resources, counting how many times anything walks them."""

    walks = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        CountedWalks.walks += 1
        return super().__iter__()


def imported_catalog(size: int) -> Catalog:
    """A catalog as a reader makes it from another program's file: no updated date, records partly dated,
    some filed in a folder and the rest in none."""
    folder = Collection(id="f", title="Folder", kind="folder")
    records = [
        Resource(
            id=f"r{n}",
            type="journal-article" if n % 2 else "webpage",
            title=f"Title {n}",
            url=f"https://example.org/{n}",
            issued=PartialDate(2000 + n % 20) if n % 3 else None,
            collection_ids=("f",) if n % 4 == 0 else (),
        )
        for n in range(size)
    ]
    return Catalog.build(CatalogInfo(title="Imported"), [folder], records)


@pytest.mark.parametrize("fmt", mlops_refs.formats())
def test_an_export_walks_the_records_as_often_for_a_big_catalog_as_for_a_small_one(fmt: str) -> None:
    walks = []
    for size in (50, 400):
        catalog = imported_catalog(size)
        object.__setattr__(catalog, "resources", CountedWalks(catalog.resources))
        CountedWalks.walks = 0
        mlops_refs.dumps(catalog, fmt)
        walks.append(CountedWalks.walks)
    assert walks[1] == walks[0], f"{fmt}: {walks[0]} walks over 50 records, {walks[1]} over 400"
