"""`make bench` / `uv run python -m bench [--quick] [--scenarios a,b] [--variants a,b]`."""

import argparse
import asyncio
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from devstack import repo_root

from . import baseline, report
from .profile import Profiler, summary
from .scenarios import (
    BASELINE_SCENARIOS,
    CLUSTER_SCENARIOS,
    FULL,
    LATENCY_MS,
    QUICK,
    SCENARIOS,
    Sizes,
)
from .stacks import SERVER_ENV
from .variants import Durable, InProcess

logger = logging.getLogger("bench")

MODEL_NOTE = (
    "offline scripted model (airline_agent.offline.OfflineModel) in every variant; the "
    "reference design gets it through a bench-only patch of MultiProvider.get_model, so "
    "DurableRunner's own DurableModelCalls/RestateModelWrapper journal each call"
)


def _csv(value: str | None, allowed: Sequence[str]) -> list[str]:
    if not value:
        return list(allowed)
    chosen = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in allowed]
    if unknown:
        raise SystemExit(f"unknown {unknown}; choose from {', '.join(allowed)}")
    return chosen


def _machine() -> dict[str, Any]:
    model = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "commit": commit,
    }


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def _run(
    scenarios: list[str],
    variants: list[str],
    sizes: Sizes,
    root: Path,
    profile_dir: Path | None = None,
    env: dict[str, str] | None = None,
    code: str | None = None,
) -> report.Results:
    results: report.Results = {name: {} for name in scenarios}
    # One stack per variant and model latency; the scenarios of that latency share it.
    groups: dict[int, list[str]] = {}
    for name in scenarios:
        groups.setdefault(LATENCY_MS[name], []).append(name)
    for latency, group in groups.items():
        for variant_name in variants:
            # The cluster compares deployments (one node against three), the baseline code
            # (CPU and latency per turn of an earlier commit): on their scenarios only.
            only = {"cluster": CLUSTER_SCENARIOS, "baseline": BASELINE_SCENARIOS}
            names = [name for name in group if name in only.get(variant_name, group)]
            for name in set(group) - set(names):
                results[name][variant_name] = {"skipped": f"not run for {variant_name}"}
            if not names:
                continue
            variant: Durable | InProcess = (
                InProcess(latency)
                if variant_name == "floor"
                else Durable(
                    variant_name, root / f"{variant_name}-{latency}ms", latency, env or {}, code
                )
            )
            async with variant:
                for name in names:
                    logger.info("%s / %s (load %s)", name, variant_name, _load())
                    started = time.monotonic()
                    profiler = None
                    if profile_dir is not None and isinstance(variant, Durable):
                        pid = variant.stack.service(variant.service).pid
                        raw = profile_dir / f"{name}-{variant_name}.raw"
                        profiler = Profiler(pid, raw) if pid else None
                    figures = await SCENARIOS[name](variant, sizes)
                    if profiler is not None:
                        profiler.stop()
                        text = summary(profiler.raw)
                        profiler.raw.with_suffix(".txt").write_text(text)
                    figures["wall_s"] = round(time.monotonic() - started, 1)
                    results[name][variant_name] = figures
                    logger.info("  %s", figures)
    return results


def main() -> None:
    """Run the chosen scenarios for the chosen variants; print and write the table."""
    parser = argparse.ArgumentParser(prog="bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for development")
    parser.add_argument(
        "--scenarios",
        default=os.environ.get("BENCH_SCENARIOS"),
        help=f"comma-separated subset of {','.join(SCENARIOS)} (env BENCH_SCENARIOS)",
    )
    parser.add_argument(
        "--variants",
        default=os.environ.get("BENCH_VARIANTS"),
        help=f"comma-separated subset of {','.join(report.VARIANTS)} (env BENCH_VARIANTS)",
    )
    parser.add_argument("--out", type=Path, default=repo_root() / "bench" / "results")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="py-spy each durable variant's agent process per scenario; summaries into DIR",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for every service of the durable variants (experiments)",
    )
    parser.add_argument(
        "--baseline",
        default=os.environ.get("BENCH_BASELINE") or None,
        metavar="REV",
        help="also run the code of commit REV (a temporary git worktree), side by side, on "
        f"{','.join(BASELINE_SCENARIOS)} (env BENCH_BASELINE; 'none': not)",
    )
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    for noisy in ("httpx", "devstack"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    scenarios = _csv(args.scenarios, list(SCENARIOS))
    variants = _csv(args.variants, list(report.VARIANTS))
    sizes = QUICK if args.quick else FULL
    meta: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "mode": "quick" if args.quick else "full",
        **_machine(),
        "load_before": _load(),
        "model": MODEL_NOTE,
        "sizes": str(sizes),
        "restate_server_env": SERVER_ENV,
        "service_env": env,
    }
    root = Path(tempfile.mkdtemp(prefix="bench-"))
    started = time.monotonic()
    with ExitStack() as cleanup:
        code = None
        if args.baseline and args.baseline != "none":
            commit, tree = cleanup.enter_context(baseline.checkout(args.baseline))
            code = baseline.pythonpath(tree)
            variants.append("baseline")
            meta["baseline"] = commit
        try:
            results = asyncio.run(_run(scenarios, variants, sizes, root, args.profile, env, code))
        except BaseException:
            logger.error("failed; the processes' logs are under %s", root)
            raise
    shutil.rmtree(root, ignore_errors=True)
    meta["load_after"] = _load()
    meta["duration_s"] = round(time.monotonic() - started, 1)
    stem = "quick" if args.quick else "latest"
    paths = report.write(args.out, stem, results, meta)
    print(report.plain(report.table(results, meta.get("baseline"))))
    print(
        f"\nmachine: {meta['cpus']} x {meta['cpu_model']}; load {meta['load_before']} -> "
        f"{meta['load_after']}; {meta['duration_s']} s; written: "
        + ", ".join(str(p) for p in paths)
    )


if __name__ == "__main__":
    main()
