"""privacyscan: what a website does to visitors before they consent."""

__version__ = "0.1.0"
