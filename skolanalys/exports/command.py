"""Command-line options and entry point (wired into skolanalys/cli.py)."""

from __future__ import annotations

import argparse

from skolanalys.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, settings: Settings) -> int:
    print("inte byggt än")
    return 2
