"""The shipped imports: General Staff and Oryx series rebuilt byte for byte, and each trap of the data handled."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import time

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import load_factbase
from dashboard.analysis.checks import run_checks
from dashboard.cli import main
from dashboard.factbase.yamltext import needs_located_parse
from dashboard.imports.importer import run_import

from .conftest import ROOT, SHARED
from .readers import fast_and_located_agree

GENERATED = {
    "gsua-equipment.yaml": "facts/gsua-equipment.yaml",
    "gsua-personnel.yaml": "facts/gsua-personnel.yaml",
    "oryx.yaml": "facts/oryx-history.yaml",
    "us-packages.yaml": "facts/us-packages.yaml",
}
# The long series include their facts as the fact table beside them (.csv); the 101 packages, each
# with a source of its own, are YAML.
TABLES = [output.replace(".yaml", ".csv") for output in GENERATED.values() if "us-packages" not in output]
EQUIPMENT = ROOT / "data" / "gsua" / "russia_losses_equipment.json"
PERSONNEL = ROOT / "data" / "gsua" / "russia_losses_personnel.json"
ORYX = ROOT / "data" / "oryx" / "oryx_totals_by_type_history.csv"
INVASION = dt.date(2022, 2, 24)


@pytest.fixture(scope="module")
def base():
    return load_factbase(ROOT / "facts.yaml")


@pytest.fixture(scope="module")
def facts(base):
    return base.facts


def series(facts, metric, claimant):
    rows = facts[(facts["metric"] == metric) & (facts["claimant"] == claimant)].sort_values("as_of")
    return dict(zip(rows["as_of"].dt.strftime("%Y-%m-%d"), rows["value"], strict=True))


# ---- the files ---------------------------------------------------------------------------------------


def test_import_rebuilds_the_shipped_files_byte_for_byte_from_the_repos_copies(tmp_path):
    """Copies of the specs and inputs in the repo's layout, imported into an empty facts/ folder."""
    for folder in ("imports", "data/gsua", "data/oryx", "data/us-packages"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    shutil.copy(ROOT / "facts.schema.json", tmp_path)
    specs = [str(tmp_path / "imports" / name) for name in GENERATED]
    assert main(["--root", str(tmp_path), "import", *specs, "--no-progress"]) == 0
    for output in [*GENERATED.values(), *TABLES]:
        assert (tmp_path / output).read_bytes() == (ROOT / output).read_bytes(), f"{output} differs"


def test_the_shipped_files_are_current():
    assert main(["import", "--check", *(str(ROOT / "imports" / name) for name in GENERATED)]) == 0


def test_the_default_fact_base_includes_the_generated_files(base):
    text = (ROOT / "facts.yaml").read_text(encoding="utf-8")
    for output in GENERATED.values():
        assert f"  - {output}\n" in text
    assert set(TABLES) <= set(base.files)  # each generated file includes its fact table


@pytest.mark.skipif(
    not SHARED.joinpath("data").is_dir() and os.environ.get("CI") != "true",
    reason="no ../shared/data beside the checkout",
)  # CI always has it
@pytest.mark.parametrize(
    "name",
    [
        "gsua/russia_losses_equipment.json",
        "gsua/russia_losses_personnel.json",
        "gsua/LICENSE",
        "oryx/oryx_totals_by_type_history.csv",
        "oryx/LICENSE",
        "us-packages/us_security_assistance_packages.csv",
        "us-packages/upstream-methodology-en.mdoc",
    ],
)
def test_the_inputs_are_unchanged_copies_with_their_licences(name):
    assert (ROOT / "data" / name).read_bytes() == (SHARED / "data" / name).read_bytes()


@pytest.mark.parametrize("output", GENERATED.values())
def test_generated_files_stay_on_the_loaders_fast_path(output):
    text = (ROOT / output).read_text(encoding="utf-8")
    assert not needs_located_parse(text)
    assert "{" not in text and "\n---" not in text
    if "equipment" not in output:  # the 5 MB one is compared in the loader's own tests
        assert fast_and_located_agree(text, output)


def test_importing_the_general_staff_equipment_file_takes_under_5_seconds():
    started = time.perf_counter()
    result = run_import(ROOT / "imports" / "gsua-equipment.yaml")
    assert result.ok and len(result.facts) > 20_000
    assert time.perf_counter() - started < 5


def test_provenance_the_dataset_is_via_and_the_original_publication_is_the_source(base, facts):
    gsua = facts[facts["fact_id"].str.startswith("gsua-")]
    assert set(gsua["claimant"]) == {"ua-general-staff"} and set(gsua["source"]) == {"ua-general-staff-daily-losses"}
    assert set(gsua["via"]) == {"petroivaniuk-war-dataset"}
    oryx = facts[facts["fact_id"].str.startswith("oryx-")]
    assert set(oryx["claimant"]) == {"oryx"} and set(oryx["via"]) == {"scarnecchia-oryx-data"}
    sources = base.sources
    assert sources.at["petroivaniuk-war-dataset", "license"] == "MIT"
    assert "37655f8" in sources.at["petroivaniuk-war-dataset", "note"]
    assert sources.at["scarnecchia-oryx-data", "license"] == "CC BY 4.0"
    assert "a8624b4" in sources.at["scarnecchia-oryx-data", "note"]
    assert gsua["quote"].isna().all() and oryx["quote"].isna().all()  # the datasets have no words to quote


# ---- General Staff traps -----------------------------------------------------------------------------


def test_no_2022_02_24_row_the_first_figure_is_day_2_and_nothing_is_invented_for_day_1(facts):
    rows = json.loads(EQUIPMENT.read_text(encoding="utf-8"))
    assert rows[0]["date"] == "2022-02-25" and rows[0]["day"] == 2
    assert all(r["day"] == (dt.date.fromisoformat(r["date"]) - INVASION).days + 1 for r in rows)
    gsua = facts[facts["claimant"] == "ua-general-staff"]
    gsua = gsua[gsua["fact_id"].str.startswith("gsua-")]
    assert gsua["as_of"].min() == dt.datetime(2022, 2, 25)
    assert (gsua["since"] == dt.datetime(2022, 2, 24)).all()  # each figure still counts from the 24th
    assert series(facts, "tanks-lost-russia", "ua-general-staff")["2022-02-25"] == 80


def test_a_missing_category_is_not_tracked_never_a_zero(facts):
    rows = json.loads(EQUIPMENT.read_text(encoding="utf-8"))
    mapping = {
        "submarines": "submarines-lost-russia-gs",
        "military auto": "military-vehicles-lost-russia-gs",
        "fuel tank": "fuel-tankers-lost-russia-gs",
        "vehicles and fuel tanks": "vehicles-fuel-tankers-lost-russia-gs",
        "mobile SRBM system": "srbm-launchers-lost-russia-gs",
        "cruise missiles": "cruise-missiles-downed-russia-gs",
        "special equipment": "special-equipment-lost-russia-gs",
        "ground robotic systems": "ground-robots-lost-russia-gs",
    }
    for key, metric in mapping.items():
        dates = [r["date"] for r in rows if r.get(key) is not None]
        assert list(series(facts, metric, "ua-general-staff")) == dates, metric
    submarines = series(facts, "submarines-lost-russia-gs", "ua-general-staff")
    assert min(submarines) == "2023-09-14" and submarines["2023-09-14"] == 1 and 0 not in submarines.values()
    assert max(series(facts, "military-vehicles-lost-russia-gs", "ua-general-staff")) == "2022-04-30"
    assert min(series(facts, "vehicles-fuel-tankers-lost-russia-gs", "ua-general-staff")) == "2022-05-01"


def test_negative_daily_differences_are_kept_as_falls_and_check_warns_about_them(base, facts):
    tanks = series(facts, "tanks-lost-russia", "ua-general-staff")
    assert tanks["2023-05-27"] == 3799 and tanks["2023-05-28"] == 3797  # as published: a correction
    findings = [f for f in run_checks(base) if f.check == "cumulative-falls"]
    assert all(f.severity == "warning" for f in findings)
    flagged = {f.fact_ids[0] for f in findings}
    assert "gsua-tanks-lost-russia-2023-05-28" in flagged
    assert "gsua-special-equipment-lost-russia-gs-2024-11-30" in flagged


def test_personnel_qualifiers_about_and_more_and_no_prisoners_of_war(facts):
    rows = json.loads(PERSONNEL.read_text(encoding="utf-8"))
    people = facts[facts["metric"] == "personnel-losses-russia-gs"].set_index("as_of_text")
    assert len(people) == len(rows)
    for row in rows:
        expected = {"about": "approximately", "more": "more_than"}[row["personnel*"]]
        assert people.at[row["date"], "qualifier"] == expected
        assert people.at[row["date"], "value"] == row["personnel"]
    assert (people["qualifier"] == "more_than").sum() == 6
    assert not facts["metric"].str.contains("prisoner|pow").any()
    assert people["category"].iloc[0] == "personnel-losses"  # neither deaths nor casualties


# ---- Oryx traps --------------------------------------------------------------------------------------


def test_oryx_counts_that_fall_are_kept_with_the_publication_date_as_as_of_and_stated(base, facts):
    oryx = facts[facts["claimant"] == "oryx"]
    assert (oryx["as_of"] == oryx["stated"]).all()
    aircraft = series(facts, "aircraft-lost-russia-confirmed", "oryx")
    assert aircraft["2023-03-22"] == 79 and aircraft["2023-03-26"] == 78
    flagged = {f.fact_ids[0] for f in run_checks(base) if f.check == "cumulative-falls"}
    assert "oryx-aircraft-lost-russia-confirmed-2023-03-26" in flagged
    note = oryx.set_index("fact_id").at["oryx-aircraft-lost-russia-confirmed-2023-03-26", "note"]
    assert "oryx_data commit" in note and "destroyed" in note


def test_oryx_two_publications_on_one_day_keep_the_later(facts):
    with ORYX.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["country"] == "Russia" and r["equipment_type"] == "Tanks"]
    by_day: dict[str, list[dict]] = {}
    for row in rows:
        by_day.setdefault(row["commit_date"], []).append(row)
    doubled = {day: max(group, key=lambda r: r["commit_datetime"]) for day, group in by_day.items() if len(group) > 1}
    assert len(doubled) >= 4
    tanks = series(facts, "tanks-lost-russia-confirmed", "oryx")
    assert len(tanks) == len(by_day)
    for day, latest in doubled.items():
        assert tanks[day] == int(latest["type_total"])


def test_oryx_ukraine_has_metrics_of_its_own(facts):
    ukraine = facts[facts["subject"] == "Ukrainian forces"]
    oryx_ukraine = ukraine[ukraine["claimant"] == "oryx"]
    assert set(oryx_ukraine["metric"]) == {
        "tanks-lost-ukraine",
        "aircraft-lost-ukraine",
        "helicopters-lost-ukraine",
        "equipment-lost-ukraine-oryx",
    }
    assert set(oryx_ukraine["source"]) == {"oryx-ukrainian-equipment-losses"}


# ---- the comparison ----------------------------------------------------------------------------------


def test_tanks_claimed_against_confirmed_on_31_december_2024(facts):
    assert series(facts, "tanks-lost-russia", "ua-general-staff")["2024-12-31"] == 9668
    # Oryx's count is a measure of its own, part of the claimed losses: confirmed by photo or video.
    assert series(facts, "tanks-lost-russia-confirmed", "oryx")["2024-12-31"] == 3668


def test_the_questions_page_shows_general_staff_claims_and_oryx_confirmations_on_one_axis(monkeypatch):
    monkeypatch.delenv("FACTDASH_FACTS", raising=False)
    at = AppTest.from_file(str(ROOT / "dashboard" / "app" / "main.py"), default_timeout=300)
    at.query_params["question"] = "How many tanks has Russia lost?"
    at.run()
    at.switch_page("views/questions.py")
    at.run()
    assert not at.exception, at.exception
    (chart,) = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    names = " ".join(str(trace.get("name")) for trace in chart["data"])
    assert "General Staff" in names and "Oryx" in names
    assert "yaxis2" not in chart["layout"]  # nested measures share the axis; their relation is in the subtitle
