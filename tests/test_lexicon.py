"""The dictionary recognizer: what it finds in text, with the shipped lexicons and small ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimx.errors import RuleError
from claimx.recognize.lexicon import (
    apply_abbreviations,
    build_lexicon,
    lexicon_paths,
    load_lexicon,
    normalize,
    variants,
)
from claimx.rules import rules_dir


@pytest.fixture(scope="session")
def lexicon():
    return load_lexicon(rules_dir())


def found(lexicon, text: str) -> list[tuple[str, str, str | None]]:
    return [(text[f.start : f.end], f.label, f.concept_id) for f in lexicon.find(text)]


# (text, expected (surface, label, concept id) in order)
SHIPPED_CASES = [
    ("ketamine", "Ketamine infusion", [("Ketamine", "DRUG", "DrugBank:DB01221")]),
    ("esketamine", "intranasal esketamine", [("esketamine", "DRUG", "DrugBank:DB11823")]),
    (
        "restored-english-word",
        "oxytocin and caffeine",
        [
            ("oxytocin", "DRUG", "DrugBank:DB00107"),
            ("caffeine", "DRUG", "DrugBank:DB00201"),
        ],
    ),
    ("restored-nicotine", "nicotine patches", [("nicotine", "DRUG", "DrugBank:DB00184")]),
    ("restored-capsaicin", "topical capsaicin", [("capsaicin", "DRUG", "DrugBank:DB06774")]),
    ("restored-depression", "depression", [("depression", "CONDITION", "MESH:D003863")]),
    ("restored-delirium", "delirium", [("delirium", "CONDITION", "MESH:D003693")]),
    (
        "restored-dysphoria",
        "ketamine-induced dysphoria",
        [
            ("ketamine", "DRUG", "DrugBank:DB01221"),
            ("dysphoria", "CONDITION", "HP:0033838"),
        ],
    ),
    (
        "longest-condition",
        "postherpetic neuralgia",
        [
            ("postherpetic neuralgia", "CONDITION", "MESH:D051474"),
        ],
    ),
    ("longest-drug", "magnesium sulfate", [("magnesium sulfate", "DRUG", "DrugBank:DB00653")]),
    (
        "hyphen-variant",
        "treatment-resistant depression",
        [
            ("treatment-resistant depression", "CONDITION", "MESH:D061218"),
        ],
    ),
    (
        "space-variant",
        "treatment resistant depression",
        [
            ("treatment resistant depression", "CONDITION", "MESH:D061218"),
        ],
    ),
    ("plural", "neuropathic pains", [("neuropathic pains", "CONDITION", "MESH:D009437")]),
    (
        "line-break-inside",
        "complex regional\npain syndrome",
        [
            ("complex regional\npain syndrome", "CONDITION", "MESH:D020918"),
        ],
    ),
    ("acronym", "CRPS patients", [("CRPS", "CONDITION", "MESH:D020918")]),
    ("acronym-aids", "patients with AIDS", [("AIDS", "CONDITION", "MESH:D000163")]),
    (
        "class-opioids",
        "Opioids and benzodiazepines",
        [
            ("Opioids", "DRUG", "MESH:D000701"),
            ("benzodiazepines", "DRUG", "MESH:D001569"),
        ],
    ),
    ("class-nsaids", "NSAIDs", [("NSAIDs", "DRUG", "MESH:D000894")]),
    (
        "list-comma",
        "ketamine, morphine",
        [
            ("ketamine", "DRUG", "DrugBank:DB01221"),
            ("morphine", "DRUG", "DrugBank:DB00295"),
        ],
    ),
    (
        "drug-then-condition",
        "morphine-induced nausea",
        [
            ("morphine", "DRUG", "DrugBank:DB00295"),
            ("nausea", "CONDITION", "MESH:D009325"),
        ],
    ),
    (
        "condition-containing-drug",
        "opioid-induced constipation",
        [
            ("opioid-induced constipation", "CONDITION", "MESH:D000079689"),
        ],
    ),
    (
        "receptor-class",
        "an NMDA receptor antagonist",
        [
            ("NMDA receptor antagonist", "DRUG", "MESH:D018691"),
        ],
    ),
    ("drug-abbreviation", "high-dose MTX", [("MTX", "DRUG", "DrugBank:DB00563")]),
    ("qualifier-outside", "low-dose naltrexone", [("naltrexone", "DRUG", "DrugBank:DB00704")]),
    (
        "clinical-modifier-inside",
        "chronic neuropathic pain",
        [
            ("chronic neuropathic pain", "CONDITION", "MESH:D009437"),
        ],
    ),
    (
        "coordinated-modifiers",
        "acute and chronic migraine",
        [
            ("acute and chronic migraine", "CONDITION", "MESH:D008881"),
        ],
    ),
    ("severity-outside", "severe pain", [("pain", "CONDITION", "MESH:D010146")]),
    ("class-head-inside", "anesthetic agents", [("anesthetic agents", "DRUG", "MESH:D000777")]),
    ("derived-adjective", "hypoxic neonates", [("hypoxic", "CONDITION", "MESH:D000860")]),
    ("curated-adjective", "hypertensive patients", [("hypertensive", "CONDITION", "MESH:D006973")]),
    # conditions as the seed texts write them
    ("psychological-stress", "in constant stress", [("stress", "CONDITION", "MESH:D013315")]),
    ("abuse", "have led to abuse", [("abuse", "CONDITION", "MESH:D019966")]),
    ("death", "a high risk of death", [("death", "CONDITION", "MESH:D003643")]),
    (
        "sensory-changes",
        "associated sensory changes",
        [("sensory changes", "CONDITION", "MESH:D012678")],
    ),
    (
        "somatosensory-dysfunction",
        "somatosensory dysfunction",
        [("somatosensory dysfunction", "CONDITION", "MESH:D020886")],
    ),
    (
        "temporomandibular-pain",
        "temporomandibular pain",
        [("temporomandibular pain", "CONDITION", "MESH:D013705")],
    ),
    ("nominal-adjective", "to treat neuropathic.", [("neuropathic", "CONDITION", "MESH:D009437")]),
    (
        "coordinated-conditions",
        "nausea and vomiting",
        [("nausea", "CONDITION", "MESH:D009325"), ("vomiting", "CONDITION", "MESH:D014839")],
    ),
    (
        "named-syndrome-stays-one",
        "postoperative nausea and vomiting",
        [("postoperative nausea and vomiting", "CONDITION", "MESH:D020250")],
    ),
    (
        "coordinated-ischemic",
        "phantom and ischemic limb pain",
        [("phantom and ischemic limb pain", "CONDITION", "HP:0009763")],
    ),
    (
        "neuropathic-agents",
        "benzodiazepines, neuropathic agents",
        [
            ("benzodiazepines", "DRUG", "MESH:D001569"),
            ("neuropathic agents", "DRUG", "CLAIMX:neuropathic-pain-agents"),
        ],
    ),
    # endogenous substances: drugs when given, analytes when measured (below)
    ("endogenous-given", "cortisol was given", [("cortisol", "DRUG", "DrugBank:DB00741")]),
    ("endogenous-therapy", "insulin therapy", [("insulin", "DRUG", "MESH:D007328")]),
    ("exogenous-measured", "serum digoxin levels", [("digoxin", "DRUG", "DrugBank:DB00390")]),
    # salts belong to the drug's span
    ("salt-after", "lanthanum nitrate", [("lanthanum nitrate", "DRUG", "MESH:D007811")]),
    ("salt-before", "sulfate quinine tablets", [("sulfate quinine", "DRUG", "DrugBank:DB00468")]),
    ("salt-sodium", "diclofenac sodium", [("diclofenac sodium", "DRUG", "DrugBank:DB00586")]),
    (
        "salt-word-in-other-name",
        "amphotericin B-sodium deoxycholate",
        [
            ("amphotericin B", "DRUG", "DrugBank:DB00681"),
            ("sodium deoxycholate", "DRUG", "DrugBank:DB03619"),
        ],
    ),
    ("head-only-with-head", "cholinergic agents", [("cholinergic agents", "DRUG", "MESH:D018678")]),
    ("anti-before-drug", "anti-heparin antibodies", [("heparin", "DRUG", "DrugBank:DB01109")]),
    (
        "anti-hyphen-class",
        "anti-convulsant drugs",
        [("anti-convulsant drugs", "DRUG", "MESH:D000927")],
    ),
    # must not match
    ("receptor-not-drug", "the NMDA receptor", []),
    ("receptors-not-drug", "opioid receptors", []),
    ("abbreviated-receptor", "N-methyl-D-aspartate (NMDA) receptors", []),
    ("receptor-subtype", "mu-opioid and NMDA receptors", []),
    ("class-property", "anticonvulsant effects", []),
    ("design-not-drug", "a placebo-controlled trial", []),
    ("negated-prefix", "non-diabetic controls", []),
    ("inside-word", "painful", []),
    ("deny-all", "all patients", []),
    ("deny-left-right", "left and right", []),
    ("deny-falls", "falls", []),
    ("deny-lead", "to lead", []),
    ("deny-cold", "cold water", []),
    ("deny-may", "may", []),
    ("deny-strain", "strain", []),
    ("deny-plural-too", "two mouse strains", []),
    ("deny-aids-verb", "it aids sleep", []),
    ("short-form-case", "ms", []),
    ("mixed-case-short-name", "the same dose", []),
    ("url", "https://example.org/Ketamine_for_Depression", []),
    ("condition-as-modifier", "pain signals reach the brain", []),
    ("condition-clinician", "an experienced pain clinician", []),
    ("endogenous-substance", "endogenous opioid release", []),
    ("analyte-serum", "oxytocin lowers serum cortisol", [("oxytocin", "DRUG", "DrugBank:DB00107")]),
    ("analyte-fasting-serum", "fasting serum insulin levels", []),
    ("analyte-levels", "basal prolactin levels", []),
    ("analyte-levels-of", "levels of the prolactin", []),
    ("analyte-tissue-of", "tissue concentrations of norepinephrine", []),
    ("analyte-tissue", "striatal dopamine", []),
    ("receptor-subtype-digit", "dopamine D2 receptors", []),
    ("receptor-subtype-5ht", "5-HT 2A receptors", []),
    ("cb1-receptor", "cannabinoid CB1 receptors", []),
    ("anti-class", "inappropriate anti-diuretic hormone", []),
    ("nominal-before-word", "a neuropathic and inflammatory component", []),
    ("block-oxidative-stress", "oxidative stress", []),
    ("block-myocardial-stress", "myocardial stress", []),
    ("block-cell-death", "apoptotic cell death", []),
    ("block-child-abuse", "child abuse", []),
    ("class-dose", "used in anesthetic doses", []),
    ("class-signaling", "cholinergic signaling", []),
    ("anesthesia-not-drug", "anaesthetic considerations", []),
    ("lab-measure", "thiobarbituric acid reactive substances", []),
    ("head-only-bare", "a muscarinic receptor blocker", []),
    ("lab-reagent", "chemical mitogens", []),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [pytest.param(text, expected, id=case_id) for case_id, text, expected in SHIPPED_CASES],
)
def test_shipped_lexicon_matches(lexicon, text, expected):
    assert found(lexicon, text) == expected


def test_class_flag(lexicon):
    (opioids,) = lexicon.find("opioids")
    assert opioids.data["kind"] == "class"
    assert opioids.norm == "Opioids"
    assert opioids.rule_id == "lexicon-drug"


def test_norm_and_xref(lexicon):
    (ketamine,) = lexicon.find("ketamine")
    assert ketamine.norm == "Ketamine"
    assert ketamine.data["xref"] == "MESH:D007649"


@pytest.mark.parametrize(
    ("text", "xref"),
    [
        pytest.param("migraine", "ICD10CM:G43", id="curated-name"),
        pytest.param("chronic pain", "ICD10CM:G89.2", id="unspecified-dropped"),
        pytest.param("fibromyalgia", "ICD10CM:M79.7", id="generated"),
        pytest.param("depression", "ICD10CM:F32.A", id="curated-only-concept"),
        pytest.param("neuropathic pain", None, id="no-exact-title"),
        pytest.param("hypertension", None, id="title-differs"),
    ],
)
def test_condition_icd10cm_xref(lexicon, text, xref):
    (condition,) = lexicon.find(text)
    assert condition.label == "CONDITION"
    assert condition.data.get("xref") == xref


# --- mechanics, on a small lexicon -----------------------------------------------------------

HEADER = "id\tname\tsynonyms\tkind\tclass\txref\n"


@pytest.fixture()
def small_rules(tmp_path: Path) -> Path:
    folder = tmp_path / "lexicons"
    folder.mkdir()
    (folder / "drugs.tsv").write_text(
        HEADER
        + "DrugBank:DB00001\tAlpha drug\talphadrug|alpha drug|AD|alpha\t\t\t\n"
        + "DrugBank:DB00002\tBeta drug\tbetadrug|alpha\t\t\t\n"
        + "DrugBank:DB00003\tWord drug\tsample\t\t\t\n",
        encoding="utf-8",
    )
    (folder / "drugs.extra.tsv").write_text(
        HEADER + "CLAIMX:alpha-class\tAlphas\talpha\tclass\talpha\t\n", encoding="utf-8"
    )
    (folder / "conditions.tsv").write_text(
        HEADER + "HP:0000001\tGamma syndrome\tgamma syndrome|GS\t\t\t\n"
        "MESH:D000002\tDelta disease\tdelta disease\t\t\t\n",
        encoding="utf-8",
    )
    (folder / "deny.tsv").write_text("surface\tlabels\treason\nsample\tDRUG\tword\n")
    (folder / "targets.tsv").write_text("word\tapplies\nreceptor\tdrug\nnon\tprefix\n")
    return tmp_path


@pytest.fixture()
def small(small_rules: Path):
    return build_lexicon(lexicon_paths(small_rules))


SMALL_CASES = [
    ("whole-word", "alphadrug given", [("alphadrug", "DRUG", "DrugBank:DB00001")]),
    ("case-insensitive-long", "ALPHADRUG", [("ALPHADRUG", "DRUG", "DrugBank:DB00001")]),
    (
        "short-as-written",
        "AD and GS",
        [
            ("AD", "DRUG", "DrugBank:DB00001"),
            ("GS", "CONDITION", "HP:0000001"),
        ],
    ),
    ("short-other-case", "ad and gs", []),
    ("curated-overrides", "alpha", [("alpha", "DRUG", "CLAIMX:alpha-class")]),
    ("plural-of-class", "alphas", [("alphas", "DRUG", "CLAIMX:alpha-class")]),
    ("denied", "sample", []),
    ("no-cross-comma", "gamma, syndrome", []),
    ("no-cross-semicolon", "gamma;syndrome", []),
    ("no-inside-longer", "alpha drugs", [("alpha drugs", "DRUG", "DrugBank:DB00001")]),
    ("target", "alphadrug receptor", []),
    ("prefix", "non-alphadrug", []),
    ("boundary-digit", "alphadrug2", []),
    (
        "two-labels-apart",
        "delta disease after betadrug",
        [
            ("delta disease", "CONDITION", "MESH:D000002"),
            ("betadrug", "DRUG", "DrugBank:DB00002"),
        ],
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [pytest.param(text, expected, id=case_id) for case_id, text, expected in SMALL_CASES],
)
def test_small_lexicon_matches(small, text, expected):
    assert found(small, text) == expected


def test_offsets_follow_original_text(small):
    text = "İİ gamma syndrome"  # 'İ' lower-cases to two characters
    (f,) = small.find(text)
    assert text[f.start : f.end] == "gamma syndrome"


def test_lookup(small):
    assert [e.concept_id for e in small.lookup("Gamma Syndrome")] == ["HP:0000001"]
    assert small.lookup("gs") == ()
    assert small.lookup("nothing") == ()


@pytest.mark.parametrize(
    ("surface", "expected"),
    [
        pytest.param("pain", ("pain", "pains"), id="plural"),
        pytest.param("metastasis", ("metastasis", "metastases"), id="plural-is"),
        pytest.param("therapy", ("therapy", "therapies"), id="plural-y"),
        pytest.param(
            "anti-emetic",
            ("anti emetic", "antiemetic", "anti emetics", "antiemetics"),
            id="hyphen-joined",
        ),
        pytest.param("sam-e", ("sam e",), id="no-join-of-short-part"),
        pytest.param("CRPS", ("crps",), id="acronym-no-plural"),
    ],
)
def test_variants(surface, expected):
    assert variants(surface) == expected


def test_normalize_keeps_length():
    text = "Ketamine-İnduced, pain;"
    assert len(normalize(text)) == len(text)


# --- abbreviations defined in the document ---------------------------------------------------


def pairs_for(text: str, short: str, long: str) -> list[tuple[int, int, int, int]]:
    ls = text.index(long)
    out = []
    start = 0
    while (i := text.find(short, start)) != -1:
        out.append((i, i + len(short), ls, ls + len(long)))
        start = i + 1
    return out


def test_short_form_takes_long_form_concept(lexicon):
    text = "Postherpetic neuralgia (PHN) is common. PHN responds to gabapentin."
    pairs = pairs_for(text, "PHN", "Postherpetic neuralgia")
    out = apply_abbreviations(lexicon, text, lexicon.find(text), pairs)
    phn = [f for f in out if text[f.start : f.end] == "PHN"]
    assert [(f.label, f.concept_id, f.rule_id) for f in phn] == [
        ("CONDITION", "MESH:D051474", "lexicon-condition-abbreviation")
    ] * 2


def test_short_form_of_modified_name(lexicon):
    text = "Systemic corticosteroids (SCS) cause harm; SCS use fell."
    pairs = pairs_for(text, "SCS", "Systemic corticosteroids")
    out = apply_abbreviations(lexicon, text, lexicon.find(text), pairs)
    assert [text[f.start : f.end] for f in out if f.concept_id == "MESH:D000305"] == [
        "corticosteroids",
        "SCS",
        "SCS",
    ]


def test_measured_short_form_of_endogenous_substance(lexicon):
    text = "Vasoactive intestinal polypeptide (VIP) dilates. VIP levels fell; VIP was infused."
    pairs = pairs_for(text, "VIP", "Vasoactive intestinal polypeptide")
    out = apply_abbreviations(lexicon, text, lexicon.find(text), pairs)
    vip = [(f.start, f.concept_id) for f in out if text[f.start : f.end] == "VIP"]
    assert vip == [
        (text.index("(VIP") + 1, "DrugBank:DB18634"),
        (text.index("VIP was"), "DrugBank:DB18634"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "temporomandibular pain (TMJ) eased; TMJ returned.",
            [("TMJ", "MESH:D013705"), ("TMJ", "MESH:D013705")],
            id="first-letter-matches",
        ),
        pytest.param("depression (HAMD) fell; HAMD rose.", [], id="other-letter"),
        pytest.param("pain (VAS 3) fell.", [], id="not-an-acronym"),
    ],
)
def test_bracketed_acronym_after_condition(lexicon, text, expected):
    out = apply_abbreviations(lexicon, text, lexicon.find(text), [])
    got = [(text[f.start : f.end], f.concept_id) for f in out if text[f.start : f.end].isupper()]
    assert got == expected


def test_short_form_with_other_meaning_is_dropped(small):
    text = "gamma score (GS) rose; GS fell."
    pairs = pairs_for(text, "GS", "gamma score")
    assert apply_abbreviations(small, text, small.find(text), pairs) == []


def test_specific_acronym_survives_unknown_long_form(lexicon):
    text = "syndrome of improper hormone secretion (SIADH) followed; SIADH resolved."
    pairs = pairs_for(text, "SIADH", "syndrome of improper hormone secretion")
    out = apply_abbreviations(lexicon, text, lexicon.find(text), pairs)
    assert [f.concept_id for f in out if text[f.start : f.end] == "SIADH"] == ["MESH:D007177"] * 2


def test_component_marks_short_forms():
    spacy = pytest.importorskip("spacy")
    pytest.importorskip("scispacy")
    from scispacy.abbreviation import AbbreviationDetector  # noqa: F401

    nlp = spacy.blank("en")
    nlp.add_pipe("abbreviation_detector")
    nlp.add_pipe("claimx_lexicon")
    doc = nlp("Postherpetic neuralgia (PHN) is painful. Ketamine eased PHN in two patients.")
    got = [(doc.text[f.start : f.end], f.label, f.concept_id) for f in doc._.claimx_found]
    assert ("PHN", "CONDITION", "MESH:D051474") in got
    assert got.count(("PHN", "CONDITION", "MESH:D051474")) == 2
    assert ("Ketamine", "DRUG", "DrugBank:DB01221") in got


def test_missing_rules_folder_is_an_error(tmp_path):
    with pytest.raises(RuleError):
        rules_dir(tmp_path / "absent")


def test_cache_follows_rule_edits(small_rules, tmp_path, monkeypatch):
    monkeypatch.setenv("CLAIMX_CACHE", str(tmp_path / "cache"))
    assert [f.concept_id for f in load_lexicon(small_rules).find("betadrug")] == [
        "DrugBank:DB00002"
    ]
    cached = list((tmp_path / "cache" / "claimx").glob("lexicon-*.pickle"))
    assert len(cached) == 1
    drugs = small_rules / "lexicons" / "drugs.tsv"
    drugs.write_text(drugs.read_text().replace("betadrug|", ""), encoding="utf-8")
    assert load_lexicon(small_rules).find("betadrug") == []
    # The edited rules replaced the folder's old cache file.
    assert list((tmp_path / "cache" / "claimx").glob("lexicon-*.pickle")) != cached
    assert len(list((tmp_path / "cache" / "claimx").glob("lexicon-*.pickle"))) == 1


def test_empty_lexicon_folder_is_an_error(tmp_path):
    (tmp_path / "lexicons").mkdir()
    with pytest.raises(RuleError, match="no lexicon files"):
        load_lexicon(tmp_path)
