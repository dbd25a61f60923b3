"""The one masking API, :class:`odas_analysis.disclosure.NameMask`: what the names check finds, it masks."""

from __future__ import annotations

import pytest

from odas_analysis.batch import names as batch_names
from odas_analysis.disclosure import DisclosureError, NameMask, check_no_names
from odas_analysis.publication.errors import ReportError

NAMES = ["Éloïse Vermandois-Lurette", "Jean Dupont"]
TEXTS = [
    "KeyError: 'eloise VERMANDOIS-LURETTE'",
    "colonne « Dupont » inconnue",
    "Jean  Dupont, puis DUPONT Jean",
    "<td>Vermandois-Lurette</td> et jean_dupont",
]


@pytest.mark.parametrize("text", TEXTS)
def test_what_the_check_finds_the_mask_hides(tmp_path, text):
    found = tmp_path / "avant.txt"
    found.write_text(text, encoding="utf-8")
    with pytest.raises(DisclosureError):
        check_no_names(found, NAMES)
    masked = tmp_path / "apres.txt"
    masked.write_text(NameMask.from_names(NAMES).text(text), encoding="utf-8")
    check_no_names(masked, NAMES)  # nothing left for the check to find


def test_the_mask_follows_the_checks_rules():
    mask = NameMask.from_names(NAMES, allow=["Dupont"])
    assert mask.text("rue Dupont") == "rue Dupont"  # an allowed family name alone is not a name
    assert mask.text("Jean Dupont") == "J… (11 caractères)"  # the full name still is
    assert mask.text("Lurette seule") == "Lurette seule"  # a part of a family name is not one
    assert mask({"Jean Dupont": ["Jean Dupont", 3]}) == {"J… (11 caractères)": ["J… (11 caractères)", 3]}


def test_the_overlay_mask_is_shared_by_the_batch_and_the_report(tmp_path, monkeypatch):
    overlay = tmp_path / "prive"
    overlay.mkdir()
    (overlay / "participant_names.csv").write_text(
        "participant_id,name\nP01,Jean Dupont\n", encoding="utf-8", newline="\n"
    )
    monkeypatch.setenv("ODAS_PRIVATE_DATA", str(overlay))
    assert isinstance(batch_names.NameMask(), NameMask)
    assert batch_names.NameMask().text("échec : Jean Dupont") == NameMask.from_overlay().text("échec : Jean Dupont")
    error = ReportError("problème dans Dupont :", ["colonne Jean Dupont"])
    assert "Dupont" not in str(error) and error.problems == ["colonne J… (11 caractères)"]


def test_without_an_overlay_nothing_is_masked(monkeypatch, tmp_path):
    monkeypatch.delenv("ODAS_PRIVATE_DATA", raising=False)
    assert not NameMask.from_overlay(tmp_path)  # no participant_names.csv there
    assert batch_names.NameMask() is batch_names.NO_NAMES
    assert str(ReportError("colonne Jean Dupont")) == "colonne Jean Dupont"
