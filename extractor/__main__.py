"""``python -m extractor`` runs the command-line tool."""

from extractor.cli import main

main()
