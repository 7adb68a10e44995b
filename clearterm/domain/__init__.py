"""Domain layer: records, rules and decisions as plain dataclasses.

Nothing in this package may import Textual (see tests/test_layers.py).
"""
