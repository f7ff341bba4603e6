"""The import pipeline: read -> map headers (profile) -> normalise values -> row rules ->
protect identities -> [writer copy: land -> data checks -> refresh marts -> mart checks] -> publish.

Everything before the landing runs outside the warehouse lock. A file-level problem or a
critical data-check failure rejects the whole load: the writer copy is discarded (the served
warehouse is unchanged, byte for byte) and one JSON line is appended to `<db>.loadlog.jsonl`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from warehouse import store
from warehouse.importer import defect_checks, landing, privacy
from warehouse.importer.contract import KIND_ZH, KINDS, UNKNOWN_MEMBERS, fields_of
from warehouse.importer.errors import LoadRejected
from warehouse.importer.mapping import SRC_PREFIX, apply_profile
from warehouse.importer.normalise import normalise_frame
from warehouse.importer.profiles import PROFILES_DIR, Profile, load_profile
from warehouse.importer.readers import SOURCE_ROW, RawTable, read_table
from warehouse.importer.results import LoadResult, Preview
from warehouse.importer.rules import RuleContext, drop_violations, find_violations, malformed_violations
from warehouse.importer.values import earliest_plausible_date, now_cst
from warehouse.settings import db_path, setting

Progress = Callable[[float, str], None] | None

__all__ = ["LoadRejected", "LoadResult", "Preview", "import_file", "load_frame", "preview_file"]


@dataclass
class Prepared:
    """A batch ready to land: the typed rows that broke no rule, and the violations of the others."""

    kind: str
    profile: Profile
    read: int
    accepted: pl.DataFrame
    violations: pl.DataFrame
    sources: dict[str, str] = field(default_factory=dict)
    footer_lines: int = 0
    malformed: int = 0
    warnings: list[dict] = field(default_factory=list)  # non-critical check results (region_unknown …)

    @property
    def quarantined(self) -> int:
        return self.violations["source_row"].n_unique() if self.violations.height else 0


def _report(progress: Progress, fraction: float, step: str) -> None:
    if progress is not None:
        progress(fraction, step)


def _rule_context(kind: str, profile: Profile, sources: dict[str, str]) -> RuleContext:
    required = frozenset(f.name for f in fields_of(kind) if f.required and f.name not in profile.optional)
    return RuleContext(kind, sources, required, profile.region_scheme, now_cst(), earliest_plausible_date())


def _check_kind(kind: str | None, profile: Profile) -> str | None:
    if kind is not None and kind not in KINDS:
        raise LoadRejected(f"未知的数据类型「{kind}」：应为 {', '.join(KINDS)} 之一")
    if kind and profile.kind and kind != profile.kind:
        raise LoadRejected(f"导入配置 {profile.name} 只用于{KIND_ZH[profile.kind]}（{profile.kind}），不能导入 {kind}")
    return kind or profile.kind


def _typed_rows(
    table: RawTable, profile: Profile, kind: str | None, name: str, progress: Progress
) -> tuple[str, pl.DataFrame, dict[str, str], list[str]]:
    _report(progress, 0.15, "识别表头")
    mapped = apply_profile(table, profile, _check_kind(kind, profile), name)
    _report(progress, 0.25, "规范取值")
    typed = normalise_frame(mapped.frame, mapped.kind, profile.day_first, profile.region_scheme)
    return mapped.kind, typed, mapped.sources, mapped.unmapped


def unknown_warnings(kind: str, accepted: pl.DataFrame, sources: dict[str, str]) -> list[dict]:
    """One warning per descriptive column left blank in some cases: those cases load as 未知… members."""
    if kind == "defects":
        return defect_checks.defect_type_warnings(accepted)
    if kind != "cases":
        return []
    found = []
    for name, (member, rule) in UNKNOWN_MEMBERS.items():
        count = accepted.filter(pl.col(name) == member).height
        if not count:
            continue
        zh = next(f.zh for f in fields_of(kind) if f.name == name)
        written = sources.get(name, zh)
        column = f"「{zh}」" if written == zh else f"「{zh}」（文件表头「{written}」）"
        details = (
            f"{count} 件案件的{column}为空，按「{member}」导入：计入全国总量和各项指标，"
            f"在按{zh}的分组中单列为「{member}」"
        )
        found.append(
            {
                "expectation": rule,
                "column": name,
                "success": False,
                "critical": False,
                "unexpected_count": count,
                "element_count": accepted.height,
                "details": details,
            }
        )
    return found


def _prepare(kind: str, profile: Profile, typed: pl.DataFrame, sources: dict[str, str], progress: Progress) -> Prepared:
    _report(progress, 0.4, "校验行规则")
    violations = find_violations(typed, _rule_context(kind, profile, sources))
    accepted = drop_violations(typed, violations)
    keep = [SOURCE_ROW, *(f.name for f in fields_of(kind))]
    warnings = unknown_warnings(kind, accepted, sources)
    return Prepared(kind, profile, typed.height, accepted.select(keep), violations, sources, warnings=warnings)


def _with_malformed(prepared: Prepared, table: RawTable) -> Prepared:
    """Add the records the reader could not split: they are read and quarantined (rule malformed_record)."""
    prepared.footer_lines = table.footer_lines
    if not table.malformed:
        return prepared
    bad = malformed_violations(table.malformed, len(table.headers))
    prepared.violations = pl.concat([prepared.violations, bad]).sort("source_row", maintain_order=True)
    prepared.read += len(table.malformed)
    prepared.malformed = len(table.malformed)
    return prepared


def prepare_file(
    path: Path | str, kind: str | None, profile: Profile, name: str, progress: Progress = None, sheet: str | None = None
) -> tuple[Prepared, RawTable]:
    _report(progress, 0.02, "读取文件")
    table = read_table(path, profile.known_header_keys(), sheet or profile.sheet, name)
    kind_found, typed, sources, _ = _typed_rows(table, profile, kind, name, progress)
    return _with_malformed(_prepare(kind_found, profile, typed, sources, progress), table), table


def _frame_profile(profile: str, source_system: str) -> Profile:
    """A bundled profile's rules (region scheme, optional fields) when `profile` names one."""
    if (PROFILES_DIR / f"{profile}.yaml").is_file():
        return replace(load_profile(profile), name=profile, source_system=source_system)
    return Profile(name=profile, source_system=source_system)


def prepare_frame(frame: pl.DataFrame, kind: str, profile: Profile, progress: Progress = None) -> Prepared:
    """A frame of canonical columns (English names, typed or strings) instead of a file."""
    _check_kind(kind, profile)
    missing = [f for f in profile.required_fields(kind) if f.name not in frame.columns]
    if missing:
        names = "、".join(f"「{f.zh}」({f.name})" for f in missing)
        raise LoadRejected(f"数据缺少必填列 {names}（{KIND_ZH[kind]}）")
    if SOURCE_ROW not in frame.columns:
        frame = frame.with_row_index(SOURCE_ROW, offset=1).with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))
    names = {f.name for f in fields_of(kind)}
    src = [pl.col(c).alias(SRC_PREFIX + c) for c in frame.columns if c in names and frame.schema[c] == pl.String]
    _report(progress, 0.25, "规范取值")
    typed = normalise_frame(frame.with_columns(src), kind, profile.day_first, profile.region_scheme)
    return _prepare(kind, profile, typed, {}, progress)


def _summary(result: LoadResult) -> str:
    text = (
        f"读取 {result.read} 行 = 新增 {result.loaded} + 更新 {result.updated} + 重复 {result.duplicates} "
        f"+ 隔离 {result.quarantined}"
    )
    notes = []
    if result.malformed:
        notes.append(f"隔离中 {result.malformed} 行为残缺记录")
    if result.footer_lines:
        notes.append(f"另跳过表尾 {result.footer_lines} 行（合计、制表人、空行），不计入读取")
    return text + (f"（{'；'.join(notes)}）" if notes else "")


def _critical_message(outcome: object) -> str:
    failures = "；".join(getattr(outcome, "critical_failures", []) or [])
    return f"数据质量检查（{getattr(outcome, 'suite', '')}）发现严重问题，整批拒绝导入：{failures}"


def _land(
    prepared: Prepared,
    db: Path | str | None,
    file_label: str,
    file_hash: str | None,
    progress: Progress,
    rebuild: bool = True,
) -> LoadResult:
    """Land a prepared batch in a new warehouse version; any exception discards the version.

    rebuild=False leaves the marts as they were (a bulk load of many slices rebuilds once, after the last).
    """
    from data_checks import gate  # great-expectations is slow to import: only when a load runs
    from warehouse.marts import refresh_marts

    started_at = now_cst()
    profile = prepared.profile
    _report(progress, 0.5, "保护客户信息")
    rows = privacy.protect_identities(prepared.accepted, privacy.ensure_salt(db))
    result = LoadResult(
        file_label,
        prepared.kind,
        read=prepared.read,
        quarantined=prepared.quarantined,
        quarantine_rows=prepared.violations,
        footer_lines=prepared.footer_lines,
        malformed=prepared.malformed,
        warnings=[w["details"] for w in prepared.warnings],
    )
    # A daily load touches little: bounded tighter than other writers (refresh_marts raises it for a full rebuild).
    with store.new_version(db, memory_limit=setting("warehouse", "load_memory_limit", default="2GB")) as con:
        con.execute("SET enable_progress_bar = false")  # stdout carries the --json answer
        _report(progress, 0.55, "比对已有数据")
        columns = [name for name, _ in landing.raw_columns(con, prepared.kind)]
        frame = landing.to_landing_frame(prepared.kind, rows, profile.source_system, columns)
        batch_id = landing.next_batch_id(con)
        counts = landing.classify(con, prepared.kind, frame, batch_id)
        result.batch_id, result.loaded, result.updated, result.duplicates = (
            batch_id,
            counts.loaded,
            counts.updated,
            counts.duplicates,
        )
        result.message = f"已导入 {Path(file_label).name}：{_summary(result)}"
        _report(progress, 0.65, "数据质量检查")
        batch_outcome = gate.validate_batch(prepared.kind, landing.rows_to_land(con, prepared.kind))
        if not batch_outcome.ok:
            raise LoadRejected(_critical_message(batch_outcome))
        batch_outcome.results.extend(prepared.warnings)  # shown with the checks on the 数据质量 page
        landing.insert_landed(con, prepared.kind)
        landing.insert_quarantine(con, batch_id, prepared.violations)
        record = landing.BatchRecord(
            batch_id,
            Path(file_label).name,
            file_hash,
            prepared.kind,
            profile.name,
            profile.source_system,
            started_at,
            prepared.read,
            counts,
            prepared.quarantined,
            result.message,
            prepared.footer_lines,
            prepared.malformed,
        )
        landing.insert_batch(con, record, now_cst())
        gate.record_outcome(con, batch_id, batch_outcome)
        if rebuild:
            _report(progress, 0.75, "更新数据集市")
            # Only what the new rows can change (a full rebuild when the marts were built by other code or
            # settings); the batches landed with rebuild=False since the last refresh are included.
            refresh_marts(con)
            if prepared.kind == "defects":  # links to cases not (yet) in the warehouse: kept, and said so
                result.warnings.extend(defect_checks.unknown_case_link_warnings(con))
            _report(progress, 0.9, "检查数据集市")
            mart_outcome = gate.validate_marts(con)
            if not mart_outcome.ok:
                raise LoadRejected(_critical_message(mart_outcome))
            gate.record_outcome(con, batch_id, mart_outcome)
        _report(progress, 0.97, "发布新版本")
    _report(progress, 1.0, "完成")
    if not result.reconciles:  # cannot happen by construction; refuse to print a wrong reconciliation
        raise AssertionError(f"对账不平：{_summary(result)}")
    return result


def append_loadlog(db: Path | str | None, result: LoadResult, profile: str) -> None:
    """One JSON line per rejected load beside the warehouse (the warehouse itself does not change)."""
    log = db_path(db).with_name(db_path(db).name + ".loadlog.jsonl")
    log.parent.mkdir(parents=True, exist_ok=True)
    entry = {"at": now_cst().isoformat(timespec="seconds"), "profile": profile, **result.to_json()}
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")


def _rejected(
    db: Path | str | None, label: str, kind: str | None, profile: str, error: LoadRejected, read: int = 0
) -> LoadResult:
    result = LoadResult(label, kind, read=read, rejected=True, message=f"拒绝导入：{error.message}")
    append_loadlog(db, result, profile)
    return result


def import_file(
    path: Path | str,
    kind: str | None = None,
    profile: str | Path = "canonical",
    db: Path | str | None = None,
    progress: Progress = None,
    original_name: str | None = None,
    sheet: str | None = None,
) -> LoadResult:
    """Load one export file. A rejected file changes nothing; its result has rejected=True and a message."""
    label = original_name or str(path)
    name = Path(label).name
    read = 0
    try:
        prof = load_profile(profile)
        prepared, table = prepare_file(path, kind, prof, name, progress, sheet)
        read = prepared.read
        return _land(prepared, db, label, table.file_hash, progress)
    except LoadRejected as error:
        return _rejected(db, label, kind, str(profile), error, read)


def load_frame(
    frame: pl.DataFrame,
    kind: str,
    db: Path | str | None = None,
    file_name: str = "",
    profile: str = "demo",
    source_system: str = "default",
    progress: Progress = None,
    rebuild: bool = True,
) -> LoadResult:
    """Load a frame of canonical columns (English names; clear complainant_id/name/phone are hashed and masked).

    rebuild=False skips the marts rebuild and its checks: only for a bulk load whose last slice rebuilds.
    """
    label = file_name or f"<{profile}>"
    try:
        prepared = prepare_frame(frame, kind, _frame_profile(profile, source_system), progress)
        return _land(prepared, db, label, None, progress, rebuild=rebuild)
    except LoadRejected as error:
        return _rejected(db, label, kind, profile, error, frame.height)


def _masked_for_display(frame: pl.DataFrame) -> pl.DataFrame:
    if "complainant_id" not in frame.columns:
        return frame
    ids = frame["complainant_id"].cast(pl.String)
    return frame.with_columns(
        pl.when(ids.is_null()).then(None).otherwise("****" + ids.str.slice(-4, 4)).alias("complainant_id"),
        privacy.mask_names(frame["complainant_name"]).alias("complainant_name"),
        privacy.mask_phones(frame["phone"]).alias("phone"),
    )


def preview_file(
    path: Path | str,
    kind: str | None = None,
    profile: str | Path = "canonical",
    rows: int = 20,
    original_name: str | None = None,
    sheet: str | None = None,
) -> Preview:
    """How a file would load: format, encoding, header mapping, first rows, rows that would be quarantined."""
    label = original_name or str(path)
    name = Path(label).name
    preview = Preview(label, kind, str(profile))
    try:
        prof = load_profile(profile)
        table = read_table(path, prof.known_header_keys(), sheet or prof.sheet, name)
        preview.format, preview.encoding, preview.separator = table.format, table.encoding, table.separator
        preview.skipped_lines, preview.footer_lines = table.skipped_lines, table.footer_lines
        preview.sheet, preview.sheets = table.sheet, table.sheets
        preview.read = table.frame.height + len(table.malformed)
        sample = table.frame.head(rows)
        preview.sample = sample.rename({SOURCE_ROW: "行号"}).select("行号", *table.columns)
        kind_found, typed, sources, unmapped = _typed_rows(table, prof, kind, name, None)
        preview.kind, preview.mapping, preview.unmapped = kind_found, sources, unmapped
        prepared = _with_malformed(_prepare(kind_found, prof, typed, sources, None), table)
        preview.quarantined, preview.quarantine_rows = prepared.quarantined, prepared.violations
        preview.malformed, preview.warnings = prepared.malformed, [w["details"] for w in prepared.warnings]
        shown = typed.head(rows).select(SOURCE_ROW, *(f.name for f in fields_of(kind_found)))
        shown = _masked_for_display(shown)
        preview.normalised = shown.rename({SOURCE_ROW: "行号", **{f.name: f.zh for f in fields_of(kind_found)}})
    except LoadRejected as error:
        preview.message = error.message
    return preview
