"""The command line's own words in Swedish: argparse's usage, help and error texts.

argparse looks its texts up through gettext at the moment it prints them (the module's `_` and `ngettext`),
so a user's mistake on the command line ("okänt val", "argumentet krävs") reads like the rest of the tool.
Texts not listed here (programming errors in the parser's own definition) stay as Python wrote them.
"""

from __future__ import annotations

import argparse

SWEDISH = {
    "usage: ": "användning: ",
    "options": "flaggor",
    "positional arguments": "argument",
    "show this help message and exit": "visa den här hjälpen och avsluta",
    "%(prog)s: error: %(message)s\n": "%(prog)s: fel: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argumentet %(argument_name)s: %(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "okänt val: %(value)r (välj bland %(choices)s)",
    "invalid %(type)s value: %(value)r": "ogiltigt värde (%(type)s): %(value)r",
    "the following arguments are required: %s": "de här argumenten krävs: %s",
    "unrecognized arguments: %s": "okända argument: %s",
    "expected one argument": "ett värde krävs",
    "expected at least one argument": "minst ett värde krävs",
    "expected at most one argument": "högst ett värde tillåts",
    "ambiguous option: %(option)s could match %(matches)s": "tvetydig flagga: %(option)s kan vara %(matches)s",
    "not allowed with argument %s": "går inte att kombinera med %s",
    "one of the arguments %s is required": "ett av argumenten %s krävs",
    "ignored explicit argument %r": "värdet %r ignoreras",
    "can't open '%(filename)s': %(error)s": "kan inte öppna '%(filename)s': %(error)s",
}
SWEDISH_PLURAL = {
    ("expected %s argument", "expected %s arguments"): ("%s värde krävs", "%s värden krävs"),
}


def _gettext(message: str) -> str:
    return SWEDISH.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    one, many = SWEDISH_PLURAL.get((singular, plural), (singular, plural))
    return one if n == 1 else many


def install() -> None:
    """Make argparse speak Swedish (idempotent)."""
    argparse._ = _gettext  # type: ignore[attr-defined]
    argparse.ngettext = _ngettext  # type: ignore[attr-defined]
