"""Bad input: every way a curator can break the data gets one precise error.

`newskg build` must print `path:line:column: error: message (hint: ...)` for each
problem, naming the offending value, exit with 1 without a traceback, and leave build/
as it was: not created when absent, byte for byte the same when present.

Each case breaks the shipped project in exactly one way.  The replacement text holds
MARK where the error must point, so that the expected line and column are computed from
the text the test wrote, not guessed.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from newskg.cli import main
from newskg.project import load_project
from newskg.yamlio import MAX_BYTES

from .helpers import run_cli

REPO = Path(__file__).resolve().parents[1]
ARTICLE_ID = "bi-2024-03-06-altman-musk"
ARTICLE = f"data/articles/{ARTICLE_ID}.yaml"
TEXT = f"data/articles/{ARTICLE_ID}.txt"
REGISTRY = "data/entities.yaml"
SECOND = "data/articles/bi-2024-03-07-second.yaml"

MARK = "‸"
"""Where, in a case's replacement text, the error must point; removed before writing."""

ERROR_LINE = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<column>\d+): error: "
    r"(?P<message>.+?) \(hint: (?P<hint>.+)\)$"
)


# -- running the build ---------------------------------------------------------------------


def run_build(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """`newskg build --project root` in-process: exit code, stdout, stderr."""
    capsys.readouterr()
    try:
        main(["build", "--project", str(root)])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `folder`: its bytes and modification time."""
    return {
        path.relative_to(folder).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="session")
def shipped_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The build/ folder of the shipped data, built once, to copy into broken projects."""
    root = tmp_path_factory.mktemp("shipped")
    shutil.copytree(REPO / "data", root / "data")
    main(["build", "--project", str(root)])
    return root / "build"


def failed_build(
    root: Path, capsys: pytest.CaptureFixture[str], shipped_build: Path
) -> list[re.Match[str]]:
    """Build a broken project twice -- without build/, then over a real build -- and
    check both runs fail alike and touch nothing; return the error lines."""
    assert not (root / "build").exists()
    code, out, err = run_build(root, capsys)
    assert code == 1, err
    assert "Traceback" not in err and out == ""
    assert not (root / "build").exists(), "a failed build created build/"

    shutil.copytree(shipped_build, root / "build")
    before = snapshot(root / "build")
    assert before, "the shipped build is empty"
    assert run_build(root, capsys) == (code, out, err)
    assert snapshot(root / "build") == before, "a failed build changed build/"

    *lines, summary = err.splitlines()
    count = len(lines)
    assert summary == f"newskg: {count} problem{'s' if count != 1 else ''} in the data"
    matches = [ERROR_LINE.match(line) for line in lines]
    assert all(matches), f"not `path:line:column: error: message (hint: ...)`:\n{err}"
    return [m for m in matches if m is not None]


def assert_error(
    found: re.Match[str],
    where: tuple[str, int, int],
    message: tuple[str, ...],
    hint: str,
) -> None:
    """The error line names this place, these fragments of the message, and this hint."""
    line = found.group(0)
    assert (found["file"], int(found["line"]), int(found["column"])) == where, line
    for fragment in message:
        assert fragment in found["message"], f"{fragment!r} not in {line!r}"
    assert hint in found["hint"], f"hint {hint!r} not in {line!r}"


# -- breaking the data -----------------------------------------------------------------


def position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column (in code points) of text[index]."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def replace(root: Path, file: str, old: str, new: str) -> tuple[str, int, int]:
    """Replace the one occurrence of `old` in `file` by `new` (without its MARK);
    return where MARK stood."""
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} does not occur exactly once in {file}"
    start = text.index(old)
    changed = text[:start] + new.replace(MARK, "") + text[start + len(old) :]
    path.write_bytes(changed.encode("utf-8"))
    return (file, *position(changed, start + new.index(MARK)))


LOCAL_ENTITY = (
    "language: en\nentities:\n  - {id: %sopenai-board, type: Group, label: OpenAI board, "
    "description: The board of directors of OpenAI.}\n"
)


def second_article_with_local_entity(root: Path) -> None:
    """A valid project: the first article defines a local entity, a second article too."""
    replace(root, ARTICLE, "language: en\n", LOCAL_ENTITY % MARK)
    articles = root / "data/articles"
    shutil.copyfile(root / TEXT, articles / "bi-2024-03-07-second.txt")
    shutil.copyfile(REPO / ARTICLE, root / SECOND)
    replace(root, SECOND, f"id: {ARTICLE_ID}\n", f"id: {MARK}bi-2024-03-07-second\n")


def text_with_nfc_word(root: Path) -> None:
    """A valid project whose article text has an accented letter, in NFC."""
    with (root / TEXT).open("a", encoding="utf-8") as stream:
        stream.write("\nThey met in a caf\u00e9.")


@dataclass(frozen=True)
class Case:
    """Replace `old` in `file` by `new`; the error must point at MARK in `new`."""

    file: str
    old: str
    new: str
    message: tuple[str, ...]
    hint: str
    setup: Callable[[Path], None] | None = None
    """A valid change made before the break (checked to load cleanly)."""


CASES = [
    # 1. YAML syntax
    pytest.param(
        Case(ARTICLE, "publisher: business-insider\n", f"publisher: business-insider{MARK}: x\n",
             ("YAML syntax error", "mapping values are not allowed",
              "'publisher: business-insider: x'"),
             "must be put in quotes"),
        id="1-yaml-syntax-error",
    ),
    # 2. a tab in indentation
    pytest.param(
        Case(ARTICLE, "  - id: blog-post-published\n    kind:",
             f"  - id: blog-post-published\n{MARK}\tkind:",
             ("tab character", "'\\tkind: publication'"), "spaces, not tabs"),
        id="2-tab-indentation",
    ),
    # 3. duplicate keys
    pytest.param(
        Case(ARTICLE, "language: en\n", f"language: en\n{MARK}language: de\n",
             ("duplicate key 'language'",), "silently keep only the last"),
        id="3-duplicate-key",
    ),
    # 4. anchors and aliases
    pytest.param(
        Case(ARTICLE, "publisher: business-insider\n", f"publisher: {MARK}&outlet business-insider\n",
             ("anchor '&outlet'", "not allowed"), "write the value out in full"),
        id="4-anchor",
    ),
    pytest.param(
        Case(ARTICLE, "    documents: [musk-openai-emails-2015-2018]\n",
             f"    documents: {MARK}*emails\n",
             ("alias '*emails'", "not allowed"), "write the value out in full"),
        id="4-alias",
    ),
    # 5. an unknown entity id
    pytest.param(
        Case(ARTICLE, "    person: elon-musk\n", f"    person: {MARK}elon-muks\n",
             ("unknown entity", "'elon-muks'"), "did you mean 'elon-musk'?"),
        id="5-unknown-entity",
    ),
    # 6. an unknown fact kind, an unknown field
    pytest.param(
        Case(ARTICLE, "    kind: departure\n", f"    kind: {MARK}departre\n",
             ("unknown fact kind 'departre'",), "did you mean 'departure'?"),
        id="6-unknown-kind",
    ),
    pytest.param(
        Case(ARTICLE, "    purpose: to announce", f"    {MARK}purpse: to announce",
             ("unknown field 'purpse'",), "did you mean 'purpose'?"),
        id="6-unknown-field",
    ),
    # 7. a missing required field
    pytest.param(
        Case(ARTICLE,
             "  - id: motion-to-dismiss\n    kind: motion\n    subject: openai-motion-to-dismiss\n"
             "    movants: [openai]\n    against: musk-v-openai\n    motion: motion to dismiss\n",
             f"  - {MARK}id: motion-to-dismiss\n    kind: motion\n"
             "    subject: openai-motion-to-dismiss\n    movants: [openai]\n"
             "    against: musk-v-openai\n",
             ("missing required field 'motion'", "'motion-to-dismiss'"), "add `motion:`"),
        id="7-missing-field",
    ),
    pytest.param(
        Case(REGISTRY, "  - id: sam-altman\n    type: Person\n",
             f"  - id: sam-altman\n    type: {MARK}Persn\n",
             ("Input should be 'Person'", "(got 'Persn')"), "did you mean 'Person'?"),
        id="7-unknown-entity-type",
    ),
    # 8. YAML's implicit typing where text was meant
    pytest.param(
        Case(REGISTRY, "    label: Microsoft\n", f"    label: {MARK}NO\n",
             ("unquoted 'NO'", "bool False", "not as text"), 'put it in quotes: "NO"'),
        id="8-label-NO",
    ),
    pytest.param(
        Case(REGISTRY, "    wikidata: Q317521\n", f"    wikidata: {MARK}317521\n",
             ("unquoted '317521'", "int 317521"), 'write the item id with its Q: "Q317521"'),
        id="8-wikidata-number",
    ),
    pytest.param(
        Case(REGISTRY, "    label: Microsoft\n", f"    label: {MARK}1.10\n",
             ("unquoted '1.10'", "float 1.1", "not as text"), 'put it in quotes: "1.10"'),
        id="8-label-1.10",
    ),
    pytest.param(
        Case(ARTICLE, "    description: multibillion-dollar\n",
             f"    description: {MARK}2024-03-05\n",
             ("unquoted '2024-03-05'", "date", "not as text"), 'put it in quotes: "2024-03-05"'),
        id="8-date-in-text-field",
    ),
    pytest.param(  # a time written as a bare date, in an `action` fact (a field named as its kind)
        Case(ARTICLE, '    when: {text: "Last week"}\n', f"    when: {MARK}2024-03-05\n",
             ("unquoted '2024-03-05'", "date", "not as text"), 'put it in quotes: "2024-03-05"'),
        id="8-date-as-time",
    ),
    # 9. evidence that is not in the text, and near misses
    pytest.param(
        Case(ARTICLE, "    evidence: Musk, who left OpenAI in 2018\n",
             f"    evidence: {MARK}Musk, who quit OpenAI in 2019\n",
             ("'Musk, who quit OpenAI in 2019'", "not in the text",
              "closest passage is 'Musk, who left OpenAI in 2018'"),
             "copy the words from the article's .txt file exactly"),
        id="9-quote-not-in-text",
    ),
    pytest.param(
        Case(ARTICLE, "    evidence: But Sam Altman has made clear that he's",
             f"    evidence: {MARK}But Sam Altman has made clear that he\u2019s",
             ("clear that he\u2019s going", "clear that he's going",
              "curly against straight quotes"),
             "copy the article's characters exactly"),
        id="9-curly-quote",
    ),
    pytest.param(
        Case(ARTICLE, "    evidence: the Tesla CEO\n", f"    evidence: {MARK}the Tesla\u00a0CEO\n",
             ("'the Tesla\\xa0CEO'", "'the Tesla CEO'", "non-breaking spaces"),
             "copy the article's characters exactly"),
        id="9-non-breaking-space",
    ),
    pytest.param(
        Case(ARTICLE, "    evidence: the Tesla CEO\n", f"    evidence: {MARK}a cafe\u0301\n",
             ("'a cafe\u0301'", "'a caf\u00e9'", "NFC against NFD"),
             "copy the article's characters exactly", setup=text_with_nfc_word),
        id="9-nfd-against-nfc",
    ),
    # 10. an ambiguous quote, an occurrence beyond the count
    pytest.param(
        Case(ARTICLE, '    evidence: Altman called Musk a "jerk"\n',
             f"    evidence: {MARK}the billionaire\n",
             ("'the billionaire' occurs 4 times",), "occurrence: N"),
        id="10-ambiguous-quote",
    ),
    pytest.param(
        Case(ARTICLE, '    evidence: Altman called Musk a "jerk"\n',
             f"    evidence: {MARK}{{quote: the billionaire, occurrence: 9}}\n",
             ("'the billionaire' occurs 4 time(s), not 9",), "between 1 and 4"),
        id="10-occurrence-beyond-count",
    ),
    # 11. an impossible date
    pytest.param(
        Case(ARTICLE, "published: 2024-03-06\n", f"published: {MARK}2024-02-30\n",
             ("'2024-02-30'", "day is out of range"), "a real date"),
        id="11-impossible-published",
    ),
    pytest.param(
        Case(ARTICLE, "published: 2024-03-06\n", f'published: {MARK}"2024-02-30"\n',
             ("'2024-02-30'", "day value is outside expected range"), "a real date"),
        id="11-impossible-published-quoted",
    ),
    pytest.param(
        Case(ARTICLE, '    when: {text: "Last week"}\n',
             f'    when: {{text: "Last week", value: {MARK}2024-02-30}}\n',
             ("'2024-02-30'", "day is out of range"), "a real date"),
        id="11-impossible-time-value",
    ),
    pytest.param(
        Case(ARTICLE, '    when: {text: "Last week"}\n',
             f'    when: {{text: "Last week", value: {MARK}"2024-02-30"}}\n',
             ("impossible time '2024-02-30'", "day is out of range"), "a real date"),
        id="11-impossible-time-value-quoted",
    ),
    # 12. duplicate ids
    pytest.param(
        Case(ARTICLE, "language: en\n",
             f"language: en\nentities:\n  - {{id: {MARK}elon-musk, type: Person, "
             "label: Elon Musk, description: The businessman.}\n",
             ("entity id 'elon-musk' is already in data/entities.yaml",),
             "use the registry's entry"),
        id="12-local-entity-in-registry",
    ),
    pytest.param(
        Case(SECOND, "language: en\n", LOCAL_ENTITY % MARK,
             ("duplicate id 'openai-board'", f"{ARTICLE} defines it too"),
             "move it to data/entities.yaml", setup=second_article_with_local_entity),
        id="12-local-entity-in-two-articles",
    ),
    pytest.param(
        Case(REGISTRY, "    wikidata: Q317521\n",
             f"    wikidata: Q317521\n  - id: {MARK}elon-musk\n    type: Person\n"
             "    label: Elon Musk\n    description: The same man again.\n",
             ("duplicate entity id 'elon-musk' (first at line 6)",), "rename or merge"),
        id="12-duplicate-registry-id",
    ),
    pytest.param(
        Case(ARTICLE, "  - id: emails\n", f"  - id: {MARK}emails-published\n",
             ("duplicate fact id 'emails-published'",), "unique within an article"),
        id="12-duplicate-fact-id",
    ),
    # 13. ids that are not IRI-safe
    pytest.param(
        Case(REGISTRY, "  - id: elon-musk\n", f"  - id: {MARK}Elon Musk\n",
             ("'Elon Musk' is not IRI-safe",), "'elon-musk'"),
        id="13-registry-id-not-iri-safe",
    ),
    pytest.param(
        Case(ARTICLE, "    person: elon-musk\n", f"    person: {MARK}Elon Musk\n",
             ("'Elon Musk' is not IRI-safe",), "'elon-musk'"),
        id="13-reference-not-iri-safe",
    ),
    # 15. invisible, bidirectional and control characters in names
    pytest.param(
        Case(REGISTRY, "    label: Elon Musk\n", f"    label: {MARK}Elon\u202eMusk\n",
             ("'Elon\\u202eMusk'", "U+202E RIGHT-TO-LEFT OVERRIDE"), "delete them"),
        id="15-right-to-left-override",
    ),
    pytest.param(
        Case(REGISTRY, "    label: Sam Altman\n", f"    label: {MARK}Sam\u200bAltman\n",
             ("'Sam\\u200bAltman'", "U+200B ZERO WIDTH SPACE"), "delete them"),
        id="15-zero-width-space",
    ),
    pytest.param(
        Case(REGISTRY, "    label: Elon Musk\n", f"    label: Elon{MARK}\u0007Musk\n",
             ("U+0007", "not allowed"), "remove the control character"),
        id="15-control-character",
    ),
    # 17. an article id that differs from its file name
    pytest.param(
        Case(ARTICLE, f"id: {ARTICLE_ID}\n", f"id: {MARK}bi-2024-03-06-altman-musc\n",
             ("'bi-2024-03-06-altman-musc'", f"'{ARTICLE_ID}.yaml'"), "rename the file"),
        id="17-id-differs-from-file-name",
    ),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_reported_precisely(
    case: Case, project: Path, capsys: pytest.CaptureFixture[str], shipped_build: Path
) -> None:
    if case.setup is not None:
        case.setup(project)
        load_project(project)  # the setup alone is valid: the case breaks one thing
    where = replace(project, case.file, case.old, case.new)
    [error] = failed_build(project, capsys, shipped_build)
    assert_error(error, where, case.message, case.hint)


# 14. not UTF-8


@pytest.mark.parametrize(
    ("file", "encode"),
    [
        pytest.param(  # one Latin-1 byte after UTF-8 text: the column counts characters
            REGISTRY,
            lambda text: (
                text.replace("label: Tesla, Inc.", "label: Tesla \u2014 Caf\u00e9")
                .encode("utf-8")
                .replace("Caf\u00e9".encode(), b"Caf\xe9")
            ),
            id="latin-1-byte-in-registry",
        ),
        pytest.param(TEXT, lambda text: text.encode("cp1252"), id="article-text-in-cp1252"),
    ],
)
def test_not_utf8(
    file: str,
    encode: Callable[[str], bytes],
    project: Path,
    capsys: pytest.CaptureFixture[str],
    shipped_build: Path,
) -> None:
    raw = encode((project / file).read_text(encoding="utf-8"))
    (project / file).write_bytes(raw)
    with pytest.raises(UnicodeDecodeError) as info:
        raw.decode("utf-8")
    bad = info.value.start
    good = raw[:bad].decode("utf-8")
    [error] = failed_build(project, capsys, shipped_build)
    assert_error(error, (file, *position(good, len(good))), (f"byte(s) {raw[bad]:02x}",), "UTF-8")


# 16. a fact sheet over 10 MB


def test_oversized_fact_sheet(
    project: Path, capsys: pytest.CaptureFixture[str], shipped_build: Path
) -> None:
    path = project / ARTICLE
    padding = MAX_BYTES + 1 - path.stat().st_size - len("#\n")
    with path.open("a", encoding="utf-8") as stream:
        stream.write("#" + "x" * padding + "\n")
    assert path.stat().st_size == MAX_BYTES + 1
    [error] = failed_build(project, capsys, shipped_build)
    assert_error(error, (ARTICLE, 1, 1), (f"{MAX_BYTES + 1} bytes", "10 MiB"), "split the facts")


# 17. a fact sheet without its text


def test_fact_sheet_without_text(
    project: Path, capsys: pytest.CaptureFixture[str], shipped_build: Path
) -> None:
    (project / TEXT).unlink()
    [error] = failed_build(project, capsys, shipped_build)
    assert_error(error, (ARTICLE, 1, 1), (f"{TEXT} is missing",), "beside its fact sheet")


# all problems of a run, together


def test_problems_in_two_files_are_reported_together(
    project: Path, capsys: pytest.CaptureFixture[str], shipped_build: Path
) -> None:
    in_registry = replace(project, REGISTRY, "    label: Microsoft\n", f"    label: {MARK}NO\n")
    in_article = replace(
        project, ARTICLE, "    person: elon-musk\n", f"    person: {MARK}elon-muks\n"
    )
    errors = failed_build(project, capsys, shipped_build)
    assert len(errors) == 2, [e.group(0) for e in errors]
    by_file = {e["file"]: e for e in errors}
    assert_error(by_file[REGISTRY], in_registry, ("unquoted 'NO'",), 'put it in quotes: "NO"')
    assert_error(by_file[ARTICLE], in_article, ("'elon-muks'",), "did you mean 'elon-musk'?")


# the control case


def test_shipped_data_builds(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_build(project, capsys)
    assert (code, err) == (0, "")
    assert out.startswith("built 1 article(s)")
    assert (project / "build" / "manifest.sqlite").is_file()


def test_one_bad_fact_does_not_hide_the_problems_of_the_others(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = project / "data" / "articles" / "bi-2024-03-06-altman-musk.yaml"
    text = sheet.read_text(encoding="utf-8")
    text = text.replace("    plaintiffs: [elon-musk]\n", "    plaintiffs: [elon-muks]\n", 1)
    text = text.replace("    kind: meeting\n", "    kind: meting\n", 1)
    text = text.replace(
        "    evidence: Musk, who left OpenAI in 2018\n",
        "    evidence: Musk, who left OpenAl in 2018\n",
        1,
    )
    sheet.write_text(text, encoding="utf-8")
    code, _, stderr = run_build(project, capsys)
    assert code == 1
    err = stderr.splitlines()
    assert [line.split(": error: ")[1].split(" (hint")[0] for line in err[:-1]] == [
        "unknown entity or fact id 'elon-muks'",
        "quote 'Musk, who left OpenAl in 2018' is not in the text; the closest passage is "
        "'Musk, who left OpenAI in 2018' at 690",
        "unknown fact kind 'meting'",
    ]
    assert err[-1] == "newskg: 3 problems in the data"


@pytest.mark.parametrize(
    ("output", "said"),
    [
        ("{tmp}", "it is a folder"),
        ("{tmp}/a-file/out.ttl", "a part of its path is a file, not a folder"),
        ("/proc/no-such-file.ttl", "No such file or directory"),
    ],
)
def test_an_output_that_cannot_be_written_is_one_line_not_a_traceback(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], output: str, said: str
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "a-file").write_text("not a folder", encoding="utf-8")
    target = output.format(tmp=folder)
    for command in (["export", "--format", "turtle"], ["query", "people", "--format", "csv"]):
        assert run_cli(*command, "--project", str(project), "-o", target) == 2
        err = capsys.readouterr().err
        assert f"newskg: error: cannot write {target}: {said}" in err
        assert "Traceback" not in err
    assert (folder / "a-file").read_text(encoding="utf-8") == "not a folder"
    assert [p.name for p in folder.iterdir()] == ["a-file"]  # no temporary file left


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_a_full_disk_is_one_line_not_a_traceback(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("export", "--project", str(project), "-o", "/dev/full", "--format", "nt") == 3
    err = capsys.readouterr().err
    assert "newskg: error: the file system failed: No space left on device" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["build", "--timeout", "0"],
        ["check", "--timeout", "-1"],
        ["query", "people", "--timeout", "-5"],
        ["draw", "--entity", "elon-musk", "--timeout", "0"],
        ["push", "--endpoint", "http://127.0.0.1:9/store", "--timeout", "-1"],
    ],
)
def test_a_time_limit_of_no_time_is_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    assert run_cli(*args, "--project", str(project)) == 2
    assert "Invalid value for '--timeout'" in capsys.readouterr().err
    assert not (project / "build").exists()  # refused before anything ran


@pytest.mark.parametrize(
    ("toml", "said"),
    [
        (
            '[project]\nbase-iri = "https://other.org/"\n',
            "newskg.toml:2:1: error: unknown setting 'project.base-iri' "
            "(hint: did you mean 'base_iri'?)",
        ),
        (
            'base_iri = "https://other.org/"\n',
            "newskg.toml:1:1: error: unknown setting 'base_iri' (hint: it belongs in [project])",
        ),
        (
            '[projet]\nbase_iri = "https://other.org/"\n',
            "newskg.toml:1:1: error: unknown setting 'projet' (hint: did you mean 'project'?)",
        ),
    ],
)
def test_a_setting_newskg_does_not_know_is_an_error_not_a_silent_default(
    project: Path, capsys: pytest.CaptureFixture[str], toml: str, said: str
) -> None:
    (project / "newskg.toml").write_text(toml, encoding="utf-8")
    assert run_cli("build", "--project", str(project)) == 1
    assert said in capsys.readouterr().err
    assert not (project / "build").exists()
    (project / "newskg.toml").write_text(
        '[project]\nbase_iri = "https://other.org/"\n\n[endpoints.mine]\nstore = "http://127.0.0.1:9/store"\n',
        encoding="utf-8",
    )
    assert run_cli("build", "--project", str(project)) == 0  # the profiles' keys are checked apart
