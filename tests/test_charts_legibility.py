"""Legible charts (issue 19, part 2): log axes tick at powers of ten with readable labels."""

from charts.layout import log_tick_label, log_ticks, value_axis


def test_log_ticks_are_powers_of_ten_only():
    assert log_ticks(3, 120_000) == [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6]
    assert log_ticks(0, 10) == [1.0, 10.0]  # nothing positive to span: one decade


def test_log_tick_labels_read_as_a_reader_writes_them():
    assert [log_tick_label(t) for t in log_ticks(1, 1e6)] == ["1", "10", "100", "1k", "10k", "100k", "1M"]
    assert log_tick_label(1e6, "USD") == "$1M"


def test_value_axis_sets_ticks_only_on_log_axes():
    axis = value_axis("USD", log=True, span=(5, 5e6))
    assert axis["tickvals"][0] == 1 and axis["ticktext"][-1] == "$10M" and axis["tickprefix"] == ""
    assert "tickvals" not in value_axis("USD", log=False) and value_axis("USD", log=False)["tickprefix"] == "$"
