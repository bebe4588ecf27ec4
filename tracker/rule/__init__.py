"""The pure decision rule: facts in, a Decision out (rules.py), the values it works on
(values.py) and their words (words.py). No Flask, no SQLAlchemy, no feature: the bottom of
the house, tested with plain values. The application's decision (loading facts, the log,
the pages) is ``tracker.decision``, above the features it reads."""
