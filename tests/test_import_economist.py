"""Tests for scripts/import_economist.py and the fact file it generates, facts/economist-estimates.yaml."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "import_economist.py"
CSV_PATH = ROOT / "data" / "economist" / "soldier-deaths-casualties-estimates.csv"
OUT_PATH = ROOT / "facts" / "economist-estimates.yaml"
SHARED_CLAIMANTS_FILE = ROOT / "facts" / "claimants.yaml"
SHARED_IDS = {"us-dod", "us-officials", "ua-general-staff", "russia-mod", "zelenskyy", "csis"}
FLAG = "ignore for chart, data from warring parties"


def load_script():
    spec = importlib.util.spec_from_file_location("import_economist", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def importer():
    return load_script()


@pytest.fixture(scope="module")
def fact_file() -> dict:
    # The project loader may not exist yet: read the generated file as plain YAML.
    return yaml.safe_load(OUT_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rows_and_facts(fact_file) -> list[tuple[dict, dict]]:
    """CSV rows paired with their facts (the importer keeps the CSV's row order)."""
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(fact_file["facts"])
    return list(zip(rows, fact_file["facts"], strict=True))


def party_to_conflict(claimant_id: str, fact_file: dict, importer) -> bool:
    """party_to_conflict of a claimant, wherever it is defined (this file, or the shared claimants)."""
    if claimant_id in fact_file["claimants"]:
        return fact_file["claimants"][claimant_id]["party_to_conflict"]
    if SHARED_CLAIMANTS_FILE.exists():
        shared = yaml.safe_load(SHARED_CLAIMANTS_FILE.read_text(encoding="utf-8")).get("claimants", {})
        if claimant_id in shared:
            return shared[claimant_id]["party_to_conflict"]
    return importer.SHARED_CLAIMANTS[claimant_id]


def test_generated_file_is_up_to_date():
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_output_is_deterministic(tmp_path):
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    for out in (first, second):
        subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], check=True, capture_output=True)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() == OUT_PATH.read_bytes()


def test_header_points_at_schema_and_input_hash():
    lines = OUT_PATH.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# yaml-language-server: $schema=../facts.schema.json"
    header = "\n".join(lines[:3])
    assert "scripts/import_economist.py" in header and "Do not edit by hand" in header
    assert hashlib.sha256(CSV_PATH.read_bytes()).hexdigest() in header


def test_one_fact_per_csv_row(fact_file):
    facts = fact_file["facts"]
    assert fact_file["schema_version"] == 1
    assert len(facts) == 124
    assert len({f["id"] for f in facts}) == 124


def test_ids_are_lowercase_slugs(fact_file):
    ids = [f["id"] for f in fact_file["facts"]]
    for section in ("sources", "claimants", "metrics"):
        ids += list(fact_file[section])
    bad = [i for i in ids if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", i)]
    assert not bad


def test_deaths_and_casualties_never_share_a_metric(fact_file, rows_and_facts):
    metrics = fact_file["metrics"]
    assert set(metrics) == {
        "soldier-deaths-russia",
        "soldier-casualties-russia",
        "soldier-deaths-ukraine",
        "soldier-casualties-ukraine",
    }
    types_per_metric: dict[str, set[str]] = {}
    for row, fact in rows_and_facts:
        types_per_metric.setdefault(fact["metric"], set()).add(row["type"])
        assert metrics[fact["metric"]]["category"] == row["type"]
        assert fact["metric"].endswith("-" + row["country"])
    assert all(len(types) == 1 for types in types_per_metric.values())
    for metric in metrics.values():
        assert metric["unit"] == "people" and metric["aggregation"] == "cumulative"
        assert metric["since"] == dt.date(2022, 2, 24)
        if metric["category"] == "deaths":
            assert "killed in" in metric["definition"] and "wounded are not counted" in metric["definition"]
        else:
            assert "killed and wounded (casualties)" in metric["definition"]


def test_uk_mod_spellings_map_to_one_claimant(fact_file, rows_and_facts):
    claimants = {
        fact["claimant"] for row, fact in rows_and_facts if row["source"] in ("UK MoD", "UK Ministry of Defence")
    }
    assert claimants == {"uk-mod"}
    assert set(fact_file["claimants"]["uk-mod"]["aliases"]) == {"UK MoD", "UK Ministry of Defence"}


def test_merged_spellings(rows_and_facts):
    def claimants_of(*spellings):
        return {fact["claimant"] for row, fact in rows_and_facts if row["source"].strip() in spellings}

    assert claimants_of("CSIS", "The Centre for Strategic and International Studies") == {"csis"}
    assert claimants_of("Mediazona; Meduza", "Mediazona; Meduza (cumulative)") == {"mediazona-meduza"}
    assert (
        len(
            claimants_of(
                "Dutch Military Intelligence and Security Service (MIVD)",
                "Dutch Military Intelligence and Security Service (MIVD; note, timing clarified via email)",
            )
        )
        == 1
    )
    assert claimants_of("Pentagon leak", "US DoD", "US Sec of Def") == {"us-dod"}
    cumulative = [f for r, f in rows_and_facts if r["source"] == "Mediazona; Meduza (cumulative)"]
    assert cumulative and all("(cumulative)" in f["note"] for f in cumulative)
    leak = [f for r, f in rows_and_facts if r["source"] == "Pentagon leak"]
    assert leak and all("leaked" in f["note"] for f in leak)


def test_via_nyt_rows_are_us_officials_from_a_nyt_source(fact_file, rows_and_facts):
    nyt_facts = [fact for row, fact in rows_and_facts if row["source"] == "US officials (via NYT)"]
    assert nyt_facts
    for fact in nyt_facts:
        source = fact_file["sources"][fact["source"]]
        assert fact["claimant"] == "us-officials"
        assert source["publisher"] == "The New York Times"
        assert urlsplit(source["url"]).hostname == "www.nytimes.com"


def test_ukrainian_leak_is_a_party_reported_by_wsj(fact_file, rows_and_facts):
    leak = [fact for row, fact in rows_and_facts if row["source"] == "Ukrainian estimate (leak via WSJ)"]
    assert len(leak) == 2
    for fact in leak:
        assert fact_file["claimants"][fact["claimant"]]["party_to_conflict"] is True
        assert fact_file["sources"][fact["source"]]["publisher"] == "The Wall Street Journal"


def test_quoted_thousands_value_parses_to_an_integer(rows_and_facts):
    (fact,) = [f for r, f in rows_and_facts if r["estimate_high"] == "140,000"]
    assert fact["high"] == 140000 and fact["low"] == 106000 and fact["value"] == 120000
    for row, fact in rows_and_facts:
        for column, field in (("estimate_low", "low"), ("estimate_high", "high"), ("estimate", "value")):
            if row[column]:
                assert fact[field] == int(row[column].replace(",", ""))
                assert isinstance(fact[field], int)


def test_known_row_cia_july_2022(rows_and_facts):
    (fact,) = [
        f for r, f in rows_and_facts if r["date"] == "20/07/2022" and r["source"] == "CIA" and r["type"] == "deaths"
    ]
    assert fact["as_of"] == dt.date(2022, 7, 20)
    assert fact["low"] == 15000 and fact["qualifier"] == "at_least"
    assert "value" not in fact and "high" not in fact
    assert fact["metric"] == "soldier-deaths-russia"


def test_single_digit_day_and_month_dates(rows_and_facts):
    (fact,) = [f for r, f in rows_and_facts if r["date"] == "1/12/2025" and r["estimate"] == "1,200,000"]
    assert fact["as_of"] == dt.date(2025, 12, 1) and fact["value"] == 1200000


def test_only_high_is_at_most(rows_and_facts):
    only_high = [f for r, f in rows_and_facts if r["estimate_high"] and not r["estimate_low"] and not r["estimate"]]
    assert only_high and all(f["qualifier"] == "at_most" and "value" not in f for f in only_high)


def test_flagged_rows_have_claimants_party_to_conflict(fact_file, rows_and_facts, importer):
    flagged = [fact for row, fact in rows_and_facts if row[FLAG].strip().lower() == "yes"]
    assert len(flagged) == 4
    for fact in flagged:
        assert party_to_conflict(fact["claimant"], fact_file, importer) is True, fact["id"]


def test_importer_refuses_a_flagged_row_from_a_non_party(importer):
    text = CSV_PATH.read_text(encoding="utf-8")
    line = "01/04/2022,,,11966,casualties,UK MoD,https://x.com/DefenceHQ/status/1876584633103507960/photo/2,russia,"
    assert line in text
    with pytest.raises(importer.ImportProblem, match="warring party"):
        importer.convert(text.replace(line, line + "yes"))


def test_importer_refuses_an_unknown_claimant_spelling(importer):
    text = CSV_PATH.read_text(encoding="utf-8").replace(",IISS,", ",Some New Think Tank,", 1)
    with pytest.raises(importer.ImportProblem, match="Some New Think Tank"):
        importer.convert(text)


def test_every_source_url_is_http(fact_file):
    for source_id, source in fact_file["sources"].items():
        if "url" in source:
            assert urlsplit(source["url"]).scheme in ("http", "https"), source_id
        assert source["kind"] in {"news", "government", "dataset", "report", "social", "other"}


def test_text_source_url_becomes_a_source_without_url(fact_file, rows_and_facts):
    text = "(new to this piece, via email from Alexandr at Meduza)"
    source_ids = {fact["source"] for row, fact in rows_and_facts if row["source_url"] == text}
    assert len(source_ids) == 1
    source = fact_file["sources"][source_ids.pop()]
    assert "url" not in source and text in source["note"]


def test_every_fact_cites_its_publication_via_the_dataset(fact_file):
    dataset = fact_file["sources"]["economist-war-dead-estimates"]
    assert dataset["license"] == "MIT" and dataset["kind"] == "dataset" and "978a24b" in dataset["note"]
    for fact in fact_file["facts"]:
        assert fact["source"] in fact_file["sources"] and fact["source"] != "economist-war-dead-estimates"
        assert fact["via"] == "economist-war-dead-estimates"
        assert fact["tags"] == ["economist-dataset"]
        assert "quote" not in fact


def test_every_claimant_is_shared_or_defined_here(fact_file):
    defined = set(fact_file["claimants"])
    assert not defined & SHARED_IDS, "shared claimants are defined in facts/claimants.yaml, not here"
    assert {fact["claimant"] for fact in fact_file["facts"]} <= defined | SHARED_IDS
    for claimant in fact_file["claimants"].values():
        assert isinstance(claimant["party_to_conflict"], bool) and claimant["aliases"]


def test_parse_helpers(importer):
    assert importer.parse_date("17/9/2024") == dt.date(2024, 9, 17)
    assert importer.parse_number("1,490,000") == 1490000
    assert importer.parse_number(" ") is None
    for bad in ("1.5", "14,00", "about 100"):
        with pytest.raises(importer.ImportProblem):
            importer.parse_number(bad)
    for bad in ("12/2024", "2024-09-17", "31/02/2024"):
        with pytest.raises(importer.ImportProblem):
            importer.parse_date(bad)


def test_titles_made_from_addresses_are_descriptions_dated_where_the_address_gives_a_day(fact_file):
    sources = fact_file["sources"]
    made = {k: s for k, s in sources.items() if "url" in s and k != "economist-war-dead-estimates"}
    assert made and all(s["title_kind"] == "description" for s in made.values())
    # A slug that lost a decimal point is not repeated as a title: 1.4 million, not 14 million.
    (united24,) = [s for s in made.values() if "united24media.com" in s["url"]]
    assert "1.4 million" in united24["title"] and "14 million" not in united24["title"]
    assert "14 million" in united24["note"]  # the note says what the address reads
    # The day in an address (/2022/08/11/) is the page's publication date; an X post's is in its id.
    nyt = [s for s in made.values() if "nytimes.com/2022/08/11/" in s["url"]]
    assert nyt and all(s["published"] == "2022-08-11" for s in nyt)
    posts = [s for s in made.values() if "/status/" in s["url"]]
    assert posts and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", s["published"]) for s in posts)
    assert all(s["published"] in s["title"] for s in posts)
