"""The engine's words in Russian and English: the catalog, the language of a context."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po
from pydantic import ValidationError

from scheduler import i18n
from scheduler.checker import check_roster
from scheduler.domain import Rules
from scheduler.intake import rule_words, schema
from scheduler.intake.loading import load_dataset
from scheduler.intake.schema import NeedRow
from scheduler.intake.summary import describe
from scheduler.intake.template import write_template
from scheduler.intake.updates import read_changes
from scheduler.outputs.roster import write_roster
from scheduler.outputs.roster_reading import Assignment
from scheduler.outputs.unfilled import explain_unfilled
from scheduler.problems import InvalidInput
from scheduler.rules import BLOCKING_RULES
from tests.broken import make_cases
from tests.factories import make_dataset, make_facility, make_need, make_volunteer, make_window

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def catalog(code: str):
    with (i18n.LOCALES / code / "LC_MESSAGES" / "scheduler.po").open("rb") as source:
        return read_po(source, locale=code)


@pytest.mark.parametrize("code", [c for c in i18n.LANGUAGES if c != i18n.DEFAULT])
def test_every_message_is_translated_and_none_is_fuzzy(code: str) -> None:
    found = catalog(code)
    missing = [
        m.id
        for m in found
        if m.id and not all(m.string if isinstance(m.string, tuple) else [m.string])
    ]
    fuzzy = [m.id for m in found if m.id and m.fuzzy]
    assert (missing, fuzzy) == ([], [])
    plurals = [m.id for m in found if isinstance(m.id, tuple) and len(m.string) != 3]
    assert plurals == []  # Russian: one, few, many
    assert [(m.id, [str(e) for e in errors]) for m, errors in found.check()] == []


@pytest.mark.parametrize("code", [c for c in i18n.LANGUAGES if c != i18n.DEFAULT])
def test_each_translation_keeps_the_placeholders_of_its_message(code: str) -> None:
    """A placeholder dropped or misspelt would lose a value or raise at run time."""
    differ = []
    for message in catalog(code):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        differ += [
            (ids[0], s) for s in strings if set(PLACEHOLDER.findall(s)) ^ wanted - ENGLISH_ONLY
        ]
    assert differ == []


ENGLISH_ONLY = {"article"}  # a value only English grammar needs (a, an)


def extracted() -> dict[tuple[str | None, str], str]:
    """Every message of scheduler/ as `make messages` extracts it, with the file it is in."""
    with (ROOT / "babel-scheduler.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    line = re.search(r"^SCHEDULER_KEYWORDS := (.*)$", (ROOT / "Makefile").read_text(), re.M)
    assert line, "the Makefile names the engine's gettext keywords in SCHEDULER_KEYWORDS"
    keywords = DEFAULT_KEYWORDS | parse_keywords(line.group(1).replace("-k ", "").split())
    found = {}
    for file, _line, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=keywords
    ):
        found[(context, message[0] if isinstance(message, tuple) else message)] = file
    return found


@pytest.mark.parametrize("code", [c for c in i18n.LANGUAGES if c != i18n.DEFAULT])
def test_the_catalog_holds_every_message_of_the_engine(code: str) -> None:
    """Stale when a message was added or changed in scheduler/ without `make messages`."""
    known = {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id) for m in catalog(code)}
    found = extracted()
    assert len(found) > 300  # the extraction read the engine's modules
    assert sorted(f"{file}: {key[1]!r}" for key, file in found.items() if key not in known) == []


@pytest.mark.parametrize(
    ("environ", "code"),
    [
        ({"SCHEDULER_LANGUAGE": "ru", "LANG": "en_US.UTF-8"}, "ru"),
        ({"LANG": "ru_RU.UTF-8"}, "ru"),
        ({"LANGUAGE": "de:ru", "LANG": "en_US.UTF-8"}, "ru"),
        ({"LC_ALL": "C.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_language_comes_from_the_environment(environ, code) -> None:
    assert i18n.language_from(environ) == code


def test_a_refusal_is_worded_in_the_language_of_the_context() -> None:
    rules = Rules(min_rest_hours=12.5, max_consecutive_days=5)
    with i18n.using("en"):
        english = [rule.label(rules) for rule in BLOCKING_RULES if rule.label]
    with i18n.using("ru"):
        russian = [rule.label(rules) for rule in BLOCKING_RULES if rule.label]
    assert english[0] == "by the rest rule (12.5 h between shifts)"
    assert russian[0] == "из-за правила отдыха (12,5 ч между сменами)"
    assert russian[-1] == "на пределе в 5 дней подряд"
    with i18n.using("ru"), i18n.using("en"):
        assert i18n.language() == "en"
    with i18n.using("fr"):
        assert i18n.language() == "en"


@pytest.mark.parametrize(("count", "word"), [(1, "день"), (3, "дня"), (11, "дней"), (21, "день")])
def test_russian_counts_take_their_three_forms(count: int, word: str) -> None:
    with i18n.using("ru"):
        label = i18n.ngettext(
            "at the limit of %(count)s day in a row",
            "at the limit of %(count)s days in a row",
            count,
        )
    assert label == f"на пределе в {count} {word} подряд"


# --- the engine's words in Russian -----------------------------------------------------------


def _upload_with_a_bad_date(tmp_path: Path) -> Path:
    sheets = make_cases.base()
    sheets["needs"][1][2] = "02.03.2026"  # needs row 2, column C (date), written day first
    path = tmp_path / "needs.xlsx"
    make_cases.save_xlsx(sheets, path)
    return path


BAD_DATE = (
    "needs:2:date: «02.03.2026» — не дата; напишите ГГГГ-ММ-ДД, например 2026-03-02 (ячейка C2)"
)


def test_a_bad_date_in_a_loaded_workbook_is_reported_in_russian(tmp_path: Path) -> None:
    path = _upload_with_a_bad_date(tmp_path)
    with i18n.using("ru"), pytest.raises(InvalidInput) as raised:
        load_dataset(path)
    assert BAD_DATE in [str(p) for p in raised.value.problems]
    assert str(raised.value).startswith("Ошибок во входных данных: 1.\n")


def test_a_bad_date_in_an_uploaded_sheet_is_reported_in_russian(tmp_path: Path) -> None:
    path = _upload_with_a_bad_date(tmp_path)
    base = make_dataset(facilities=[make_facility(id="F1"), make_facility(id="F2")])
    with i18n.using("ru"), pytest.raises(InvalidInput) as raised:
        read_changes(path, base, {"needs"})
    assert BAD_DATE in [str(p) for p in raised.value.problems]


def test_the_same_upload_reads_in_english_as_before(tmp_path: Path) -> None:
    path = _upload_with_a_bad_date(tmp_path)
    with pytest.raises(InvalidInput) as raised:
        load_dataset(path)
    assert (
        "needs:2:date: '02.03.2026' is not a date; write YYYY-MM-DD, e.g. 2026-03-02 (cell C2)"
    ) in [str(p) for p in raised.value.problems]


@pytest.mark.parametrize(
    ("value", "english", "russian"),
    [
        (
            0,
            "0 is out of range; it must be from 1 to 1000",
            "0 — вне допустимых пределов; нужно от 1 до 1 000",
        ),
        ("x" * 101, "(101 characters) is too long", "(101 символ) — слишком длинное"),
        ("a\tb", "holds a tab", "содержит символ табуляции"),
    ],
)
def test_cell_messages_follow_the_language(value, english, russian) -> None:
    def message() -> str:
        with pytest.raises(ValidationError) as raised:
            NeedRow.model_validate(
                {**NEED, "count": value} if value == 0 else {**NEED, "role": value}
            )
        return str(raised.value.errors()[0]["ctx"]["error"])

    assert english in message()
    with i18n.using("ru"):
        assert russian in message().replace("\u00a0", " ")


NEED = {"facility_id": "F1", "date": "2026-03-02", "start": "08:00", "end": "16:00"}
NEED |= {"role": "nurse", "count": 1}


def test_every_rule_says_its_meaning_and_range_in_russian() -> None:
    for name, info in Rules.model_fields.items():
        assert info.description in rule_words.WORDS  # a new rule's words are marked for the catalog
        assert rule_words.accepted(name) == Rules.accepted(name)  # English as the domain says it
        with i18n.using("ru"):
            assert rule_words.meaning(name) != info.description
    with i18n.using("ru"):
        assert rule_words.accepted("max_consecutive_days") == "целое число от 1 до 366"


def test_the_template_in_russian_keeps_the_contracts_sheets_and_columns(tmp_path: Path) -> None:
    with i18n.using("ru"):
        write_template(tmp_path / "шаблон.xlsx")
        dataset, warnings = load_dataset(tmp_path / "шаблон.xlsx")
    book = openpyxl.load_workbook(tmp_path / "шаблон.xlsx")
    assert book.sheetnames[0] == "Как заполнять"  # read by nobody, warned about by nobody
    assert warnings == []
    assert [c.value for c in book["needs"][1]] == list(schema.columns("needs"))
    assert book["needs"]["B1"].comment.text.startswith("Обязательно.")
    assert dataset.needs


def test_the_dataset_summary_in_russian() -> None:
    dataset = make_dataset(facilities=[make_facility(), make_facility(id="F2")])
    with i18n.using("ru"):
        lines = describe(dataset, "demo").splitlines()
    assert lines[0] == "demo: ошибок нет."
    assert lines[1].startswith("  2 учреждения в 1 регионе; волонтёров: 1 (медсестра: 1)")


def test_why_a_place_is_open_is_said_in_russian() -> None:
    """Nobody is free for the night shift: the funnel's sentence, then a rule's words."""
    dataset = make_dataset(
        volunteers=[make_volunteer(), make_volunteer(id="V2", name="Boris")],
        needs=[make_need(count=2), make_need(id="N2", start="20:00", end="08:00", count=2)],
        availability=[
            make_window("Mon", "08:00", "16:00"),
            make_window("Mon", "08:00", "16:00", volunteer_id="V2"),
        ],
    )
    with i18n.using("ru"):
        reasons = explain_unfilled(dataset, [("N1", "V1")])
    assert reasons["N1"].reason == (
        "в регионе «north» — 2 волонтёра с ролью «медсестра»; 2 свободны на всю смену; "
        "2 живут в пределах 50 км; 1 уже на этой смене; 1 волонтёр ещё может взять её, "
        "не нарушая правил (V2), — назначьте вручную или запустите расчёт заново"
    )
    assert reasons["N2"].reason == (
        "в регионе «north» — 2 волонтёра с ролью «медсестра»; никто из них не свободен на всю смену"
    )
    english = explain_unfilled(dataset, [("N1", "V1")])
    assert english["N2"].reason == ("2 nurses in north region; none available for the whole shift")


def test_a_checker_violation_is_said_in_russian() -> None:
    dataset = make_dataset(needs=[make_need(), make_need(id="N2", start="12:00", end="20:00")])
    roster = [Assignment("N1", "V1", 2), Assignment("N2", "V1", 3)]
    with i18n.using("ru"):
        found = [str(v) for v in check_roster(dataset, roster)]
    assert found == [
        "Assignments:2: правило 4 (отдых): V1 работает в смены N1 (2026-03-02 08:00-16:00) и "
        "N2 (2026-03-02 12:00-20:00), а они пересекаются (строки 2, 3)"
    ]
    assert [str(v) for v in check_roster(dataset, roster)] == [
        "Assignments:2: rule 4 (rest): V1 works N1 (2026-03-02 08:00-16:00) and "
        "N2 (2026-03-02 12:00-20:00), which overlap (rows 2, 3)"
    ]


def test_the_roster_workbook_in_russian_keeps_the_contracts_sheets(tmp_path: Path) -> None:
    dataset = make_dataset(
        volunteers=[make_volunteer(phone="+7 900 000-00-01")],
        needs=[make_need(count=2), make_need(id="N2", date="2026-03-03", priority=1)],
    )
    path = tmp_path / "график.xlsx"
    with i18n.using("ru"):
        write_roster(dataset, [("N1", "V1")], path)
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames[:4] == ["Сводка", "Assignments", "Unfilled", "Волонтёры"]
    summary = [row for row in book["Сводка"].iter_rows(values_only=True)]
    assert summary[0][0] == "Сводка по графику"
    assert summary[1][:2] == ("мест нужно", 3)
    assert "По приоритетам" in [row[0] for row in summary]
    assignments = list(book["Assignments"].iter_rows(values_only=True))
    assert assignments[0][:2] == ("need_id", "facility_id")  # the contract's, in every language
    assert assignments[1][7] == "nurse"  # a value a checker reads
    unfilled = list(book["Unfilled"].iter_rows(values_only=True))
    assert unfilled[0][-2:] == ("why", "reason")
    assert unfilled[1][-1].startswith("в регионе «north» — 1 волонтёр с ролью «медсестра»")
    volunteers = list(book["Волонтёры"].iter_rows(values_only=True))
    assert volunteers[0][:3] == ("номер волонтёра", "имя", "роль")
    assert volunteers[1][:3] == ("V1", "Anna", "медсестра")
    wall = [c for row in book[book.sheetnames[4]].iter_rows(values_only=True) for c in row if c]
    book.close()
    assert "НЕ ЗАНЯТО (критично)" in wall
    assert any(str(c).startswith("Неделя с 02 мар") for c in wall)


def test_validate_speaks_the_language_of_the_shell(tmp_path: Path) -> None:
    path = _upload_with_a_bad_date(tmp_path)
    environ = {k: v for k, v in os.environ.items() if k not in i18n.ENVIRONMENT}
    environ["LANG"] = "ru_RU.UTF-8"
    run = subprocess.run(
        [sys.executable, "-m", "scheduler", "validate", str(path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environ,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 1
    assert BAD_DATE in run.stdout.splitlines()


def test_the_solve_command_reports_in_russian(tmp_path) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    demo = Path(__file__).resolve().parents[1] / "data" / "demo"
    env = {**os.environ, "SCHEDULER_LANGUAGE": "ru"}
    command = ["solve", str(demo), "-o", str(tmp_path / "roster.xlsx")]
    done = subprocess.run(
        [sys.executable, "-m", "scheduler", *command], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    assert "занято мест:" in done.stderr and "взвешенное покрытие" in done.stderr
