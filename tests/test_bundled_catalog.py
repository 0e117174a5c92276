"""The bundled catalog: every resource the course notes name is present once, filed where the notes put it."""

from __future__ import annotations

import re

import pytest

# (what the notes call it, catalog id, a collection the notes file it under)
NOTES = [
    ("the specialization's Coursera page", "mlep-specialization", "mlep"),
    ("Course 1's Coursera page", "mlep-course1", "c1"),
    ("Course 2's Coursera page", "mlep-course2", "c2"),
    ("Course 3's Coursera page", "mlep-course3", "c3"),
    ("Course 4's Coursera page", "mlep-course4", "c4"),
    ("Towards ML Engineering: A brief history of TFX", "katsiapis2020towards", "c1-overall"),
    ("Challenges in deploying machine learning", "paleyes2020challenges", "c1-w1"),
    ("Hidden technical debt in machine learning systems", "sculley2015hidden", "c1-w1"),
    ("Concept and Data Drift", "tds-data-concept-drift", "c1-w1"),
    ("Monitoring ML Models", "christophergs-monitoring-ml-models", "c1-w1"),
    ("A Chat with Andrew on MLOps", "andrew-ng-model-centric-to-data-centric-ai", "c1-w1"),
    ("Establishing a baseline", "cmu-ml-blog-baselines", "c1-w2"),
    ("Error analysis", "microsoft-responsible-ml-error-analysis", "c1-w2"),
    ("Experiment tracking", "neptune-ml-experiment-tracking", "c1-w2"),
    ("Toward trustworthy AI development", "brundage2020toward", "c1-w2"),
    ("Deep double descent", "nakkiran2019deep", "c1-w2"),
    ("Label ambiguity", "gao2017deep", "c1-w3"),
    ("https://arxiv.org/pdf/1706.06969.pdf / Geirhos et al.", "geirhos2017comparing", "c1-w3"),
    ("Data pipelines", "cs230-data-pipeline", "c1-w3"),
    ("Data lineage", "tf-blog-ml-metadata", "c1-w3"),
    ("MLops", "gcloud-mlops-foundation", "c1-w3"),
    ("https://dvc.org/", "dvc", "c2-w3-data-versioning"),
    ("https://git-lfs.github.com/", "git-lfs", "c2-w3-data-versioning"),
    ("tfx/guide/mlmd#data_model", "tfx-guide-ml-metadata", "c2-w3-ml-metadata"),
    (
        "tfx/guide/understanding_custom_components",
        "tfx-guide-understanding-custom-components",
        "c2-w3-ml-metadata",
    ),
    ("Chicago taxi trips data set", "chicago-taxi-trips", "c2-w3-chicago-taxi"),
    ("archive.ics.uci.edu/ml/datasets/covertype", "uci-covertype", "c2-w3-chicago-taxi"),
    ("introducing-feast (Google Cloud blog)", "gcloud-introducing-feast", "c2-w3-feast"),
    ("github.com/feast-dev/feast", "feast", "c2-w3-feast"),
    (
        "gojek.io/blog/feast-bridging-ml-models-and-data",
        "gojek-feast-bridging-ml-models-and-data",
        "c2-w3-feast",
    ),
    ("machine-learning-engineering-for-production-public", "mlep-course-repo", "c4-course-materials"),
    (
        "tensorflow serving: tfx/serving/architecture",
        "tensorflow-serving-architecture",
        "c4-w2-model-servers",
    ),
    ("torchserve", "torchserve", "c4-w2-model-servers"),
    ("kubeFlow serving", "kubeflow-serving", "c4-w2-model-servers"),
    ("NVIDIA Triton", "nvidia-triton-inference-server", "c4-w2-model-servers"),
    ("scaling talk on YouTube", "moroney-1d-day-scaling-talk", "c4-w2-boy-bands"),
    ("computerweekly 1D Day article", "computerweekly-sony-music-1d-day", "c4-w2-boy-bands"),
    (
        "Machine Learning Experiment Tracking",
        "biewald-experiment-tracking",
        "c4-w3-experiment-tracking-reading",
    ),
    (
        "Machine Learning Experiment Management",
        "czakon-experiment-management",
        "c4-w3-experiment-tracking-reading",
    ),
    ("christophergs monitoring article", "christophergs-monitoring-ml-models", "c4-w4-monitoring-reading"),
    ("Google Cloud Memorystore", "google-cloud-memorystore", "c4-w1-nosql"),
    ("Google Cloud Firestore", "google-cloud-firestore", "c4-w1-nosql"),
    ("Google Cloud Bigtable", "google-cloud-bigtable", "c4-w1-nosql"),
    ("Amazon DynamoDB", "amazon-dynamodb", "c4-w1-nosql"),
    ("MobileNets", "howard2017mobilenets", "c4-w1-mobilenets"),
    ("Clipper", "clipper", "c4-w1-serving-systems"),
    ("TensorFlow Serving (week 1)", "tensorflow-serving", "c4-w1-serving-systems"),
    ("Model Server Architecture", "vikati-rise-of-the-model-servers", "c4-w2-architecture"),
    ("TensorFlow Serving (week 2)", "tensorflow-serving-architecture", "c4-w2-architecture"),
    ("NVIDIA Triton Inference Server", "nvidia-triton-inference-server", "c4-w2-architecture"),
    ("Torch Serve", "torchserve", "c4-w2-architecture"),
    ("Kubeflow Serving", "kubeflow-serving", "c4-w2-architecture"),
    ("Container Orchestration", "phoenixnap-container-orchestration", "c4-w2-scaling"),
    ("Kubernetes", "kubernetes", "c4-w2-scaling"),
    ("Docker Swarm", "docker-swarm", "c4-w2-scaling"),
    ("Kubeflow", "kubeflow", "c4-w2-scaling"),
    ("Batch vs. Online Inference", "patruno-batch-vs-online-inference", "c4-w2-online-inference"),
    ("Kafka ML", "kafka-ml", "c4-w2-batch-etl"),
    ("Pub Sub", "google-cloud-pubsub", "c4-w2-batch-etl"),
    ("Cloud DataFlow", "google-cloud-dataflow", "c4-w2-batch-etl"),
    ("Apache Spark", "apache-spark", "c4-w2-batch-etl"),
    ("Tracking", "biewald-experiment-tracking", "c4-w3-experiment-tracking"),
    ("Management", "czakon-experiment-management", "c4-w3-experiment-tracking"),
    ("nbconvert", "nbconvert", "c4-w3-notebooks"),
    ("nbdime", "nbdime", "c4-w3-notebooks"),
    ("jupytext", "jupytext", "c4-w3-notebooks"),
    ("neptune-notebooks", "neptune-docs", "c4-w3-notebooks"),
    ("git", "git", "c4-w3-notebooks"),
    ("Neptune", "neptune-data-versioning", "c4-w3-data-versioning"),
    ("Pachyderm", "pachyderm", "c4-w3-data-versioning"),
    ("Delta Lake", "delta-lake", "c4-w3-data-versioning"),
    ("Git LFS", "git-lfs", "c4-w3-data-versioning"),
    ("DoIt", "dolt", "c4-w3-data-versioning"),
    ("lakeFS", "lakefs", "c4-w3-data-versioning"),
    ("DVC", "dvc", "c4-w3-data-versioning"),
    ("ML-Metadata", "tf-blog-ml-metadata", "c4-w3-data-versioning"),
    ("Image Summaries", "tensorboard-image-summaries", "c4-w3-tooling-for-teams"),
    ("neptune-ai", "neptune-for-teams", "c4-w3-tooling-for-teams"),
    ("Vertex TensorBoard", "vertex-ai-tensorboard", "c4-w3-tooling-for-teams"),
    (
        "MLOps: Continuous delivery and automation pipelines",
        "google-mlops-continuous-delivery",
        "c4-w3-mlops",
    ),
    ("Creating a Custom TFX Component", "tfx-creating-custom-component", "c4-w3-tfx"),
    ("Building Fully Custom Components", "tfx-fully-custom-components", "c4-w3-tfx"),
    ("Progressive Delivery", "split-progressive-delivery", "c4-w3-delivery"),
    ("Continuous, Incremental, & Progressive Delivery", "kodumal2018continuous", "c4-w3-delivery"),
    ("Deployment Strategies", "skowronski-deployment-strategies", "c4-w3-delivery"),
    ("Blue/Green Deployment", "fowler2010bluegreen", "c4-w3-delivery"),
    ("A/B Testing", "capitalone-ab-testing-ml", "c4-w3-delivery"),
    ("Hidden Technical Debt (week 4)", "sculley2015hidden", "c4-w4"),
    (
        "Monitoring Machine Learning Models in Production (week 4)",
        "christophergs-monitoring-ml-models",
        "c4-w4",
    ),
    ("Google Cloud Monitoring", "google-cloud-monitoring", "c4-w4"),
    ("Amazon CloudWatch", "amazon-cloudwatch", "c4-w4"),
    ("Azure Monitor", "azure-monitor", "c4-w4"),
    ("Dapper", "sigelman2010dapper", "c4-w4"),
    ("Jaeger", "jaeger", "c4-w4"),
    ("Zipkin", "zipkin", "c4-w4"),
    ("Vertex Prediction", "vertex-ai", "c4-w4"),
    ("Vertex Labelling Service", "vertex-ai-label-console", "c4-w4"),
    ('How "Anonymous" is Anonymized Data?', "kdnuggets-anonymized-data", "c4-w4"),
    ("Pseudonymization", "dataprivacymanager-pseudonymization", "c4-w4"),
]

# Every heading of the notes is a collection.
HEADINGS = [
    "mlep",
    "c1",
    "c1-overall",
    "c1-w1",
    "c1-w2",
    "c1-w3",
    "c2",
    "c2-w3",
    "c2-w3-data-versioning",
    "c2-w3-ml-metadata",
    "c2-w3-chicago-taxi",
    "c2-w3-feast",
    "c3",
    "c4",
    "c4-course-materials",
    "c4-w1",
    "c4-w1-nosql",
    "c4-w1-mobilenets",
    "c4-w1-serving-systems",
    "c4-w2",
    "c4-w2-model-servers",
    "c4-w2-boy-bands",
    "c4-w2-architecture",
    "c4-w2-scaling",
    "c4-w2-online-inference",
    "c4-w2-batch-etl",
    "c4-w3",
    "c4-w3-experiment-tracking-reading",
    "c4-w3-experiment-tracking",
    "c4-w3-notebooks",
    "c4-w3-data-versioning",
    "c4-w3-tooling-for-teams",
    "c4-w3-mlops",
    "c4-w3-tfx",
    "c4-w3-delivery",
    "c4-w4",
    "c4-w4-monitoring-reading",
]


@pytest.mark.parametrize(("name", "resource_id", "collection_id"), NOTES, ids=[n for n, _, _ in NOTES])
def test_every_resource_of_the_notes_is_filed_where_the_notes_put_it(
    bundled_catalog, name, resource_id, collection_id
) -> None:
    resource = bundled_catalog.resource(resource_id)
    assert collection_id in resource.collection_ids, f"{name!r} is not filed under {collection_id}"


def test_catalog_holds_exactly_the_resources_of_the_notes(bundled_catalog) -> None:
    assert {r.id for r in bundled_catalog.resources} == {rid for _, rid, _ in NOTES}


def test_every_heading_of_the_notes_is_a_collection(bundled_catalog) -> None:
    assert [c.id for c in bundled_catalog.collections] == HEADINGS


def test_papers_have_authors_years_and_identifiers(bundled_catalog) -> None:
    for r in bundled_catalog.resources:
        if r.is_paper:
            assert r.authors, r.id
            assert r.issued is not None, r.id
            assert all(p.is_organisation or (p.family and p.given) for p in r.authors), r.id
        if r.type == "preprint":
            assert r.arxiv, r.id
            assert r.url == f"https://arxiv.org/abs/{r.arxiv}", r.id
        if r.arxiv:
            assert r.arxiv_class, r.id


def test_mangled_names_of_the_notes_are_corrected(bundled_catalog) -> None:
    tfx = bundled_catalog.resource("katsiapis2020towards")
    assert (tfx.authors[0].given, tfx.authors[0].family) == ("Konstantinos", "Katsiapis")
    geirhos = bundled_catalog.resource("geirhos2017comparing")
    assert any(p.family == "Schütt" for p in geirhos.authors)
    sculley = bundled_catalog.resource("sculley2015hidden")
    assert len(sculley.authors) == 10
    assert sculley.issued.year == 2015
    assert bundled_catalog.resource("dolt").title == "Dolt"


def test_urls_are_canonical_https(bundled_catalog) -> None:
    for r in bundled_catalog.resources:
        assert r.url.startswith("https://"), r.id
        assert not re.search(r"[?&](utm_|fbclid)", r.url), r.id
        assert not r.url.endswith(".pdf"), r.id


def test_bundled_resources_keep_the_catalogs_own_stricter_rules(bundled_catalog) -> None:
    """The schema accepts imported records (no URL, no folder, any citation key); our own data does not."""
    own_id = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
    assert [r.id for r in bundled_catalog.resources if not own_id.fullmatch(r.id)] == []
    assert [r.id for r in bundled_catalog.resources if not r.url] == []
    assert [r.id for r in bundled_catalog.resources if not r.collection_ids] == []
    assert {c.kind for c in bundled_catalog.collections} <= {"specialization", "course", "week", "topic"}


def test_each_collection_page_is_a_course_resource_in_that_collection(bundled_catalog) -> None:
    pages = {c.id: c.url for c in bundled_catalog.collections if c.url}
    assert set(pages) == {"mlep", "c1", "c2", "c3", "c4"}
    for collection_id, url in pages.items():
        (page,) = [r for r in bundled_catalog.resources if r.url == url]
        assert page.type == "course"
        assert collection_id in page.collection_ids


def test_no_collection_is_empty(bundled_catalog) -> None:
    for collection in bundled_catalog.collections:
        assert bundled_catalog.members(collection) or bundled_catalog.children(collection), collection.id
