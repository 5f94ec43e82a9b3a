"""``python -m scanner`` runs the command-line interface."""

from .cli import cli

cli()
