"""clearterm: a prosecutor's workstation for CRTA cannabis record relief."""

__version__ = "0.1.0"
