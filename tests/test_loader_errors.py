"""Every class of bad input is reported at its exact file:line:column, with a message to act on."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from dashboard import FactBaseError, load_factbase


def position(path: Path, needle: str, at: str | None = None) -> tuple[int, int]:
    """1-based line and column of `at` (default: the whole needle) inside the first `needle` in the file."""
    text = path.read_text(encoding="utf-8")
    start = text.index(needle) + (needle.index(at) if at else 0)
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return line, column


def problems_of(path: Path) -> list:
    with pytest.raises(FactBaseError) as caught:
        load_factbase(path)
    return caught.value.problems


def only_problem(path: Path):
    problems = problems_of(path)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def fact(**fields) -> str:
    base = {
        "id": "f1",
        "metric": "nk-casualties",
        "value": "1200",
        "as_of": "2025-01-09",
        "claimant": "us-officials",
        "source": "rep",
    }
    base.update(fields)
    lines = [
        f"  - {k}: {v}" if i == 0 else f"    {k}: {v}"
        for i, (k, v) in enumerate((k, v) for k, v in base.items() if v is not None)
    ]
    return "facts:\n" + "\n".join(lines) + "\n"


def test_yaml_syntax_error_points_at_the_bad_token(write, minimal):
    path = write("facts.yaml", minimal + "facts:\n  - id: f1\n    metric: [unclosed\n")
    problem = only_problem(path)
    assert problem.file.endswith("facts.yaml")
    assert "YAML syntax error" in problem.message
    assert problem.line == minimal.count("\n") + 4  # the parser notices at the end of the stream


def test_tab_indentation_is_named(write, minimal):
    path = write("facts.yaml", minimal + "facts:\n  - id: f1\n\tmetric: x\n")
    problem = only_problem(path)
    assert "tab" in problem.message
    assert (problem.line, problem.column) == position(path, "\tmetric")


def test_duplicate_mapping_key_is_data_loss_and_reported(write, minimal):
    text = minimal + fact(value="1200") + "    value: 4000\n"
    path = write("facts.yaml", text)
    problem = only_problem(path)
    assert "duplicate key 'value'" in problem.message
    assert "first at line" in problem.message
    assert (problem.line, problem.column) == position(path, "    value: 4000", "value")


def test_duplicate_keys_in_declarations_too(write, minimal):
    path = write("facts.yaml", minimal.replace("    kind: news\n", "    kind: news\n    kind: report\n", 1))
    problem = only_problem(path)
    assert "duplicate key 'kind'" in problem.message
    assert (problem.line, problem.column) == position(path, "kind: report")


def test_duplicate_fact_ids_across_files(write, minimal):
    write("more.yaml", "schema_version: 1\n" + fact(id="shared-id"))
    path = write(
        "facts.yaml",
        minimal.replace("schema_version: 1\n", "schema_version: 1\ninclude: [more.yaml]\n")
        + fact(id="shared-id", claimant="zelenskyy"),
    )
    problem = only_problem(path)
    # The including file is read before what it includes, so its fact is the first one.
    first_line = position(path, "- id: shared-id")[0]
    assert "used twice" in problem.message and f"facts.yaml:{first_line})" in problem.message
    assert problem.file.endswith("more.yaml")
    assert (problem.line, problem.column) == position(path.parent / "more.yaml", "- id: shared-id", "shared-id")


def test_unknown_key_suggests_the_right_one(write, minimal):
    path = write("facts.yaml", minimal + fact(claimant=None, claimnt="us-officials"))
    problems = problems_of(path)
    messages = "\n".join(p.message for p in problems)
    typo = next(p for p in problems if "claimnt" in p.message)
    assert "did you mean 'claimant'" in typo.message
    assert (typo.line, typo.column) == position(path, "claimnt:")
    assert "missing required key 'claimant'" in messages


def test_unknown_reference_suggests_close_id(write, minimal):
    path = write("facts.yaml", minimal + fact(claimant="us-official"))
    problem = only_problem(path)
    assert "unknown claimant 'us-official'" in problem.message
    assert "did you mean 'us-officials'" in problem.message
    assert (problem.line, problem.column) == position(path, "claimant: us-official", "us-official")


@pytest.mark.parametrize(
    "field, raw, expected",
    [
        ("value", "[1, 2]", "value must be a number or a string"),
        ("as_of", "true", "as_of must be a date"),
        ("quote", "12", "quote must be text"),
        ("tags", "'one'", "tags must be a list of strings"),
    ],
)
def test_wrong_types_name_the_field_and_what_was_expected(write, minimal, field, raw, expected):
    path = write("facts.yaml", minimal + fact(**{field: raw}))
    problem = only_problem(path)
    assert expected in problem.message
    assert (problem.line, problem.column) == position(path, f"{field}: {raw}", raw)


def test_wrong_type_in_a_declaration(write, minimal):
    path = write("facts.yaml", minimal.replace("party_to_conflict: false", "party_to_conflict: maybe", 1))
    problem = only_problem(path)
    assert "party_to_conflict must be true or false" in problem.message
    assert (problem.line, problem.column) == position(path, "maybe")


@pytest.mark.parametrize(
    "raw, words",
    [
        ("2025-13-01", "month 13 does not exist"),
        ("2025-02-30", "has no day 30"),
        ("09/01/2025", "is not a date"),
        ("'2025-1-9'", "is not a date"),
    ],
)
def test_impossible_dates(write, minimal, raw, words):
    path = write("facts.yaml", minimal + fact(as_of=raw))
    problem = only_problem(path)
    assert words in problem.message and "fact 'f1'" in problem.message
    assert (problem.line, problem.column) == position(path, f"as_of: {raw}", raw)


def test_low_greater_than_high(write, minimal):
    path = write("facts.yaml", minimal + fact(value=None, low=500, high=100))
    problem = only_problem(path)
    assert "low is greater than high" in problem.message
    assert (problem.line, problem.column) == position(path, "low: 500", "500")


@pytest.mark.parametrize("raw", ["-5", '"-$5 million"'])
def test_negative_figures(write, minimal, raw):
    path = write("facts.yaml", minimal + fact(value=raw))
    problems = problems_of(path)
    assert any("negative" in p.message or "not a number" in p.message for p in problems)
    assert (problems[0].line, problems[0].column) == position(path, f"value: {raw}", raw)


@pytest.mark.parametrize(
    "extra, words",
    [
        ({"qualifier": "at_least", "high": 5000}, "only a lower bound, but high is given"),
        ({"qualifier": "at_most", "low": 10}, "only an upper bound, but low is given"),
        ({"low": 2000, "high": 3000}, "outside its range"),
        ({"value": None, "low": 2000}, "a range needs both low and high"),
    ],
)
def test_qualifier_contradicting_numbers(write, minimal, extra, words):
    path = write("facts.yaml", minimal + fact(**extra))
    problems = problems_of(path)
    assert any(words in p.message for p in problems), problems


def test_value_words_belong_in_the_qualifier(write, minimal):
    path = write("facts.yaml", minimal + fact(value='"about 1,200"'))
    problem = only_problem(path)
    assert "qualifier: approximately" in problem.message


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,hi", "ftp://example.org/x", "example.org"])
def test_non_http_urls(write, minimal, url):
    path = write("facts.yaml", minimal.replace("https://example.org/report", url, 1))
    problem = only_problem(path)
    assert "is not an http:// or https:// address" in problem.message
    assert (problem.line, problem.column) == position(path, url)


def test_python_tags_are_rejected(write, minimal):
    path = write("facts.yaml", minimal + fact(note="!!python/object/apply:os.system ['echo pwned']"))
    problem = only_problem(path)
    assert "tags such as '!!python/object/apply:os.system'" in problem.message
    assert (problem.line, problem.column) == position(path, "!!python")


def test_alias_bomb_is_rejected_quickly(write, minimal):
    bomb = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        bomb.append(f"a{level}: &a{level} [" + ",".join([f"*a{level - 1}"] * 9) + "]")
    path = write(
        "facts.yaml", minimal + "\n".join(f"# {b}" for b in []) + "x-bomb:\n" + "\n".join("  " + b for b in bomb) + "\n"
    )
    started = time.perf_counter()
    problems = problems_of(path)
    assert time.perf_counter() - started < 5
    assert any("alias bomb" in p.message for p in problems)


def test_file_that_is_not_utf8(write, minimal):
    data = (minimal + fact(quote='"caf\u00e9"')).encode("utf-8").replace("é".encode(), b"\xe9")
    path = write("facts.yaml", data)
    problem = only_problem(path)
    assert "not UTF-8" in problem.message and "0xe9" in problem.message
    text = data.decode("latin-1")
    offset = text.index("\xe9")
    assert (problem.line, problem.column) == (text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset))


def test_utf8_bom_is_accepted(write, minimal):
    path = write("facts.yaml", b"\xef\xbb\xbf" + (minimal + fact()).encode())
    assert len(load_factbase(path).facts) == 1


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file(write, text):
    problem = only_problem(write("facts.yaml", text))
    assert "the file is empty" in problem.message
    assert (problem.line, problem.column) == (1, 1)


def test_top_level_must_be_a_mapping(write):
    problem = only_problem(write("facts.yaml", "- just\n- a list\n"))
    assert "top level must be a mapping" in problem.message


def test_include_cycle(write, minimal):
    write("b.yaml", "schema_version: 1\ninclude: [a.yaml]\n")
    path = write("a.yaml", "schema_version: 1\ninclude: [b.yaml]\n")
    problem = only_problem(path)
    assert "include cycle" in problem.message and "a.yaml -> " in problem.message
    assert problem.file.endswith("b.yaml") and (problem.line, problem.column) == (2, 11)


def test_missing_include_points_at_the_include_line(write, minimal):
    path = write("facts.yaml", minimal.replace("schema_version: 1\n", "schema_version: 1\ninclude:\n  - nope.yaml\n"))
    problem = only_problem(path)
    assert "cannot include 'nope.yaml': no such file" in problem.message
    assert (problem.line, problem.column) == position(path, "nope.yaml")


def test_line_numbers_inside_included_files(write, minimal):
    included = write("sub/more.yaml", "schema_version: 1\n# a comment\n" + fact(id="inner", as_of="2025-02-31"))
    path = write("facts.yaml", minimal.replace("schema_version: 1\n", "schema_version: 1\ninclude: [sub/more.yaml]\n"))
    problem = only_problem(path)
    assert problem.file.endswith("sub/more.yaml")
    assert (problem.line, problem.column) == position(included, "2025-02-31")


def test_every_problem_is_reported_not_just_the_first(write, minimal):
    text = minimal + fact(as_of="2025-13-01") + fact(id="f2", claimant="nobody").replace("facts:\n", "")
    text += fact(id="f3", value=None, low=9, high=1).replace("facts:\n", "")
    problems = problems_of(write("facts.yaml", text))
    assert len(problems) == 3
    assert [p.line for p in problems] == sorted(p.line for p in problems)


def test_schema_version_must_be_one(write, minimal):
    problem = only_problem(write("facts.yaml", minimal.replace("schema_version: 1", "schema_version: 2")))
    assert "schema_version" in problem.message and "expected one of: 1" in problem.message


def test_currency_must_match_the_metric(write, minimal):
    path = write("facts.yaml", minimal + fact(metric="us-package", value='"€500 million"'))
    problem = only_problem(path)
    assert "written in EUR but metric 'us-package' counts USD" in problem.message


def test_bad_id_is_reported_with_a_suggestion(write, minimal):
    problem = only_problem(write("facts.yaml", minimal + fact(id="'NK US 2025'")))
    assert "is not a valid id" in problem.message and "nk-us-2025" in problem.message


def test_deep_nesting_does_not_crash(write, minimal):
    path = write("facts.yaml", minimal + "x: " + "[" * 5000 + "]" * 5000 + "\n")
    problems = problems_of(path)
    assert problems and all(p.file.endswith("facts.yaml") for p in problems)
