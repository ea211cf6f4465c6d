"""A mistake on the command line is answered in Swedish, in one place, with exit code 2 — never a traceback."""

import pytest

from skolanalys.cli import main


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], "skolanalys: fel: de här argumenten krävs: kommando"),
        (["export", "--for", "okänd"], "argumentet --for: okänt val: 'okänd' (välj bland 'arsbokslut'"),
        (["generate", "--seed", "x"], "argumentet --seed: ogiltigt värde (int): 'x'"),
        (["run", "--okänd-flagga"], "fel: okända argument: --okänd-flagga"),
        (["serve", "--port"], "argumentet --port: ett värde krävs"),
    ],
)
def test_command_line_mistakes_are_swedish(argv, expected, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("användning: skolanalys")
    assert expected in err
    assert "Traceback" not in err and "usage:" not in err and "error:" not in err


def test_help_is_swedish(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "flaggor:" in out and "visa den här hjälpen och avsluta" in out
    assert "options:" not in out and "show this help" not in out
