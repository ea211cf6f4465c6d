"""Every dbt model, seed and source is described, and so is every column of the served marts (issue 9, Build 6):
read from the manifest dbt parses, so a model added without its yml fails here, not in review."""

from __future__ import annotations

import json

import pytest

from pipelines.assets.dbt import ensure_manifest
from pipelines.serving_tables import SERVED_TABLES


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(ensure_manifest().read_text(encoding="utf-8"))


def undescribed(nodes) -> list[str]:
    return sorted(n["name"] for n in nodes if not n["description"].strip())


def test_every_model_seed_and_source_is_described(manifest):
    nodes = list(manifest["nodes"].values())
    models = [n for n in nodes if n["resource_type"] == "model"]
    assert len(models) > 50
    assert undescribed(models) == []
    assert undescribed(n for n in nodes if n["resource_type"] == "seed") == []
    assert undescribed(manifest["sources"].values()) == []


def test_every_served_column_is_described(manifest):
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    missing = {}
    for served, mart in SERVED_TABLES.items():
        model = models[mart.split(".")[-1]]
        assert model["columns"], f"{served}: no columns in its yml"
        blank = [c for c, v in model["columns"].items() if not v["description"].strip()]
        if blank:
            missing[served] = blank
    assert missing == {}
