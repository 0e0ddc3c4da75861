"""``roadmap propositions`` from the command line as the trinôme would use it on the demo:
a service's file edited by hand, received, one date accepted with ``--decaler`` (the
dependents move, each with its adjustment), one value refused with its motive, and the
service's next file telling what became of each (issue 17, « Done means »)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from roadmap.cli import main


def test_demo_walkthrough_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "r.db")
    out = tmp_path / "exports"
    assert main(["--db", db, "demo"]) == 0
    assert main(["--db", db, "export", "--out", str(out)]) == 0
    capsys.readouterr()
    source = out / "services" / "ars.toml"
    text = source.read_text(encoding="utf-8")
    # as in a text editor: A13 ends a month later (with its reason), a comment on a jalon
    a13 = text.index('ref = "A13"')
    end = text.index("fin = 2027-03-29", a13)
    text = (
        text[:end]
        + 'fin = 2027-04-30\nmotif = "recrutement retardé"'
        + text[end + len("fin = 2027-03-29") :]
    )
    jalon = text.index("[[service.jalons]]")
    text = text[:jalon] + text[jalon:].replace("\n\n", '\ncommentaire = "Nous viendrons."\n\n', 1)
    returned = tmp_path / "retour-ars.toml"
    returned.write_text(text + '\n[reponse]\nauteur = "Julie Durand"\n', encoding="utf-8")

    assert main(["--db", db, "propositions", "recevoir", str(returned)]) == 0
    received = capsys.readouterr().out
    assert "2 propositions de ars (Julie Durand)" in received
    assert "n° 1  pat-salon-martigues A13 fin : « 2027-03-29 » → « 2027-04-30 »" in received
    with pytest.raises(SystemExit) as usage:
        main(["--db", db, "propositions", "accepter", "1", "--decaler", "--garder"])
    assert usage.value.code == 2
    capsys.readouterr()
    assert main(["--db", db, "propositions", "accepter", "1", "--decaler"]) == 0
    accepted = capsys.readouterr().out
    assert "proposition n° 1 acceptée" in accepted
    assert "décalés aussi : A14 (+22 j, par A13)" in accepted
    motive = "le COPIL ne reçoit pas de commentaire"
    assert main(["--db", db, "propositions", "refuser", "2", "--motif", motive]) == 0
    assert main(["--db", db, "export", "--out", str(out)]) == 0
    fates = tomllib.loads(source.read_text(encoding="utf-8"))["service"]["propositions"]
    assert [(f["numero"], f["sort"], f.get("motif_refus")) for f in fates] == [
        (1, "acceptée", None),
        (2, "refusée", motive),
    ]
