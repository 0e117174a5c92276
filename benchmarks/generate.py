"""Seeded synthetic catalogs in the mlops-refs YAML format, shaped like the bundled catalog, at any size.

Each generated resource copies the *shape* of a bundled resource picked at random (its type, which fields it
has, how many authors and which of them are organisations, date precisions, tag and collection counts, text
lengths, where it holds non-ASCII text or TeX specials) and fills it with fresh synthetic content. The field
mix of the output therefore matches the bundled catalog's in expectation (``--compare`` shows both).

    python benchmarks/generate.py --size 10000 --seed 1 --out DIR
    mlops-refs validate DIR

writes ``DIR/catalog.yaml`` (metadata and a specialization > course > week > topic tree) and
``DIR/resources/part-NNNNN.yaml`` files of about 1000 resources each.
"""

from __future__ import annotations

import argparse
import calendar
import hashlib
import json
import random
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from mlops_refs.catalog import PLAIN_FIELDS
from mlops_refs.model import PAPER_TYPES

try:
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]

RESOURCES_PER_FILE = 1000
TEX_SPECIALS = re.compile(r"[\\{}%&#_$^~<>|]")


def _non_ascii(text: str | None) -> bool:
    return text is not None and not text.isascii()


# ----------------------------------------------------------------------------------------------------------
# Shapes measured from a loaded catalog
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """What a resource has, without its content."""

    type: str
    authors: tuple[tuple[str, bool], ...]  # (kind, non-ASCII) per author; kind: org, person, particle, suffix
    editors: tuple[tuple[str, bool], ...]
    issued: int  # 0 when absent, else the number of date parts (1 year, 2 month, 3 day)
    accessed: int
    fields: frozenset[str]
    tags: int
    collection_kinds: tuple[str, ...]
    title_len: int
    summary_len: int
    note_len: int
    non_ascii: frozenset[str]  # which of title/summary/note hold non-ASCII text
    note_specials: bool


def _person_shape(person: Any) -> tuple[str, bool]:
    if person.literal is not None:
        return "org", _non_ascii(person.literal)
    kind = "particle" if person.particle else "suffix" if person.suffix else "person"
    return kind, any(_non_ascii(p) for p in (person.family, person.given, person.particle, person.suffix))


def shapes_of(catalog: Any) -> list[Shape]:
    """The shape of every resource of a loaded catalog."""
    kinds = {c.id: c.kind for c in catalog.collections}
    out = []
    for r in catalog.resources:
        out.append(
            Shape(
                type=r.type,
                authors=tuple(_person_shape(p) for p in r.authors),
                editors=tuple(_person_shape(p) for p in r.editors),
                issued=0 if r.issued is None else len(r.issued.parts),
                accessed=0 if r.accessed is None else len(r.accessed.parts),
                fields=frozenset(f for f in PLAIN_FIELDS if getattr(r, f) is not None),
                tags=len(r.tags),
                collection_kinds=tuple(kinds[c] for c in r.collection_ids),
                title_len=len(r.title),
                summary_len=len(r.summary or ""),
                note_len=len(r.note or ""),
                non_ascii=frozenset(f for f in ("title", "summary", "note") if _non_ascii(getattr(r, f))),
                note_specials=bool(r.note and TEX_SPECIALS.search(r.note)),
            )
        )
    return out


def tree_shape(catalog: Any) -> dict[str, list[tuple[str, ...]]]:
    """For each collection kind, the kinds of the children of each collection of that kind."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for c in catalog.collections:
        out.setdefault(c.kind, []).append(tuple(catalog.collection(i).kind for i in c.child_ids))
    return out


def profile(catalog: Any) -> dict[str, Any]:
    """The field mix of a catalog: shares of types and fields, distributions of counts, non-ASCII shares."""
    rs = catalog.resources
    n = len(rs) or 1

    def share(count: int) -> float:
        return round(count / n, 4)

    def dist(values: Iterable[int]) -> dict[str, float]:
        counts = Counter(values)
        return {str(k): share(counts[k]) for k in sorted(counts)}

    people = [p for r in rs for p in (*r.authors, *r.editors)]
    depth = max((d for _, d in catalog.walk()), default=-1)
    return {
        "resources": len(rs),
        "collections": len(catalog.collections),
        "tree_depth": depth + 1,
        "type_share": {t: share(c) for t, c in Counter(r.type for r in rs).most_common()},
        "field_share": {
            **{f: share(sum(getattr(r, f) is not None for r in rs)) for f in PLAIN_FIELDS},
            "issued": share(sum(r.issued is not None for r in rs)),
            "accessed": share(sum(r.accessed is not None for r in rs)),
            "tags": share(sum(bool(r.tags) for r in rs)),
            "authors": share(sum(bool(r.authors) for r in rs)),
            "editors": share(sum(bool(r.editors) for r in rs)),
        },
        "author_count": dist(len(r.authors) for r in rs),
        "tag_count": dist(len(r.tags) for r in rs),
        "collections_per_resource": dist(len(r.collection_ids) for r in rs),
        "organisation_share_of_names": round(
            sum(p.literal is not None for p in people) / (len(people) or 1), 4
        ),
        "non_ascii_share": {
            "title": share(sum(_non_ascii(r.title) for r in rs)),
            "summary": share(sum(_non_ascii(r.summary) for r in rs)),
            "note": share(sum(_non_ascii(r.note) for r in rs)),
            "names": share(sum(any(_person_shape(p)[1] for p in (*r.authors, *r.editors)) for r in rs)),
            "any_text": share(sum(any(_non_ascii(v) for v in _texts(r)) for r in rs)),
        },
        "mean_length": {
            f: round(
                sum(len(getattr(r, f) or "") for r in rs if getattr(r, f))
                / (sum(1 for r in rs if getattr(r, f)) or 1),
                1,
            )
            for f in ("title", "summary", "note")
        },
    }


def _texts(r: Any) -> Iterable[str | None]:
    yield from (r.title, r.summary, r.note, r.container, r.publisher, r.institution)
    for p in (*r.authors, *r.editors):
        yield from (p.family, p.given, p.particle, p.suffix, p.literal)


# ----------------------------------------------------------------------------------------------------------
# Vocabulary
# ----------------------------------------------------------------------------------------------------------


def _pool(text: str) -> tuple[str, ...]:
    """Items of a '|'-separated list written over several lines."""
    return tuple(item.strip() for item in text.split("|") if item.strip())


GIVEN = _pool("""Andrew | Neil D. | Emily | Raj | Mei | Daniel | Sarah | Tobias | Priya | Marco | Wei |
    Hannah | Carlos | Yuki | Olga | Ahmed | Laura | Peter | Ana | Kwame | Lucas | Chloe | Ivan | Fatima |
    Benjamin H. | D. | J. M. | Irene | Gautam | Alexandra | Sven | Nadia | Tom | Grace | Omar""")
FAMILY = _pool("""Smith | Chen | Kumar | Nguyen | Garcia | Lawrence | Sculley | Howard | Zhang | Wang |
    Brown | Patel | Kim | Rossi | Novak | Okafor | Schmidt | Tanaka | Ivanova | Silva | Cohen | Martin |
    Andersson | Lee | Murphy | O'Brien | Katsiapis | Polyzotis | Breck | Baylor | Hazelwood""")
GIVEN_NON_ASCII = _pool("""José | François | Zoë | Łukasz | Søren | Théo | Noé | Seán | Jürgen | Ângela |
    Dmitrij | Çağla | Øyvind | Renée | Đorđe | Ваня | Γιώργος | 伟 | Ayşe | Bjørn""")
FAMILY_NON_ASCII = _pool("""Müller | García | Dvořák | Ó hÉigeartaigh | Schütt | Nguyễn | Çelik |
    Kowalczyk-Żak | Lefèvre | Håkansson | Barroso | Crespo-Gómez | Иванов | Παπαδόπουλος | 李 | Sánchez |
    Gößling | Ångström | Jiménez | Öztürk""")
PARTICLES = _pool("van | de | von | van der | de la | di")
SUFFIXES = _pool("Jr. | III | Sr.")
ORGS = _pool("""Google Cloud | Amazon Web Services | Microsoft | TensorFlow | The Kubeflow Authors | PyTorch |
    Iterative | Databricks | neptune.ai | Weights & Biases | Hugging Face | Apache Software Foundation |
    Project Jupyter | NVIDIA | Docker | Cloud Native Computing Foundation | Feast | The Jaeger Authors |
    Treeverse | DoltHub | Pachyderm, Inc. | City of Chicago | Seldon Technologies | BentoML | Evidently AI |
    Great Expectations | MLflow Project | Ray Team | Anyscale | Redis Ltd.""")
ORGS_NON_ASCII = _pool("""ERTIS Research Group, University of Málaga | Université de Montréal | ETH Zürich |
    Technische Universität München | Fundação Getulio Vargas | Société Générale Labs""")
VENDORS = _pool("google | amazon | microsoft | nvidia | databricks | ibm | oracle | alibaba | snowflake")
BLOG_HOSTS = _pool("""towardsdatascience.com | medium.com | neptune.ai/blog | cloud.google.com/blog |
    blog.tensorflow.org | aws.amazon.com/blogs/machine-learning | netflixtechblog.com | engineering.fb.com |
    dev.to | www.kdnuggets.com | blog.ml.cmu.edu | martinfowler.com/bliki | eugeneyan.com/writing""")
DOC_HOSTS = _pool("""www.tensorflow.org/tfx/guide | cloud.google.com/vertex-ai/docs |
    docs.aws.amazon.com/sagemaker | kubernetes.io/docs | docs.docker.com | www.kubeflow.org/docs |
    mlflow.org/docs/latest | docs.ray.io/en/latest | docs.seldon.io/projects |
    learn.microsoft.com/azure/machine-learning""")
VIDEO_HOSTS = _pool("https://www.youtube.com/watch?v= | https://vimeo.com/")
CONTAINERS = {
    "journal-article": _pool("""ACM Computing Surveys | IEEE Transactions on Image Processing |
        Journal of Machine Learning Research | Communications of the ACM | Machine Learning |
        Data Mining and Knowledge Discovery | IEEE Transactions on Software Engineering"""),
    "conference-paper": _pool("""Advances in Neural Information Processing Systems |
        International Conference on Learning Representations | Proceedings of the 26th ACM SIGKDD Conference |
        Proceedings of Machine Learning and Systems (MLSys) |
        USENIX Symposium on Operating Systems Design and Implementation (OSDI) |
        International Conference on Machine Learning (ICML)"""),
    "preprint": ("arXiv",),
    "blog-post": _pool("""Towards Data Science | neptune.ai MLOps Blog | The TensorFlow Blog |
        Google Cloud Blog | AWS Machine Learning Blog | Netflix TechBlog | DEV Community | KDnuggets |
        Medium | Machine Learning Blog, ML@CMU, Carnegie Mellon University | Martin Fowler's Bliki"""),
    "documentation": _pool("""TensorFlow Extended (TFX) Guide | Vertex AI documentation |
        Kubeflow documentation | Docker Docs | MLflow documentation | Amazon SageMaker Developer Guide |
        Ray documentation | Kubernetes documentation | Azure Machine Learning documentation"""),
    "news-article": _pool("Computer Weekly | The Register | VentureBeat | Wired | TechCrunch"),
    "video": _pool("YouTube | Vimeo"),
    "dataset": _pool(
        "UCI Machine Learning Repository | Kaggle Datasets | City of Chicago Data Portal | Hugging Face Hub"
    ),
}
GENERIC_CONTAINERS = _pool("""Google Cloud | Amazon Web Services | Microsoft Azure |
    Cloud Architecture Center | ML in Production | UC Berkeley RISELab | Split Feature Delivery Glossary""")
PUBLISHERS = _pool("""Google | Amazon | Microsoft | ACM | IEEE | Springer | O'Reilly Media | DeepLearning.AI |
    NVIDIA | TechTarget | Elsevier | MIT Press | neptune.ai | Docker Inc. | GitHub |
    Apache Software Foundation | Cloud Native Computing Foundation | LaunchDarkly | phoenixNAP""")
INSTITUTIONS = _pool("""Google | Stanford University | Carnegie Mellon University | University of Cambridge |
    ETH Zürich | Universidad de Málaga | Microsoft Research | Université Paris-Saclay |
    Massachusetts Institute of Technology | University of Toronto""")
DOI_PREFIXES = _pool("1145 | 1109 | 1007 | 1016 | 5555 | 14778 | 1561 | 3390 | 1088")
ARXIV_CLASSES = _pool("cs.LG | cs.CV | cs.SE | cs.DC | cs.CL | cs.AI | cs.DB | stat.ML | cs.NE | cs.PF")

ADJECTIVES = _pool("""Scalable | Continuous | Efficient | Robust | Distributed | Progressive | Reproducible |
    Automated | Real-Time | Federated | Incremental | Serverless | Explainable | Large-Scale | Low-Latency |
    Declarative | Hidden | Practical | Responsible | Streaming""")
NOUNS = _pool("""Machine Learning | Model Serving | Feature Stores | Data Validation | Experiment Tracking |
    Model Monitoring | Data Versioning | ML Pipelines | Inference | Training | Deployment | Concept Drift |
    Data Labeling | Model Registry | Batch Prediction | Online Inference | Technical Debt | Observability |
    Canary Releases | A/B Testing | TFX | Kubernetes | MLOps | Neural Networks | Label Ambiguity |
    Transformers | Data Lineage | Orchestration""")
PRODUCTS = _pool("""Memorystore | Firestore | Bigtable | DynamoDB | SageMaker | Vertex AI | Kubeflow |
    MLflow | DVC | Feast | Seldon Core | BentoML | Triton | TorchServe | Airflow | Beam | Dolt | lakeFS |
    Pachyderm | Delta Lake | Jaeger | Zipkin | Prometheus | Grafana | Ray Serve | KServe | TensorBoard |
    Jupyter | nbconvert | Great Expectations | Evidently | Kafka-ML""")
VERBS = _pool("""Towards | Rethinking | Scaling | Monitoring | Deploying | Debugging | Versioning | Serving |
    Benchmarking | Automating | Understanding | Measuring""")
NON_ASCII_WORDS = _pool("""Zürich | naïve | Málaga | café | résumé | São Paulo | Kraków | Ångström | façade |
    coöperative | élan | Gödel | Poincaré | déjà vu | Curaçao | Bézier | Erdős""")
NON_ASCII_MARKS = _pool("— | – | ’ | “ | ” | … | × | → | ≈ | µs | °")
NON_ASCII_TITLE_MARKS = _pool("— | – | ’s | “Live”")
SENTENCE_OPENERS = _pool("""Explains how to | Shows how teams | Describes a way to | Introduces a tool to |
    Compares approaches to | Walks through how to | Surveys methods to | Argues that practitioners should |
    Presents a managed service to | Documents how to""")
SENTENCE_VERBS = _pool("""track | serve | monitor | version | validate | deploy | scale | label | retrain |
    debug | orchestrate | cache | batch | shard | profile""")
SENTENCE_OBJECTS = _pool("""models in production | training data | feature pipelines | prediction requests |
    experiment metadata | streaming events | data drift | model artefacts | GPU clusters | inference latency |
    labelled examples | A/B tests | canary releases | shadow deployments""")
SENTENCE_TAILS = _pool("""with low latency | across many teams | on Kubernetes | in the cloud | at scale |
    without downtime | for regulated industries | using open-source tools | with reproducible results |
    under a tight budget | from notebooks to pipelines""")
NOTE_FRAGMENTS = _pool("""The course notes give the link without a date. |
    The official reading list linked the product page. | Listed in the optional references of this week. |
    The notes' http link was upgraded to https. | Also cited in a later week of the same course. |
    The notes list only the first authors. | Published version differs slightly from the preprint. |
    No DOI was assigned. | The page was redesigned since the course was recorded.""")
NOTE_SPECIALS = _pool("""See issue #{n} in the tracker. | Config key model_{w}_path. |
    R&D blog, ~{n} ms p99. | Uses the feature_{w} table. | Section #{n} of the guide. |
    Q&A with the {w} team.""")
TAG_HEADS = _pool("""data | model | feature | ml | experiment | batch | online | stream | cloud | edge |
    continuous | distributed | label | pipeline | inference | training | serving | deployment | monitoring |
    metadata""")
TAG_TAILS = _pool("""drift | versioning | store | serving | tracking | validation | monitoring | pipelines |
    lineage | labeling | inference | testing | scaling | caching | governance | registry | orchestration |
    observability | quality | security""")
TREE_TITLES = {
    "specialization": _pool("""Machine Learning Engineering for Production | Applied MLOps |
        Data-Centric AI in Practice | Production Deep Learning | ML Systems Design"""),
    "course": _pool("""Introduction to Machine Learning in Production |
        Machine Learning Data Lifecycle in Production | Machine Learning Modeling Pipelines in Production |
        Deploying Machine Learning Models in Production | Monitoring ML Systems"""),
    "week": _pool("""Overview of the ML Lifecycle and Deployment | Select and Train a Model |
        Data Definition and Baseline | Data Journey and Data Storage | Model Serving: Introduction |
        Model Serving: Patterns and Infrastructure | Model Management and Delivery |
        Model Monitoring and Logging"""),
}


# ----------------------------------------------------------------------------------------------------------
# Generation
# ----------------------------------------------------------------------------------------------------------


def _ascii_slug(text: str, words: int = 6) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    parts = re.findall(r"[a-z0-9]+", folded)
    return "-".join(parts[:words])


class _Generator:
    """Holds the random state and the sets that keep identifiers unique."""

    def __init__(self, seed: int, shapes: list[Shape], tree: dict[str, list[tuple[str, ...]]]) -> None:
        self.rng = random.Random(seed)
        self.shapes = shapes
        self.tree = tree
        self.ids: set[str] = set()
        self.collection_ids: set[str] = set()
        self.urls: set[str] = set()
        self.dois: set[str] = set()
        self.arxivs: set[str] = set()
        self.doi_serial = 0

    # -- collections ----------------------------------------------------------------------------------------

    def collections(self, blocks: int) -> list[list[dict[str, Any]]]:
        """One tree per block, each rooted at a specialization, shaped like the bundled tree."""
        out = []
        for b in range(blocks):
            nodes: list[dict[str, Any]] = []
            self._collection(nodes, "specialization", None, f"s{b + 1}", b)
            out.append(nodes)
        return out

    def _collection(
        self, nodes: list[dict[str, Any]], kind: str, parent: str | None, cid: str, block: int
    ) -> None:
        rng = self.rng
        counters = Counter[str]()
        if kind == "topic":
            title = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
        else:
            title = rng.choice(TREE_TITLES[kind])
            number = len([n for n in nodes if n["kind"] == kind]) + 1
            if kind == "course":
                title = f"Course {number}: {title}"
            elif kind == "week":
                title = f"Week {rng.randint(1, 4)}: {title}"
            else:
                title = f"{title} ({block + 1})"
        node: dict[str, Any] = {"id": cid, "kind": kind, "title": title}
        if parent is not None:
            node["parent"] = parent
        if kind in ("specialization", "course"):
            node["url"] = f"https://courses.example.org/learn/{cid}-{_ascii_slug(title, 4)}"
        nodes.append(node)
        self.collection_ids.add(cid)
        for child_kind in rng.choice(self.tree.get(kind, [()])):
            counters[child_kind] += 1
            letter = {"course": "c", "week": "w", "topic": "t"}.get(child_kind, "x")
            self._collection(nodes, child_kind, cid, f"{cid}-{letter}{counters[child_kind]}", block)

    # -- resources ------------------------------------------------------------------------------------------

    def resource(self, shape: Shape, block_collections: list[dict[str, Any]]) -> dict[str, Any]:
        rng = self.rng
        authors = [self._person(kind, non_ascii) for kind, non_ascii in shape.authors]
        editors = [self._person(kind, non_ascii) for kind, non_ascii in shape.editors]
        issued_year = rng.randint(1998, 2025) if shape.type in PAPER_TYPES else rng.randint(2012, 2025)
        title = self._title(shape, "title" in shape.non_ascii)
        rid = self._id(shape, title, authors, issued_year)
        r: dict[str, Any] = {"id": rid, "type": shape.type, "title": title}
        if authors:
            r["authors"] = authors
        if editors:
            r["editors"] = editors
        if shape.issued:
            r["issued"] = self._date(issued_year, shape.issued)
        fields = shape.fields
        arxiv = self._arxiv(issued_year) if "arxiv" in fields else None
        doi = self._doi(shape.type, arxiv) if "doi" in fields else None
        if "container" in fields:
            pool = CONTAINERS.get(shape.type, GENERIC_CONTAINERS)
            r["container"] = rng.choice(pool)
        if "publisher" in fields:
            r["publisher"] = rng.choice(PUBLISHERS)
        if "institution" in fields:
            r["institution"] = rng.choice(INSTITUTIONS)
        if "volume" in fields:
            r["volume"] = str(rng.randint(1, 60))
        if "issue" in fields:
            r["issue"] = str(rng.randint(1, 12))
        if "pages" in fields:
            first = rng.randint(1, 3000)
            r["pages"] = f"{first}-{first + rng.randint(4, 30)}"
        if "number" in fields:
            r["number"] = f"{_ascii_slug(rid, 1)}-{issued_year}-{rng.randint(1, 99)}"
        if doi:
            r["doi"] = doi
        if arxiv:
            r["arxiv"] = arxiv
            if "arxiv_class" in fields:
                r["arxiv_class"] = rng.choice(ARXIV_CLASSES)
        if "isbn" in fields:
            r["isbn"] = self._isbn()
        r["url"] = self._url(shape.type, rid, arxiv, doi)
        if shape.accessed:
            r["accessed"] = self._date(rng.randint(max(issued_year, 2019), 2026), shape.accessed)
        if "summary" in fields:
            r["summary"] = self._prose(shape.summary_len, 500, "summary" in shape.non_ascii, specials=False)
        if shape.tags:
            r["tags"] = self._tags(shape.tags)
        r["collections"] = self._memberships(shape.collection_kinds, block_collections)
        if "language" in fields:
            r["language"] = "en"
        if "note" in fields:
            r["note"] = self._prose(
                shape.note_len,
                5000,
                "note" in shape.non_ascii,
                specials=shape.note_specials,
                sentences=NOTE_FRAGMENTS,
            )
        return r

    def _person(self, kind: str, non_ascii: bool) -> dict[str, str]:
        rng = self.rng
        if kind == "org":
            return {"literal": rng.choice(ORGS_NON_ASCII if non_ascii else ORGS)}
        if non_ascii:  # one of the two name parts, at random, holds the non-ASCII text
            if rng.random() < 0.5:
                family, given = rng.choice(FAMILY_NON_ASCII), rng.choice(GIVEN)
            else:
                family, given = rng.choice(FAMILY), rng.choice(GIVEN_NON_ASCII)
        else:
            family, given = rng.choice(FAMILY), rng.choice(GIVEN)
        person = {"family": family, "given": given}
        if kind == "particle":
            person["particle"] = rng.choice(PARTICLES)
        elif kind == "suffix":
            person["suffix"] = rng.choice(SUFFIXES)
        return person

    def _title(self, shape: Shape, non_ascii: bool) -> str:
        rng = self.rng
        target = max(3, int(shape.title_len * rng.uniform(0.8, 1.2)))
        if shape.type in PAPER_TYPES:
            words = [rng.choice(VERBS), rng.choice(ADJECTIVES), rng.choice(NOUNS)]
            if target > 40:
                words[-1] += ":"
                words += [rng.choice(ADJECTIVES), rng.choice(NOUNS), "for", rng.choice(NOUNS)]
        else:
            words = [rng.choice(PRODUCTS)]
            if target > 12:
                words += [rng.choice(("for", "and", "with", "in")), rng.choice(NOUNS)]
        while True:
            more = [rng.choice(("of", "for", "and", "with", "in")), rng.choice(NOUNS).lower()]
            length = len(" ".join(words))
            if length + len(" ".join(more)) / 2 >= target:  # stop at the length closest to the target
                break
            words += more
        if non_ascii:
            if rng.random() < 0.5:
                words.insert(rng.randint(1, len(words)), rng.choice(NON_ASCII_WORDS))
            else:
                words.insert(rng.randint(1, len(words)), rng.choice(NON_ASCII_TITLE_MARKS))
        return " ".join(words)[:2000]

    def _prose(
        self,
        target: int,
        limit: int,
        non_ascii: bool,
        specials: bool,
        sentences: tuple[str, ...] | None = None,
    ) -> str:
        rng = self.rng
        target = max(20, min(limit - 60, int(target * rng.uniform(0.8, 1.2))))
        parts: list[str] = []
        length = 0
        while True:
            if sentences is not None and rng.random() < 0.5:
                sentence = rng.choice(sentences)
            else:
                sentence = (
                    f"{rng.choice(SENTENCE_OPENERS)} {rng.choice(SENTENCE_VERBS)} "
                    f"{rng.choice(SENTENCE_OBJECTS)} {rng.choice(SENTENCE_TAILS)}."
                )
            if parts and length + len(sentence) / 2 >= target:  # stop at the length closest to the target
                break
            parts.append(sentence)
            length += len(sentence) + 1
        if specials:
            parts.insert(
                rng.randint(0, len(parts)),
                rng.choice(NOTE_SPECIALS).format(n=rng.randint(2, 999), w=rng.choice(SENTENCE_VERBS)),
            )
        if non_ascii:
            i = rng.randrange(len(parts))
            word = rng.choice(NON_ASCII_WORDS + NON_ASCII_MARKS)
            parts[i] = parts[i].rstrip(".") + f" ({word})."
        return " ".join(parts)[:limit]

    def _id(self, shape: Shape, title: str, authors: list[dict[str, str]], year: int) -> str:
        first = authors[0] if authors else None
        if shape.type in PAPER_TYPES and first and "family" in first:
            word = next((w for w in _ascii_slug(title, 8).split("-") if len(w) > 3), "paper")
            base = f"{_ascii_slug(first['family'], 2).replace('-', '') or 'anon'}{year}{word}"
        else:
            base = _ascii_slug(title, 5) or "resource"
        base = base[:56].strip("-")
        rid, n = base, 1
        while rid in self.ids:
            n += 1
            rid = f"{base}-{n}"
        self.ids.add(rid)
        return rid

    def _date(self, year: int, parts: int) -> str:
        rng = self.rng
        month = rng.randint(1, 12)
        day = rng.randint(1, calendar.monthrange(year, month)[1])
        return (f"{year:04d}", f"{year:04d}-{month:02d}", f"{year:04d}-{month:02d}-{day:02d}")[parts - 1]

    def _arxiv(self, year: int) -> str:
        rng = self.rng
        year = min(max(year, 2008), 2025)
        while True:
            month = rng.randint(1, 12)
            prefix = f"{year % 100:02d}{month:02d}"
            serial = rng.randint(1, 99999) if year >= 2015 else rng.randint(1, 9999)
            arxiv = f"{prefix}.{serial:05d}" if year >= 2015 else f"{prefix}.{serial:04d}"
            if arxiv not in self.arxivs:
                self.arxivs.add(arxiv)
                return arxiv
            year = rng.randint(2008, 2025)  # this month is crowded: move on

    def _doi(self, rtype: str, arxiv: str | None) -> str:
        if rtype == "preprint" and arxiv:
            doi = f"10.48550/arXiv.{arxiv}"
        else:
            self.doi_serial += 1
            prefix = self.rng.choice(DOI_PREFIXES)
            doi = f"10.{prefix}/{'TIP.' if prefix == '1109' else ''}{3000000 + self.doi_serial}"
        assert doi.lower() not in self.dois
        self.dois.add(doi.lower())
        return doi

    def _isbn(self) -> str:
        digits = [9, 7, 8] + [self.rng.randint(0, 9) for _ in range(9)]
        check = (10 - sum((3 if i % 2 else 1) * d for i, d in enumerate(digits)) % 10) % 10
        text = "".join(map(str, [*digits, check]))
        return f"{text[:3]}-{text[3]}-{text[4:7]}-{text[7:12]}-{text[12]}"

    def _url(self, rtype: str, rid: str, arxiv: str | None, doi: str | None) -> str:
        rng = self.rng
        if rtype == "preprint" and arxiv:
            url = f"https://arxiv.org/abs/{arxiv}"
        elif rtype in PAPER_TYPES and doi and rng.random() < 0.5:
            url = f"https://doi.org/{doi}"
        elif rtype == "software":
            url = f"https://github.com/{_ascii_slug(rng.choice(ORGS), 2)}/{rid}"
        elif rtype == "documentation":
            url = f"https://{rng.choice(DOC_HOSTS)}/{rid}/"
        elif rtype in ("blog-post", "news-article"):
            url = f"https://{rng.choice(BLOG_HOSTS)}/{rid}-{rng.getrandbits(48):012x}"
        elif rtype == "video":
            url = f"{rng.choice(VIDEO_HOSTS)}{rng.getrandbits(64):016x}"
        elif rtype == "service":
            url = f"https://cloud.{rng.choice(VENDORS)}.com/{rid}"
        else:
            url = f"https://www.{rng.choice(VENDORS)}-research.org/pubs/{rid}/"
        key, n = url.rstrip("/"), 1
        while key in self.urls:  # the same id under the same host, or a repeated random video id
            n += 1
            key = f"{url.rstrip('/')}-{n}"
        self.urls.add(key)
        return key if n > 1 else url

    def _tags(self, count: int) -> list[str]:
        tags: list[str] = []
        while len(tags) < count:
            tag = f"{self.rng.choice(TAG_HEADS)}-{self.rng.choice(TAG_TAILS)}"
            if tag not in tags:
                tags.append(tag)
        return tags

    def _memberships(self, kinds: tuple[str, ...], block: list[dict[str, Any]]) -> list[str]:
        chosen: list[str] = []
        for kind in kinds:
            pool = [c["id"] for c in block if c["kind"] == kind and c["id"] not in chosen]
            if not pool:
                pool = [c["id"] for c in block if c["id"] not in chosen] or [block[0]["id"]]
            pick = self.rng.choice(pool)
            if pick not in chosen:
                chosen.append(pick)
        return chosen


def bundled_model() -> tuple[list[Shape], dict[str, list[tuple[str, ...]]], int]:
    """Resource shapes, tree shape and resources per specialization of the bundled catalog."""
    from mlops_refs import load_catalog

    catalog = load_catalog()
    roots = max(1, len(catalog.roots))
    return shapes_of(catalog), tree_shape(catalog), max(1, round(len(catalog.resources) / roots))


def fingerprint() -> str:
    """Changes whenever this generator or the bundled catalog it measures changes (keys generated caches)."""
    shapes, tree, per_block = bundled_model()
    digest = hashlib.sha256(Path(__file__).read_bytes())
    measured = [[asdict(shape) for shape in shapes], tree, per_block]
    digest.update(json.dumps(measured, sort_keys=True, default=sorted).encode("utf-8"))  # sets: sorted
    return digest.hexdigest()[:12]


def generate(size: int, seed: int, out: Path, per_file: int = RESOURCES_PER_FILE) -> dict[str, Any]:
    """Write a catalog of ``size`` resources under ``out``; returns a summary (files, counts)."""
    if size < 1:
        raise ValueError("size must be at least 1")
    shapes, tree, per_block = bundled_model()
    gen = _Generator(seed, shapes, tree)
    blocks = max(1, round(size / per_block))
    trees = gen.collections(blocks)
    out.mkdir(parents=True, exist_ok=True)
    resource_dir = out / "resources"
    resource_dir.mkdir(exist_ok=True)
    for old in resource_dir.glob("part-*.yaml"):
        old.unlink()

    meta = {
        "catalog": {
            "title": f"Synthetic MLOps references ({size} resources, seed {seed})",
            "description": "Generated by benchmarks/generate.py in the shape of the bundled catalog; "
            "for benchmarks only.",
            "version": "1.0",
            "license": "CC0-1.0",
            "updated": "2026-01-15",
            "homepage": "https://mlops-refs.example/benchmarks",
            "maintainers": [{"literal": "mlops-refs maintainers"}],
        },
        "collections": [node for nodes in trees for node in nodes],
    }
    _write_yaml(out / "catalog.yaml", meta, "Metadata and collection tree of a synthetic benchmark catalog.")

    files = [out / "catalog.yaml"]
    batch: list[dict[str, Any]] = []
    for i in range(size):
        block = trees[min(blocks - 1, i * blocks // size)]
        batch.append(gen.resource(gen.rng.choice(shapes), block))
        if len(batch) == per_file or i == size - 1:
            path = resource_dir / f"part-{len(files):05d}.yaml"
            _write_yaml(path, {"resources": batch}, f"Synthetic resources {i + 2 - len(batch)}-{i + 1}.")
            files.append(path)
            batch = []
    return {
        "size": size,
        "seed": seed,
        "collections": len(meta["collections"]),
        "files": len(files),
        "bytes": sum(f.stat().st_size for f in files),
    }


# ----------------------------------------------------------------------------------------------------------
# Two libraries with planted duplicates, for the merge
# ----------------------------------------------------------------------------------------------------------

#: What each planted duplicate in the second library differs by; the first three must merge, the last only
#: be proposed as a candidate pair (a different URL, no identifiers, the title re-cased and punctuated).
PLANTED_KINDS = ("doi", "arxiv", "url", "title")


def _model_resource(d: dict[str, Any]) -> Any:
    from mlops_refs.catalog import resource_from_mapping

    return resource_from_mapping(d)


def _planted(kind: str, r: Any, gen: _Generator, n: int) -> Any | None:
    """The copy of ``r`` another library would hold, matching it only by ``kind`` (None if it cannot)."""
    rng = gen.rng
    bare = {"id": f"{r.id}-copy", "doi": None, "arxiv": None, "arxiv_class": None, "isbn": None}
    fresh_url = f"https://mirror{n}.example.net/{r.id}"
    is_arxiv_doi = r.doi is not None and r.doi.lower().startswith("10.48550/")
    if kind == "doi" and r.doi and not is_arxiv_doi:
        doi = rng.choice(
            [f"https://doi.org/{r.doi.upper()}", f"doi:{r.doi}", f"https://dx.doi.org/{r.doi}", r.doi.upper()]
        )
        return replace(r, **{**bare, "doi": doi, "url": fresh_url})
    if kind == "arxiv" and r.arxiv:
        forms = [
            ("url", f"http://arxiv.org/pdf/{r.arxiv}v2.pdf"),
            ("url", f"https://arxiv.org/abs/{r.arxiv}v1"),
            ("doi", f"10.48550/arXiv.{r.arxiv}"),
            ("arxiv", f"arXiv:{r.arxiv}v3"),
        ]
        field, value = rng.choice(forms)
        return replace(r, **{**bare, "url": fresh_url, field: value})
    if kind == "url" and not (r.doi or r.arxiv or r.isbn):
        parts = r.url.split("://", 1)[1]
        host, _, path = parts.partition("/")
        variant = f"http://{'' if host.startswith('www.') else 'www.'}{host}/{path}".rstrip("/")
        variant += "/" if "?" not in variant else ""
        variant += ("&" if "?" in variant else "?") + "utm_source=newsletter&utm_medium=email#top"
        return replace(r, **{**bare, "url": variant})
    if kind == "title" and r.authors and r.issued and len(r.title) > 24:
        return replace(r, **{**bare, "url": fresh_url, "title": r.title.upper() + "."})
    return None


def merge_pair(size: int, seed: int, share: float = 0.2) -> tuple[Any, Any, dict[str, list[tuple[str, str]]]]:
    """Two in-memory libraries of ``size`` resources each; about ``share`` of the second are planted copies.

    Returns (first, second, planted): ``planted[kind]`` lists the (first id, second id) pairs of each kind
    in ``PLANTED_KINDS``. Every other resource of the second library is new and unique.
    """
    from mlops_refs.model import Catalog, CatalogInfo, Collection

    shapes, tree, per_block = bundled_model()
    gen = _Generator(seed, shapes, tree)
    blocks = max(1, round(size / per_block))
    libraries = []
    for name in ("first", "second"):
        trees = gen.collections(blocks)
        nodes = [node for t in trees for node in t]
        collections = [
            Collection(
                id=f"{name}-{n['id']}",
                title=n["title"],
                kind=n["kind"],
                parent_id=f"{name}-{n['parent']}" if "parent" in n else None,
            )
            for n in nodes
        ]
        resources = []
        for i in range(size):
            d = gen.resource(gen.rng.choice(shapes), trees[min(blocks - 1, i * blocks // size)])
            d["collections"] = [f"{name}-{c}" for c in d["collections"]]
            resources.append(_model_resource(d))
        libraries.append((collections, resources))
    (first_collections, first), (second_collections, second) = libraries
    planted: dict[str, list[tuple[str, str]]] = {kind: [] for kind in PLANTED_KINDS}
    want = int(size * share)
    order = list(range(size))
    gen.rng.shuffle(order)
    for n, index in enumerate(order):
        if sum(map(len, planted.values())) >= want:
            break
        original = first[index]
        fewest_first = sorted(PLANTED_KINDS, key=lambda k: len(planted[k]))
        kind, copy = next(
            ((k, c) for k in fewest_first if (c := _planted(k, original, gen, n)) is not None), ("", None)
        )
        if copy is None:
            continue
        second[index] = replace(copy, collection_ids=second[index].collection_ids)
        planted[kind].append((original.id, copy.id))
    info = CatalogInfo(title=f"Synthetic library ({size} resources, seed {seed})")
    return (
        Catalog.build(info, first_collections, first),
        Catalog.build(info, second_collections, second),
        planted,
    )


def union(first: Any, second: Any) -> Any:
    """Both libraries of a ``merge_pair`` as one catalog, the planted copies beside their originals."""
    from mlops_refs.model import Catalog

    return Catalog.build(
        first.info, (*first.collections, *second.collections), (*first.resources, *second.resources)
    )


#: The files ``library_files`` writes, by name, and the format of each.
LIBRARY_FILES = {"library.bib": "bibtex", "bookmarks.html": "netscape"}


def library_files(size: int, seed: int, out: Path) -> dict[str, Any]:
    """Write ``size`` resources (rounded down to even) as a BibTeX file and a Netscape bookmark file.

    The records are both libraries of ``merge_pair(size // 2, seed)``, so about a tenth of them are planted
    duplicates of others (see ``PLANTED_KINDS``), each kept in one collection only, so that the bookmark file
    holds exactly one bookmark per record; each file is exported by mlops-refs itself.
    """
    import mlops_refs

    first, second, planted = merge_pair(max(1, size // 2), seed)
    both = union(first, second)
    one_place = [replace(r, collection_ids=r.collection_ids[:1]) for r in both.resources]
    both = type(both).build(both.info, both.collections, one_place)
    out.mkdir(parents=True, exist_ok=True)
    for name, fmt in LIBRARY_FILES.items():
        tmp = out / f"{name}.tmp"
        tmp.write_text(mlops_refs.dumps(both, fmt), encoding="utf-8", newline="")
        tmp.replace(out / name)
    return {"records": len(both.resources), "planted": {k: len(v) for k, v in planted.items()}}


def _write_yaml(path: Path, data: dict[str, Any], comment: str) -> None:
    text = yaml.dump(
        data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=None, width=4096
    )
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(f"# {comment}\n{text}", encoding="utf-8", newline="\n")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    """Command line: generate a catalog, optionally printing its field mix beside the bundled one."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, required=True, help="number of resources")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--per-file", type=int, default=RESOURCES_PER_FILE, help="resources per file (default 1000)"
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="load the result and print its field mix beside the bundled catalog's, as JSON",
    )
    parser.add_argument(
        "--library",
        action="store_true",
        help=f"write {' and '.join(LIBRARY_FILES)} (with planted duplicates) instead of a catalog",
    )
    args = parser.parse_args(argv)
    if args.library:
        written = library_files(args.size, args.seed, args.out)
        print(
            f"wrote {written['records']} records, planted {written['planted']} -> {args.out}", file=sys.stderr
        )
        return 0
    summary = generate(args.size, args.seed, args.out, args.per_file)
    print(
        f"wrote {summary['files']} files ({summary['bytes'] / 1e6:.1f} MB): {summary['size']} resources, "
        f"{summary['collections']} collections -> {args.out}",
        file=sys.stderr,
    )
    if args.compare:
        from mlops_refs import load_catalog

        print(
            json.dumps(
                {"bundled": profile(load_catalog()), "generated": profile(load_catalog(args.out))},
                indent=2,
                ensure_ascii=False,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
