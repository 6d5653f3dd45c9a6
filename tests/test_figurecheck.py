"""Check a figure: a pasted sentence is matched to the facts that count the same thing."""

from __future__ import annotations

import pytest

from dashboard import load_factbase
from dashboard.analysis.figurecheck import check_text
from dashboard.factbase.paths import default_facts_path

from .test_app import run

NK = "The U.S. estimates North Korean casualties at around 1,200, while Zelenskyy claimed 4,000."


@pytest.fixture(scope="module")
def base():
    return load_factbase(default_facts_path())


def test_each_figure_finds_who_agrees_and_who_disagrees(base):
    us, zelenskyy = check_text(NK, base, as_of="2025-01-09")  # the day of the report's meeting
    assert us.metric == zelenskyy.metric == "soldier-casualties-north-korea"
    assert set(us.matches["claimant"]) >= {"us-officials"} and "zelenskyy" not in set(us.matches["claimant"])
    assert "zelenskyy" in set(us.disagreeing["claimant"])
    assert "zelenskyy" in set(zelenskyy.matches["claimant"])
    assert "us-officials" in set(zelenskyy.disagreeing["claimant"])
    assert "disagree" in us.verdict and "Volodymyr Zelenskyy" in us.verdict


def test_about_honours_its_tolerance(base):
    # 1,300 is within "about 1,200" (±10%) of the US estimate; exactly 2,000 is within nobody's figure.
    (close,) = check_text("US officials said North Korean casualties were about 1,300.", base, as_of="2025-01-09")
    assert "us-officials" in set(close.matches["claimant"])
    (far,) = check_text("US officials said North Korean casualties were 2,000.", base, as_of="2025-01-09")
    assert far.matches.empty and not far.disagreeing.empty


def test_a_figure_of_another_time_is_not_compared(base):
    # The same metric a year later: nothing in the fact base is of that time, so nobody "disagrees".
    (late,) = check_text("US officials said North Korean casualties were 2,000.", base, as_of="2027-06")
    assert late.matches.empty and late.disagreeing.empty
    assert "no figure of that time" in late.verdict


def test_an_unknown_metric_is_never_called_a_disagreement(base):
    (check,) = check_text("The city council said it spent $12 million on new roads.", base)
    assert check.metric is None and check.disagreeing.empty
    assert "not compared" in check.verdict


def test_the_sources_page_box_shows_matches_and_disagreement(monkeypatch):
    monkeypatch.delenv("FACTDASH_FACTS", raising=False)
    at = run("views/sources.py")
    tables_before = len(at.dataframe)
    at.text_area(key="check-text").input(NK)
    at.text_input(key="check-as-of").input("2025-01-09")  # the report's day: its figures are of then
    at.button(key="FormSubmitter:check-figure-Check").click()
    at.run()
    assert not at.exception, at.exception
    shown = " ".join(w.value for w in [*at.warning, *at.info]).replace("\\", "")  # markdown escapes
    assert "agree (" in shown and "US officials" in shown and "disagree (Volodymyr Zelenskyy)" in shown
    assert len(at.dataframe) == tables_before + 4  # agree and disagree, for each of the two figures
    # Each figure's verdict names the question, the measure and the date of the figures used.
    verdicts = [m.value.replace("\\", "") for m in at.markdown if m.value.startswith("**Verdict:")]
    assert len(verdicts) == 2 and all(
        "How many North Korean soldiers were killed or wounded in Kursk?" in v
        and "measure: North Korean soldiers killed and wounded in the Kursk region;" in v  # its label, not its id
        and "9 January 2025" in v
        for v in verdicts
    ), verdicts


def test_a_bad_date_gets_a_message_not_a_traceback(monkeypatch):
    monkeypatch.delenv("FACTDASH_FACTS", raising=False)
    at = run("views/sources.py")
    at.text_area(key="check-text").input(NK)
    at.text_input(key="check-as-of").input("2025-13-45")
    at.button(key="FormSubmitter:check-figure-Check").click()
    at.run()
    assert not at.exception, at.exception
    assert any("As of" in e.value for e in at.error)


# ---- against every measure of a question -------------------------------------------------------


def test_an_undated_figure_gets_a_verdict_naming_its_question_measure_and_date(base):
    # Undated, "about 1,200" is set against the latest figures: the NIS's 4,700 of 30 April 2025.
    (check,) = check_text("US officials said North Korean casualties were about 1,200.", base)
    assert check.question.id == "nk-casualties" and check.metric == "soldier-casualties-north-korea"
    # Each measure's latest: the wounded of 13 January (2,700) alone are more than "about 1,200" killed and wounded.
    assert check.as_of_used.endswith("30 April 2025") and check.outcome == "inconsistent"
    assert "Question: How many North Korean soldiers were killed or wounded in Kursk?" in check.verdict
    assert "the latest figures (" in check.verdict and "30 April 2025" in check.verdict
    (dated,) = check_text("US officials said North Korean casualties were about 1,200.", base, as_of="2025-01-09")
    # Dated, it agrees with the US estimate of that day, yet four days later the NIS counted 2,700
    # wounded alone: more than all the killed and wounded it says, an inconsistency with a part.
    assert dated.as_of_used == "9 January 2025" and "us-officials" in set(dated.matches["claimant"])
    assert dated.outcome == "inconsistent" and "2,700" in dated.verdict


def test_a_part_above_its_whole_is_inconsistent(base):
    (check,) = check_text("The UK said 2 million Russian soldiers have been killed since the invasion.", base)
    assert check.metric == "soldier-deaths-russia" and check.outcome == "inconsistent"
    (whole,) = [m for m in check.measures if m.relation == "whole"]
    assert whole.metric == "soldier-casualties-russia" and whole.outcome == "inconsistent"
    # The General Staff's "personnel" count says nothing of the wounded: not set against it.
    assert {m.outcome for m in check.measures if m.metric == "personnel-losses-russia-gs"} == {"not compared"}


def test_a_whole_below_its_part_is_inconsistent_at_the_date_given(base):
    text = "The UK said 20,000 Russian soldiers have been killed and wounded since the invasion."
    (check,) = check_text(text, base, as_of="2024-06")
    assert check.metric == "soldier-casualties-russia" and check.outcome == "inconsistent"
    assert check.as_of_used == "June 2024" and "1 June" not in check.verdict
    assert [m.relation for m in check.measures if m.outcome == "inconsistent"] == ["part"]


def test_a_figure_whose_measure_cannot_be_told_is_set_against_every_measure(base):
    (check,) = check_text("Russia has lost 20,000 tanks.", base)
    assert check.metric is None and check.question.id == "russian-tanks"
    assert check.outcome == "disagrees" and "above every measure" in check.verdict
    assert {m.outcome for m in check.measures} == {"above"}


def test_factdash_verify_prints_json_per_figure(base):
    import json
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "verify", NK, "--as-of", "2025-01-09", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    us, zelenskyy = json.loads(run.stdout)
    assert (us["value"], us["question"], us["metric"]) == (1200, "nk-casualties", "soldier-casualties-north-korea")
    assert us["verdict"] in ("agrees", "disagrees", "inconsistent", "unknown")
    assert {"nk-casualties-us-2025-01", "nk-casualties-zelenskyy-2025-01-09-unn"} <= set(us["fact_ids"])
    table = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "verify", "Russia has lost 20,000 tanks.", "--as-of", "2025-13"],
        capture_output=True,
        text=True,
    )
    assert table.returncode == 2 and "--as-of" in table.stderr and "Traceback" not in table.stderr
    # A whole archive is refused at once, as the dashboard's box refuses it: the extractor is for sentences.
    huge = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "verify", "1 2 " * 5_000], capture_output=True, text=True, timeout=60
    )
    assert huge.returncode == 2 and "at most 5,000" in huge.stderr and "Traceback" not in huge.stderr
