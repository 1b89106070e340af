"""generator/provenance.py and the recording Jinja environment, on small templates of their own
(tests/provenance_templates/), independent of the real policy templates."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path
from types import SimpleNamespace

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from generator.explain import attributed_blocks
from generator.provenance import FactNS, LawNS, LawSet, Recorder, active, recording
from generator.recording import RecordingEnvironment
from generator.render import record

TEMPLATES = Path(__file__).parent / "provenance_templates"


def _env(cls):
    return cls(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
               trim_blocks=True, lstrip_blocks=True)


def _view(*laws: str) -> FactNS:
    profiles = {
        "gdpr": LawNS("gdpr", None, name="GDPR", deadline="one month", plain_rights=["Access", "Erasure"],
                      rights=[LawNS("gdpr", None, name="Access", citation="Art. 15 GDPR"),
                              LawNS("gdpr", None, name="Erasure", citation="Art. 17 GDPR")]),
        "uk_gdpr": LawNS("uk_gdpr", None, name="UK GDPR", deadline="one month", plain_rights=[], rights=[]),
        "ccpa": LawNS("ccpa", None, name="CCPA", deadline="45 days", plain_rights=[], rights=[]),
        "pipl": LawNS("pipl", None, name="PIPL", deadline="15 working days", plain_rights=[], rights=[]),
    }
    return FactNS(None,
                  laws=LawSet({law: profiles[law] for law in laws}, known=profiles),
                  company=FactNS({"name": "company.brand", "country_name": "company.country",
                                  "website": "company.website"},
                                 name="Hashbox", country_name="New Zealand", website="https://hashbox.example"),
                  contact=FactNS("contact", email="privacy@hashbox.example"),
                  kyc=FactNS({"vendor": "kyc.vendor", "obliged_entity": "kyc.obliged_entity"},
                             vendor=FactNS({"name": "kyc.vendor"}, name="Sumsub"), obliged_entity=False))


def _blocks(template: str, view) -> dict[str, tuple[set, set, set]]:
    """text -> (laws, facts, citations) of each block the template renders."""
    html, segments = record(_env(RecordingEnvironment).get_template(template), {"p": view}, laws=view.laws.ids)
    out = {}
    for block in attributed_blocks(html, segments):
        kinds = {kind: {key for k, key in block.accesses if k == kind} for kind in ("law", "fact", "cite")}
        out[block.text] = (kinds["law"], kinds["fact"], kinds["cite"])
    return out


# -- the view classes

def test_factns_behaves_like_simplenamespace():
    ns = FactNS("company", name="Hashbox", country="nz")
    assert ns.name == "Hashbox" and ns == SimpleNamespace(name="Hashbox", country="nz")
    ns.name = "Other"
    ns.extra = 1
    assert vars(ns) == {"name": "Other", "country": "nz", "extra": 1}
    assert repr(ns) == "FactNS(name='Other', country='nz', extra=1)"
    assert ns.facts_keys("name") == ("company.name",)
    mapped = FactNS({"name": "company.brand", "both": ["a.b", "c.d"]}, name="x", slug="y", both=1)
    assert mapped.facts_keys("name") == ("company.brand",)
    assert mapped.facts_keys("both") == ("a.b", "c.d")
    assert mapped.facts_keys("slug") == ()
    assert FactNS(None, a=1).facts_keys("a") == ()
    # The keyword form, as view.py writes it.
    keyword = FactNS(_facts="company", name="Hashbox")
    assert keyword.facts_keys("name") == ("company.name",) and vars(keyword) == {"name": "Hashbox"}
    right = LawNS(_law="gdpr", _facts={"name": "x.y"}, name="Access", citation="Art. 15 GDPR")
    assert right.law_id == "gdpr" and right.facts_keys("name") == ("x.y",) and vars(right)["citation"]
    assert pickle.loads(pickle.dumps(right)).law_id == "gdpr"
    with pytest.raises(TypeError):
        LawNS(name="a law object without its law")


def test_view_objects_survive_pickling_and_copying():
    view = _view("gdpr", "ccpa")
    again = pickle.loads(pickle.dumps(view))
    assert again == view
    assert again.company.facts_keys("name") == ("company.brand",)
    assert again.laws.gdpr.rights[0]._law == "gdpr" and again.laws.gdpr.rights[0].citation == "Art. 15 GDPR"
    assert again.laws.ids == ("gdpr", "ccpa")
    assert copy.copy(view.company).facts_keys("country_name") == ("company.country",)
    assert copy.deepcopy(view) == view


def test_lawset_answers_without_recording():
    laws = _view("gdpr", "ccpa").laws
    assert active() is None
    assert laws.gdpr.name == "GDPR" and laws.pipl is None
    assert "ccpa" in laws and "pipl" not in laws
    assert laws.any("pipl", "ccpa") and not laws.any("pipl", "uk_gdpr")
    assert [law.name for law in laws] == ["GDPR", "CCPA"]
    assert list(laws.ids) == ["gdpr", "ccpa"] and "gdpr" in laws.ids
    assert len(laws) == 2 and bool(laws) and not LawSet({})
    with pytest.raises(AttributeError):
        laws.gdrp  # a typo is an error, not a law that does not apply
    with pytest.raises(AttributeError):
        laws.gdpr = None


def test_lawset_records_only_positive_answers():
    laws = _view("gdpr", "ccpa").laws
    recorder = Recorder()
    with recording(recorder):
        assert "pipl" not in laws and not laws.any("pipl", "uk_gdpr")
        assert "pipl" not in laws.ids
        assert recorder.take() == {}
        assert laws.any("pipl", "ccpa")
        assert set(recorder.take()) == {("law", "ccpa")}
        assert "gdpr" in laws.ids
        assert set(recorder.take()) == {("law", "gdpr")}
    assert active() is None


# -- the recording environment

@pytest.mark.parametrize("template", ["gated.html.j2", "loops.html.j2", "facts.html.j2"])
@pytest.mark.parametrize("laws", [("gdpr",), ("ccpa", "pipl"), ()])
def test_recording_gives_the_same_bytes_as_the_plain_environment(template, laws):
    view = _view(*laws)
    plain = _env(Environment).get_template(template).render(p=view)
    recorded, segments = record(_env(RecordingEnvironment).get_template(template), {"p": view})
    assert recorded == plain
    assert [(s.start, s.end) for s in segments] == list(zip([0] + [s.end for s in segments[:-1]],
                                                            [s.end for s in segments]))
    assert segments[-1].end == len(plain)


def test_every_block_in_a_law_gated_if_records_the_law():
    blocks = _blocks("gated.html.j2", _view("gdpr"))
    assert blocks["First GDPR paragraph."][0] == {"gdpr"}
    assert blocks["Second GDPR paragraph, for Hashbox."][0] == {"gdpr"}
    assert blocks["Second GDPR paragraph, for Hashbox."][1] == {"company.brand"}
    assert blocks["A paragraph gated on a variable set from the laws."][0] == {"gdpr"}
    assert blocks["Heading for everyone"][0] == set()
    assert blocks["After the ifs, for everyone."][0] == set()


def test_elif_and_else_branches_record_only_laws_that_apply():
    blocks = _blocks("gated.html.j2", _view("ccpa"))
    assert blocks["A CCPA paragraph."][0] == {"ccpa"}
    assert "First GDPR paragraph." not in blocks
    neither = _blocks("gated.html.j2", _view("pipl"))
    assert neither["Neither law applies."][0] == set()
    assert neither["A PIPL paragraph."][0] == {"pipl"}
    assert neither["After the ifs, for everyone."][0] == set()


def test_a_membership_test_that_finds_an_applying_law_records_it():
    blocks = _blocks("gated.html.j2", _view("ccpa"))
    assert blocks["Gated on a plain list of law ids."][0] == {"ccpa"}
    assert blocks["Printed when the PIPL does not apply."][0] == set()


def test_facts_keys_follow_the_path_a_plain_view_is_read_by():
    """A view of plain namespaces and the facts' own models: p.contact.email states contact.email,
    and everything read below p.kyc.vendor states kyc.vendor."""
    from generator.facts import Facts
    from generator.provenance import model_keys

    view = SimpleNamespace(laws=LawSet({}), company=SimpleNamespace(name="Hashbox", country_name="New Zealand",
                                                                     website="https://hashbox.example"),
                           contact=SimpleNamespace(email="privacy@hashbox.example"),
                           kyc=SimpleNamespace(vendor=SimpleNamespace(name="Sumsub"), obliged_entity=True))
    html, segments = record(_env(RecordingEnvironment).get_template("facts.html.j2"), {"p": view},
                            leaves=model_keys(Facts)[0])
    facts = {b.text: {key for kind, key in b.accesses if kind == "fact"} for b in attributed_blocks(html, segments)}
    assert facts["The check is carried out for us by Sumsub."] == {"kyc.vendor"}
    assert facts["The law requires these checks."] == {"kyc.obliged_entity"}
    assert facts["Write to privacy@hashbox.example."] == {"contact.email"}
    assert facts["https://hashbox.example"] == {"company.website"}
    assert facts["We are Hashbox, established in New Zealand."] == set()  # company.name is no facts key


def test_loop_bodies_record_what_the_loop_iterates():
    blocks = _blocks("loops.html.j2", _view("gdpr", "ccpa"))
    # Plain strings from a law's profile: the loop's iterable records the law for every item.
    assert blocks["Access"][0] == {"gdpr"} and blocks["Erasure"][0] == {"gdpr"}
    # LawNS items record their law and citation themselves.
    assert blocks["Access"][2] == {"Art. 15 GDPR"} and blocks["Erasure"][2] == {"Art. 17 GDPR"}
    # Iterating the law set records, for each row, the law it is about.
    assert blocks["GDPR one month"][0] == {"gdpr"}
    assert blocks["CCPA 45 days"][0] == {"ccpa"}
    assert blocks["Law Deadline"][0] == set()


def test_facts_keys_come_from_what_the_template_reads():
    blocks = _blocks("facts.html.j2", _view())
    assert blocks["We are Hashbox, established in New Zealand."][1] == {"company.brand", "company.country"}
    # Read through a variable set from the view.
    assert blocks["The check is carried out for us by Sumsub."][1] == {"kyc.vendor"}
    assert blocks["We choose to verify your identity."][1] == {"kyc.obliged_entity"}
    assert blocks["Write to privacy@hashbox.example."][1] == {"contact.email"}
    assert blocks["https://hashbox.example"][1] == {"company.website"}
    assert blocks["Website"][1] == set()
    assert "A callout with text of its own." in blocks


def test_recorder_state_does_not_leak_between_renders():
    template = _env(RecordingEnvironment).get_template("gated.html.j2")
    record(template, {"p": _view("gdpr")})
    assert active() is None
    html, segments = record(template, {"p": _view()})
    assert all(not any(kind == "law" for kind, _ in s.accesses) for s in segments)


def test_each_block_a_macro_outputs_has_its_own_record():
    html, segments = record(_env(RecordingEnvironment).get_template("loops.html.j2"), {"p": _view("gdpr", "ccpa")})
    laws = [(b.text, {key for kind, key in b.accesses if kind == "law"}) for b in attributed_blocks(html, segments)]
    macro = laws[laws.index(("Rights under GDPR:", {"gdpr"})):][:8]
    # Each law of the loop reaches every block of the macro it calls; the macro's own GDPR test
    # reaches only the block it gates.
    assert macro == [
        ("Rights under GDPR:", {"gdpr"}),
        ("A GDPR sentence inside a macro.", {"gdpr"}),
        ("A sentence of the macro for every law.", {"gdpr"}),
        ("Write to privacy@hashbox.example.", {"gdpr"}),
        ("Rights under CCPA:", {"ccpa"}),
        ("A GDPR sentence inside a macro.", {"gdpr", "ccpa"}),
        ("A sentence of the macro for every law.", {"ccpa"}),
        ("Write to privacy@hashbox.example.", {"ccpa"}),
    ]
    blocks = _blocks("loops.html.j2", _view("gdpr", "ccpa"))
    assert blocks["Write to privacy@hashbox.example."][1] == {"contact.email"}


def test_a_filtered_macro_call_keeps_everything_the_macro_read():
    blocks = _blocks("loops.html.j2", _view("gdpr"))
    assert blocks["A SENTENCE OF THE MACRO FOR EVERY LAW."][0] == {"gdpr"}
    assert blocks["WRITE TO PRIVACY@HASHBOX.EXAMPLE."][1] >= {"contact.email"}


def test_reading_an_object_of_a_law_profile_records_the_law_and_its_citation():
    """Profiles as the catalog loads them (pydantic models), reached outside p.laws: through a merged
    list of rights, or an attribute of the view."""
    from generator import lawprofiles

    gdpr, ccpa = lawprofiles.get("gdpr"), lawprofiles.get("ccpa")
    view = FactNS(None, laws=LawSet({"gdpr": gdpr, "ccpa": ccpa}),
                  rights=lawprofiles.union_rights(["gdpr", "ccpa"]), complaint=ccpa.complaint)
    blocks = _blocks("profiles.html.j2", view)
    for right in gdpr.rights:
        laws, _, cites = blocks[right.name]
        assert "gdpr" in laws and right.citation in cites
    ccpa_only = [r for r in ccpa.rights if r.name not in {g.name for g in gdpr.rights}]
    assert ccpa_only and all(blocks[r.name][0] == {"ccpa"} for r in ccpa_only)
    assert blocks[ccpa.complaint.text][0] == {"ccpa"} and blocks[ccpa.complaint.text][2] == {ccpa.complaint.citation}
    assert blocks["A sentence for every policy."] == (set(), set(), set())
