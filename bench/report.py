"""The results table: printed, and written as JSON and markdown under bench/results/."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VARIANTS = ("ours", "reference", "floor", "cluster")
HEADERS = {
    "ours": "this project",
    "reference": "reference design",
    "floor": "no durability",
    "cluster": "this project, 3 nodes",
}

Results = dict[str, dict[str, dict[str, Any]]]  # scenario -> variant -> figures


@dataclass(frozen=True)
class Row:
    """One line of the table: a figure of a scenario, and the target for our variant, if any."""

    label: str
    scenario: str
    key: str
    fmt: str
    target: str = ""
    # (ours, reference) -> met?
    check: Callable[[float, float | None], bool] | None = None


ROWS = (
    Row(
        "single session: turn p50 (ms)",
        "single",
        "p50_ms",
        "{:.1f}",
        "<= 0.6x reference",
        lambda o, r: r is not None and o <= 0.6 * r,
    ),
    Row(
        "single session: turn p99 (ms)",
        "single",
        "p99_ms",
        "{:.1f}",
        "<= 30 ms",
        lambda o, r: o <= 30,
    ),
    Row(
        "32 sessions: turns/s",
        "throughput",
        "turns_per_s",
        "{:.1f}",
        ">= 2x reference",
        lambda o, r: r is not None and o >= 2 * r,
    ),
    Row(
        "32 sessions: restate-server CPU ms/turn", "throughput", "cpu_restate_ms_per_turn", "{:.2f}"
    ),
    Row("32 sessions: services CPU ms/turn", "throughput", "cpu_services_ms_per_turn", "{:.2f}"),
    Row("  of which the agent process", "throughput", "cpu_agent_ms_per_turn", "{:.2f}"),
    Row("32 sessions: load generator CPU ms/turn", "throughput", "cpu_bench_ms_per_turn", "{:.2f}"),
    Row("long conversation: turns 1-10 median (ms)", "long", "first10_ms", "{:.1f}"),
    Row("long conversation: last 10 turns median (ms)", "long", "last10_ms", "{:.1f}"),
    Row(
        "long conversation: last 10 / first 10",
        "long",
        "ratio",
        "{:.2f}x",
        "<= 1.3x",
        lambda o, r: o <= 1.3,
    ),
    Row(
        "200 sessions, LLM 0.5 s: turn p50 (s)",
        "concurrent",
        "p50_s",
        "{:.2f}",
        "<= 1.2 s",
        lambda o, r: o <= 1.2,
    ),
    Row(
        "200 sessions, LLM 0.5 s: turn p99 (s)",
        "concurrent",
        "p99_s",
        "{:.2f}",
        "<= 2 s",
        lambda o, r: o <= 2,
    ),
    Row(
        "recovery after restart: median (s)",
        "recovery",
        "median_s",
        "{:.2f}",
        "< 1 s",
        lambda o, r: o < 1,
    ),
    Row("recovery after restart: max (s)", "recovery", "max_s", "{:.2f}"),
    Row("agent process restart (s)", "recovery", "restart_s", "{:.2f}"),
    Row(
        "node SIGKILLed: first new turn answered (s)", "failover", "first_answer_s_median", "{:.2f}"
    ),
    Row(
        "node SIGKILLed: every session answered again, median (s)",
        "failover",
        "all_answering_s_median",
        "{:.2f}",
    ),
    Row("  max (s)", "failover", "all_answering_s_max", "{:.2f}"),
    Row("6 sessions, all nodes up: turn p50 (ms)", "failover", "before_p50_ms", "{:.1f}"),
    Row("6 sessions, one node down: turn p50 (ms)", "failover", "down_p50_ms", "{:.1f}"),
    Row("6 sessions, one node down: turn p99 (ms)", "failover", "down_p99_ms", "{:.1f}"),
    Row("6 sessions, one node down: turns/s", "failover", "down_turns_per_s", "{:.1f}"),
    Row("node restarted: cluster whole again (s)", "failover", "rejoin_s_median", "{:.2f}"),
)


def _value(results: Results, row: Row, variant: str) -> float | None:
    value = results.get(row.scenario, {}).get(variant, {}).get(row.key)
    return value if isinstance(value, int | float) else None


def table(results: Results, baseline: str | None = None) -> list[list[str]]:
    """Header plus one line per row that has at least one figure; with a baseline (the commit
    whose code ran as the "baseline" variant), its column last but one."""
    variants = [*VARIANTS, "baseline"] if baseline else list(VARIANTS)
    headers = {**HEADERS, "baseline": f"this project at {baseline}"}
    lines = [["", *(headers[v] for v in variants), "target (this project)"]]
    for row in ROWS:
        values = [_value(results, row, v) for v in variants]
        if all(v is None for v in values):
            continue
        cells = [row.fmt.format(v) if v is not None else "-" for v in values]
        verdict = ""
        if row.check is not None and values[0] is not None:
            verdict = "met" if row.check(values[0], values[1]) else "NOT met"
        lines.append([row.label, *cells, f"{row.target} {verdict}".strip()])
    return lines


def markdown(lines: list[list[str]]) -> str:
    """A markdown table."""
    out = ["| " + " | ".join(lines[0]) + " |", "|" + "---|" * len(lines[0])]
    out += ["| " + " | ".join(line) + " |" for line in lines[1:]]
    return "\n".join(out)


def plain(lines: list[list[str]]) -> str:
    """Aligned columns for the terminal."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    )


def write(directory: Path, stem: str, results: Results, meta: dict[str, Any]) -> list[Path]:
    """<stem>.json (every figure and the run's metadata) and <stem>.md (the table and notes)."""
    directory.mkdir(parents=True, exist_ok=True)
    lines = table(results, meta.get("baseline"))
    json_path, md_path = directory / f"{stem}.json", directory / f"{stem}.md"
    json_path.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    notes = "\n".join(f"- {key}: {value}" for key, value in meta.items())
    md_path.write_text(f"# Benchmark results\n\n{markdown(lines)}\n\n## Run\n\n{notes}\n")
    return [json_path, md_path]
