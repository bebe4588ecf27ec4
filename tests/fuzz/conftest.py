"""Fuzz tests print how many requests they sent and how many server errors they met."""

from tests.fuzz.hostile import TALLY


def pytest_terminal_summary(terminalreporter):
    lines = TALLY.lines()
    if lines:
        terminalreporter.section("fuzz counts")
        for line in lines:
            terminalreporter.write_line(line)
