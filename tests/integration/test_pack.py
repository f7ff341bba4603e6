"""The committee pack: PPTX and PDF opened with readers, every figure checked against
`python -m dashboard kpis --json` for the same period (a separate process), fonts embedded."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from pptx import Presentation
from pypdf import PdfReader

from dashboard.engine.formatting import format_count, format_percent, format_value
from dashboard.engine.metrics import KPI_IDS, get_metric
from dashboard.engine.periods import Period
from dashboard.export.pack.content import last_complete_quarter
from dashboard.export.pack.document import PackDocument, build_pack_document
from dashboard.export.pack.pdf import build_pdf
from dashboard.export.pack.pptx import DEFINITIONS_PER_SLIDE, build_pptx
from dashboard.export.pack.summary import build_summary
from tests.cockpit_support import DEMO_AS_OF, PROJECT_ROOT
from warehouse import store
from warehouse.settings import setting

pytestmark = pytest.mark.slow  # PPTX/PDF built by the CLI in fresh processes, pages rendered by poppler

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "pack"


def _run_cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COCKPIT_DB": str(db)}
    command = [sys.executable, "-m", "dashboard", *args, "--db", str(db)]
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def period() -> Period:
    return last_complete_quarter(date.fromisoformat(DEMO_AS_OF))


@pytest.fixture(scope="module")
def kpis_json(demo_db: Path, period: Period) -> dict:  # noqa: F811
    done = _run_cli("kpis", "--from", period.start.isoformat(), "--to", period.end.isoformat(), "--json", db=demo_db)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def document(demo_db: Path, period: Period) -> PackDocument:  # noqa: F811
    con = store.open_reader(demo_db)
    try:
        return build_pack_document(con, period)
    finally:
        con.close()


@pytest.fixture(scope="module")
def pdf_bytes(document: PackDocument) -> bytes:
    data = build_pdf(document)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "pack.pdf").write_bytes(data)
    return data


def _expected_titles(document: PackDocument) -> list[str]:
    titles = []
    for section in document.sections:
        if section.kind == "definitions":
            chunks = -(-len(section.rows) // DEFINITIONS_PER_SLIDE)
            titles += [
                section.title if chunks == 1 else f"{section.title}（{n}/{chunks}）" for n in range(1, chunks + 1)
            ]
        else:
            titles.append(section.title)
    return titles


def _slide_texts(slide) -> list[str]:  # noqa: ANN001
    texts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            texts.append(shape.text_frame.text)
        if shape.has_table:
            texts += [cell.text for row in shape.table.rows for cell in row.cells]
    return texts


def test_the_quarter_is_the_last_complete_one() -> None:
    assert last_complete_quarter(date(2026, 10, 31)) == Period(date(2026, 7, 1), date(2026, 10, 1))
    assert last_complete_quarter(date(2026, 9, 30)) == Period(date(2026, 7, 1), date(2026, 10, 1))
    assert last_complete_quarter(date(2026, 9, 29)) == Period(date(2026, 4, 1), date(2026, 7, 1))
    assert last_complete_quarter(date(2026, 1, 5)) == Period(date(2025, 10, 1), date(2026, 1, 1))


def test_pack_numbers_are_the_kpi_engine_numbers(document: PackDocument, kpis_json: dict) -> None:
    assert document.content.kpis["kpis"] == kpis_json["kpis"]
    assert document.content.kpis["mix"] == kpis_json["mix"]
    assert document.content.kpis["period"] == kpis_json["period"]


def test_summary_states_the_engine_figures(document: PackDocument, kpis_json: dict) -> None:
    text = "".join(build_summary(document.content))
    volume = kpis_json["kpis"]["volume"]
    assert f"共受理投诉事项{format_count(volume['value'])}件" in text
    verb = "下降" if volume["yoy"] < 0 else "上升"
    assert f"同比{verb}{format_percent(abs(volume['yoy']))}" in text
    for row in kpis_json["mix"]["channel"]:
        assert f"{row['key']}{format_count(row['volume'])}件" in text
    repeat = kpis_json["kpis"]["repeat_rate"]
    assert f"{format_percent(repeat['previous_year'])}" in text and format_percent(repeat["value"]) in text
    assert build_summary(document.content) == build_summary(document.content)  # deterministic


def test_summary_states_the_outcome_figures_of_the_cli(document: PackDocument, kpis_json: dict) -> None:
    text = "".join(build_summary(document.content))
    kpis = kpis_json["kpis"]
    mediation = kpis["mediation_success_rate"]
    assert mediation["value"] is not None  # the demo carries outcomes, so the sentences below must appear
    assert f"调解成功率由上年同期的{format_percent(mediation['previous_year'])}" in text
    assert format_percent(mediation["value"]) in text
    assert f"诉讼转化率为{format_percent(kpis['litigation_rate']['value'])}" in text
    assert f"赔付金额合计{format_value(kpis['compensation_yuan']['value'], 'yuan')}" in text
    assert f"先行赔付{format_count(kpis['advance_payment_count']['value'])}件" in text
    assert f"平均赔付比例{format_percent(kpis['payout_ratio']['value'])}" in text


def test_scorecard_section_states_the_cli_figures(document: PackDocument, demo_db: Path, period: Period) -> None:  # noqa: F811
    done = _run_cli("scorecard", "--unit", "department", "--from", period.start.isoformat(),
                    "--to", period.end.isoformat(), "--json", db=demo_db)  # fmt: skip
    assert done.returncode == 0, done.stderr
    card = json.loads(done.stdout)
    assert card["rows"]
    table = next(s for s in document.sections if s.title.endswith("考核排名（处理部门）"))
    assert [[row[0], row[1], row[2], row[4], row[5]] for row in table.rows] == [
        [str(r["rank"]), r["key"], f"{r['score']:.2f}", str(r["red_cards"]), "是" if r["grey_listed"] else ""]
        for r in card["rows"]
    ]
    text = "".join(next(s for s in document.sections if s.title.endswith("考核情况")).paragraphs)
    top = card["rows"][0]
    assert f"{top['key']}（{top['score']:.2f}分）" in text
    assert f"领导班子（全行）考核得分{card['leadership']['score']:.2f}分" in text
    grey = [r["key"] for r in card["rows"] if r["grey_listed"]]
    assert all(f"{name}" in text for name in grey) if grey else "没有部门列入灰名单" in text


def test_pptx_slides_titles_and_tables(document: PackDocument, kpis_json: dict) -> None:
    deck = Presentation(io.BytesIO(build_pptx(document)))
    assert deck.slide_width * 9 == deck.slide_height * 16  # 16:9
    slides = list(deck.slides)
    titles = _expected_titles(document)
    assert len(slides) == 1 + len(titles)
    cover = " ".join(_slide_texts(slides[0]))
    assert str(setting("bank", "name")) in cover and document.subtitle in cover
    for slide, title in zip(slides[1:], titles, strict=True):
        assert title in _slide_texts(slide)
    kpi_slide = next(s for s in slides if "二、主要指标" in _slide_texts(s))
    table = next(shape.table for shape in kpi_slide.shapes if shape.has_table)
    rows = {row.cells[0].text: [c.text for c in row.cells] for row in list(table.rows)[1:]}
    for metric_id in KPI_IDS:
        metric, figure = get_metric(metric_id), kpis_json["kpis"][metric_id]
        cells = rows[metric.name_zh]
        if metric.unit == "count":
            assert cells[1] == format_count(figure["value"])
            assert cells[2] == format_count(figure["previous_year"])
        elif metric.unit == "rate":
            assert cells[1] == format_percent(figure["value"])
    summary_slide = next(s for s in slides if "一、总体情况" in _slide_texts(s))
    assert f"{format_count(kpis_json['kpis']['volume']['value'])}件" in " ".join(_slide_texts(summary_slide))


def test_pdf_pages_titles_figures_and_embedded_font(pdf_bytes: bytes, document: PackDocument, kpis_json: dict) -> None:
    reader = PdfReader(io.BytesIO(pdf_bytes))
    text = "\n".join(page.extract_text() for page in reader.pages)
    compact = re.sub(r"\s+", "", text)
    assert len(reader.pages) >= 1 + len(document.sections)
    for section in document.sections:
        assert re.sub(r"\s+", "", section.title) in compact
    volume = kpis_json["kpis"]["volume"]["value"]
    assert f"共受理投诉事项{format_count(volume)}件" in compact
    assert "内部资料" in compact  # the watermark is on by default
    for metric_id in ("repeat_rate", "on_time_rate", "satisfaction_rate"):
        assert format_percent(kpis_json["kpis"][metric_id]["value"]) in compact
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    fonts = subprocess.run(["pdffonts", str(ARTIFACTS / "pack.pdf")], capture_output=True, text=True, check=True)
    cjk = [line for line in fonts.stdout.splitlines() if "NotoSansCJK" in line]
    assert cjk and all(" yes yes yes " in line for line in cjk), fonts.stdout
    assert "Type 3" not in fonts.stdout


def test_pdf_pages_render_to_images(pdf_bytes: bytes) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    subprocess.run(
        ["pdftoppm", "-r", "60", "-f", "1", "-l", "4", "-png", str(ARTIFACTS / "pack.pdf"), str(ARTIFACTS / "page")],
        check=True,
    )
    pages = sorted(ARTIFACTS.glob("page-*.png"))
    assert len(pages) == 4 and all(p.stat().st_size > 5_000 for p in pages)


def test_cli_writes_the_pptx_and_logs_the_export(demo_db: Path, period: Period, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "pack.pptx"
    done = _run_cli("pack", "--from", period.start.isoformat(), "--to", period.end.isoformat(), "--out", str(out),
                    db=demo_db)  # fmt: skip
    assert done.returncode == 0, done.stderr
    deck = Presentation(str(out))
    assert len(deck.slides) > 10
    log = (demo_db.parent / (demo_db.name + ".exports.jsonl")).read_text(encoding="utf-8").splitlines()
    entry = json.loads(log[-1])
    assert entry["what"] == "委员会汇报材料" and entry["format"] == "pptx" and entry["period"] == period.as_list()
    assert entry["user"]


def test_cli_refuses_an_unknown_format(demo_db: Path, tmp_path: Path) -> None:  # noqa: F811
    done = _run_cli("pack", "--out", str(tmp_path / "pack.docx"), db=demo_db)
    assert done.returncode == 2 and "格式" in done.stderr


@pytest.fixture(scope="module")
def rectification_json(demo_db: Path, period: Period) -> dict:  # noqa: F811
    args = ("rectification", "--from", period.start.isoformat(), "--to", period.end.isoformat(), "--json")
    done = _run_cli(*args, db=demo_db)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_pack_has_the_rectification_section_with_the_cli_figures(
    document: PackDocument, rectification_json: dict
) -> None:
    r = rectification_json
    text = "".join(next(s for s in document.sections if s.title.endswith("、溯源整改")).paragraphs)
    assert f"发现内部缺陷{r['defects']}项" in text
    assert all(f"{kind}{n}项" in text for kind, n in r["by_type"].items())
    assert f"已完成整改{r['completed']}项，整改完成率{format_percent(r['completion_rate'])}" in text
    assert f"逾期未整改的缺陷{r['overdue']}项" in text
    assert f"{r['linked_cases']}件已溯源至内部缺陷，溯源率{format_percent(r['traced_rate'])}" in text
    worked = [e for e in r["effects"] if e["verdict"] == "worked"]
    not_worked = [e for e in r["effects"] if e["verdict"] == "not_worked"]
    assert worked and not_worked, "the demo plants a fix that worked and one that did not"
    assert f"见效{len(worked)}项" in text and f"未见效{len(not_worked)}项" in text
    for effect in worked + not_worked:
        assert f"{effect['defect_id']}（" in text and f"前{effect['before']}件→后{effect['after']}件" in text
    table = next(s for s in document.sections if s.title.endswith("整改成效"))
    assert [(row[0], row[3], row[4]) for row in table.rows] == [
        (e["defect_id"], f"{e['before']:,}", f"{e['after']:,}") for e in r["effects"]
    ]
