"""Fact tables: a CSV file of facts, included from YAML, read and checked like YAML facts."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from dashboard import FactBaseError, load_factbase
from dashboard.factbase.loader import _display

from .conftest import DECLARED
from .test_app import PAGES, run

# The shared declarations with a spreadsheet source, a claimant named only in the table, and an include.
DECLARATIONS = (
    DECLARED.replace("schema_version: 1\n", "schema_version: 1\ninclude: [estimates.csv]\n").replace(
        "claimants:\n", "  sheet:\n    title: A journalist's spreadsheet\n    kind: dataset\nclaimants:\n"
    )
    + """\
  tabled-claimant:
    name: Claimant From The Table
    kind: media
    party_to_conflict: false
metrics:
  nk-casualties:
    label: North Korean casualties
    unit: people
    category: casualties
    aggregation: cumulative
    since: 2024-10
  us-package:
    label: US package
    unit: USD
    category: aid
    aggregation: increment
facts:
  - id: yaml-fact
    metric: nk-casualties
    value: 1200
    qualifier: approximately
    as_of: 2025-01-09
    claimant: us-officials
    source: rep
    quote: "around 1,200"
"""
)

TABLE = (
    "\n".join(
        [
            "id,metric,value,low,high,qualifier,as_of,claimant,source,via,quote,stage,note,tags",
            'csv-zelenskyy,nk-casualties,"4,000",,,,2025-01-09,zelenskyy,rep,sheet,"Zelenskyy said 4,000, ""killed or '
            'wounded""",,,casualties; official',
            ',nk-casualties,,3000,5000,approximately,2025-01,tabled-claimant,rep,,"between 3,000 and 5,000',
            'North Korean soldiers",,a note,',
            ",nk-casualties,2500,,,at_least,2025-01,tabled-claimant,rep,,,,,",
            "csv-package,us-package,$500 million,,,,2025-01-09,tabled-claimant,rep,,,announced,,aid",
        ]
    )
    + "\n"
)


@pytest.fixture
def tabled(write):
    write("estimates.csv", TABLE)
    return write("facts.yaml", DECLARATIONS)


def test_a_table_included_from_yaml_loads_with_every_field_read(tabled):
    base = load_factbase(tabled)
    facts = base.facts.set_index("fact_id")
    assert len(base.facts) == 5 and base.files[-1].endswith("estimates.csv")
    zelenskyy = facts.loc["csv-zelenskyy"]
    assert zelenskyy.value == 4000 and zelenskyy.qualifier == "exact" and zelenskyy.via == "sheet"
    assert zelenskyy.quote == 'Zelenskyy said 4,000, "killed or wounded"'
    assert list(zelenskyy.tags) == ["casualties", "official"]
    assert zelenskyy.claimant_name == "Volodymyr Zelenskyy" and bool(zelenskyy.party_to_conflict)
    # Rows without an id get one from their metric, claimant and as_of; a repeat gets -2.
    ranged = facts.loc["nk-casualties-tabled-claimant-2025-01"]
    assert (ranged.low, ranged.high, ranged.qualifier) == (3000, 5000, "approximately")
    assert ranged.as_of_precision == "month" and ranged.as_of_text == "2025-01" and ranged.note == "a note"
    assert ranged.quote == "between 3,000 and 5,000\nNorth Korean soldiers" and pd.isna(ranged.tags)
    floor = facts.loc["nk-casualties-tabled-claimant-2025-01-2"]
    assert floor.value == 2500 and floor.qualifier == "at_least" and pd.isna(floor.quote)
    package = facts.loc["csv-package"]
    assert package.value == 5e8 and package.stage == "announced" and package.unit == "USD"
    # Each fact knows the line its row starts on (the quoted cell above spans two lines).
    assert facts.loc[["csv-zelenskyy", "nk-casualties-tabled-claimant-2025-01", "csv-package"], "line"].tolist() == [
        2,
        3,
        6,
    ]


def test_a_table_reads_like_the_same_facts_written_in_yaml(write, minimal):
    """The same two facts, once in YAML and once as a table, make the same frame but for file and line."""
    write(
        "t.csv",
        "id,metric,value,qualifier,as_of,claimant,source,quote,tags\n"
        'a,nk-casualties,"1,200",approximately,2025-01-09,us-officials,rep,"about 1,200",x;y\n'
        "b,us-package,$3.85 billion,,2025,zelenskyy,rep,,\n",
    )
    from_table = load_factbase(write("tabled.yaml", minimal + "include: [t.csv]\n")).facts
    write(
        "y.yaml",
        "schema_version: 1\nfacts:\n"
        '  - {id: a, metric: nk-casualties, value: "1,200", qualifier: approximately, as_of: 2025-01-09,'
        ' claimant: us-officials, source: rep, quote: "about 1,200", tags: [x, y]}\n'
        '  - {id: b, metric: us-package, value: "$3.85 billion", as_of: 2025, claimant: zelenskyy,'
        " source: rep}\n",
    )
    from_yaml = load_factbase(write("written.yaml", minimal + "include: [y.yaml]\n")).facts
    pd.testing.assert_frame_equal(from_table.drop(columns=["file", "line"]), from_yaml.drop(columns=["file", "line"]))


@pytest.mark.parametrize(
    "table, line, column, message",
    [
        ("id,metric,valeu,as_of,claimant,source\n", 1, 11, "unknown column 'valeu' (did you mean 'value'?)"),
        ("id,metric,value,as_of,source\n", 1, 1, "the header has no claimant column"),
        ("id,metric,as_of,claimant,source\n", 1, 1, "the header has no value (or low and high) column"),
        ("id,metric,value,value,as_of,claimant,source\n", 1, 17, "the column 'value' appears twice"),
        (
            "id,metric,value,as_of,claimant,source\nBad Id,nk-casualties,1,2025,zelenskyy,rep\n",
            2,
            1,
            "'Bad Id' is not a valid id",
        ),
        (
            "metric,value,as_of,claimant,source\nnk-casualties,1,2025-13,zelenskyy,rep\n",
            2,
            17,
            "as_of '2025-13' is not a date: month 13 does not exist",
        ),
        (
            'metric,value,as_of,claimant,source\nnk-casualties,"1,2,3",2025,zelenskyy,rep\n',
            2,
            15,
            "value '1,2,3' has misplaced thousands separators",
        ),
        (
            "metric,value,qualifier,as_of,claimant,source\nnk-casualties,1,roughly,2025,zelenskyy,rep\n",
            2,
            17,
            "qualifier 'roughly' is not allowed",
        ),
        ("metric,value,as_of,claimant,source\nnk-casualties,-5,2025,zelenskyy,rep\n", 2, 15, "is negative"),
        ("metric,value,as_of,claimant,source\nnk-casualties,5,2025,nobody,rep\n", 2, 22, "unknown claimant 'nobody'"),
        (
            'metric,value,as_of,claimant,source\n"a\nb",1,2025,zelenskyy,rep\nnk-casualties,x,2025,zelenskyy,rep\n',
            4,
            15,
            "value 'x' is not a number",
        ),
        ("metric,value,as_of,claimant,source\nnk-casualties,1,2025\n", 2, 1, "not a valid CSV table"),
        (b"metric,value,as_of,claimant,source\nnk-casualties,1,2025,zelenskyy,r\xffep\n", 2, 33, "not UTF-8"),
    ],
)
def test_a_broken_table_is_reported_at_its_cell(write, minimal, table, line, column, message):
    path = write("bad.csv", table)
    with pytest.raises(FactBaseError) as caught:
        load_factbase(write("facts.yaml", minimal + "include: [bad.csv]\n"))
    shown = [str(p) for p in caught.value.problems]
    assert any(s.startswith(f"{_display(path)}:{line}:{column}: ") and message in s for s in shown), shown


@pytest.mark.parametrize("page", PAGES)
def test_a_tables_facts_appear_on_every_page(tabled, monkeypatch, page):
    at = run(page, facts=str(tabled), monkeypatch=monkeypatch)
    assert not at.exception, at.exception
    shown = " ".join(
        [
            *(m.value for m in at.markdown),
            *(c.value for c in at.caption),
            *(str(m.value) for m in at.metric),
            *(json.dumps(json.loads(c.proto.spec)) for c in at.get("plotly_chart")),
            *(frame.value.to_csv() for frame in at.dataframe),
        ]
    )
    wanted = {
        "views/overview.py": "Zelenskyy",
        "views/questions.py": "Claimant From The Table",
        "views/compare.py": "Claimant From The Table",
        "views/timelines.py": "Claimant From The Table",
        "views/aid.py": "Claimant From The Table",
        "views/sources.py": "csv-zelenskyy",
        "views/quality.py": "estimates.csv",
    }[page]
    assert wanted in shown, (page, shown[:3000])
