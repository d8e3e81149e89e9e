"""Turning results into the printed table, the docs/benchmarks.md section and the bar chart.

The section is rendered from the saved JSON (bench/load/results/latest.json and memory.json),
so ``make bench-load`` and ``make bench-memory`` each refresh it with the other's last figures.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

__all__ = ["LATEST", "MEMORY", "ratios", "render_section", "summarize", "text_report", "write_docs"]

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).resolve().parent / "results"
LATEST = RESULTS / "latest.json"
MEMORY = RESULTS / "memory.json"
DOC = ROOT / "docs" / "benchmarks.md"
PNG = ROOT / "docs" / "img" / "bench-load.png"
START, END = "<!-- bench-load:start -->", "<!-- bench-load:end -->"

# (label, numerator server, denominator server or "peer", metric, target, higher is better)
RATIOS = (
    ("fastcore / floor", "fastcore", "floor", "rps", 0.85, True),
    ("fastcore / FastAPI", "fastcore", "fastapi", "rps", 6.0, True),
    ("fastcore / best peer", "fastcore", "peer", "rps", 2.0, True),
    ("fastcore-pure / floor", "fastcore-pure", "floor", "rps", 0.65, True),
    ("p99 fastcore / floor", "fastcore", "floor", "p99_ms", 2.0, False),
)


#: Each fastcore app's target share of the floor's requests/s on every endpoint (issue 11).
APP_TARGETS = {
    "fastcore": 0.85,
    "fastcore-pure": 0.65,
    "fastcore-annotated": 0.85,
    "fastcore-annotated-pure": 0.65,
    "fastcore-tutorial": 0.75,
    "fastcore-def": 0.40,
    "fastcore-def-inline": 0.75,
    "fastcore-fastapi-app": 0.60,
}
#: p99 at most this many times the floor's; one worker's peak RSS at most this.
P99_TARGET, RSS_TARGET_MIB = 2.0, 32.0


def summarize(raw: dict) -> dict:
    """{server: {endpoint: {"rps", "p99_ms"} medians over rounds}} from the raw rounds."""
    out: dict = {}
    for server, per_endpoint in raw["runs"].items():
        for endpoint, rounds in per_endpoint.items():
            if rounds:
                out.setdefault(server, {})[endpoint] = {
                    "rps": statistics.median(r["rps"] for r in rounds),
                    "p99_ms": statistics.median(r["p99_ms"] for r in rounds),
                    "errors": sum(r["errors"] for r in rounds),
                }
    return out


def _best_peer(medians: dict, endpoint: str, peers: list[str]) -> str | None:
    found = [p for p in peers if endpoint in medians.get(p, {})]
    return max(found, key=lambda p: medians[p][endpoint]["rps"], default=None)


def ratios(medians: dict, endpoints: list[str], peers: list[str]) -> list[dict]:
    """One row per endpoint: each ratio with whether it meets its target (None if unmeasured)."""
    rows = []
    for endpoint in endpoints:
        row = {"endpoint": endpoint, "best_peer": _best_peer(medians, endpoint, peers)}
        for label, num, den, metric, target, higher in RATIOS:
            den = row["best_peer"] if den == "peer" else den
            try:
                value = medians[num][endpoint][metric] / medians[den][endpoint][metric]
            except (KeyError, TypeError, ZeroDivisionError):
                row[label] = None
                continue
            row[label] = (value, value >= target if higher else value <= target)
        rows.append(row)
    return rows


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _cell(medians: dict, server: str, endpoint: str, metric: str) -> str:
    entry = medians.get(server, {}).get(endpoint)
    if entry is None:
        return "n/a"
    mark = " (!)" if entry["errors"] else ""
    return (f"{entry['rps']:,.0f}" if metric == "rps" else f"{entry['p99_ms']:.2f}") + mark


def _ratio_cell(value: tuple[float, bool] | None) -> str:
    if value is None:
        return "n/a"
    return f"{value[0]:.3g} {'ok' if value[1] else 'MISS'}"


def tables(raw: dict) -> list[str]:
    """The req/s, p99 and ratio tables in markdown (also readable as plain text)."""
    medians = summarize(raw)
    servers, endpoints = raw["servers"], raw["endpoints"]
    lines = ["Requests per second (median of rounds; higher is better):", ""]
    rows = [[e] + [_cell(medians, s, e, "rps") for s in servers] for e in endpoints]
    lines += _table(["endpoint", *servers], rows)
    lines += ["", "p99 latency in ms (median of rounds; lower is better):", ""]
    rows = [[e] + [_cell(medians, s, e, "p99") for s in servers] for e in endpoints]
    lines += _table(["endpoint", *servers], rows)
    targets = [
        f"{label} ({'>=' if higher else '<='} {target:g})"
        for label, _, _, _, target, higher in RATIOS
    ]
    crowded = [
        f"{server} {endpoint} ({round_['cpu_share']:.0%})"
        for server, per_endpoint in raw["runs"].items()
        for endpoint, rounds in per_endpoint.items()
        for round_ in rounds
        if round_.get("cpu_share", 1.0) < raw.get("min_cpu_share", 0.0)
    ]
    if crowded:
        lines += [
            "",
            f"Crowded out: {len(crowded)} measurement(s) where the server got less than "
            f"{raw['min_cpu_share']:.0%} of its core even after retries (other processes on "
            "the machine; those figures are low): " + ", ".join(crowded) + ".",
        ]
    lines += ["", *app_tables(raw, medians)]
    lines += ["", "Ratios against the targets:", ""]
    rows = [
        [r["endpoint"], *(_ratio_cell(r[label]) for label, *_ in RATIOS), r["best_peer"] or "n/a"]
        for r in ratios(medians, endpoints, raw["peers"])
    ]
    lines += _table(["endpoint", *targets, "best peer"], rows)
    return lines


def _per_cpu(raw: dict, server: str, endpoint: str) -> float | None:
    """Median over rounds of requests per second of the server's own CPU time."""
    rounds = raw["runs"].get(server, {}).get(endpoint) or []
    figures = [r["rps"] / r["cpu_share"] for r in rounds if r.get("cpu_share")]
    return statistics.median(figures) if figures else None


def app_tables(raw: dict, medians: dict) -> list[str]:
    """Each fastcore app against the floor: req/s ratio per endpoint, p99s, peak RSS."""
    apps = [s for s in raw["servers"] if s.startswith("fastcore") and s in medians]
    floor = medians.get("floor")
    if not apps or floor is None:
        return []
    endpoints, peaks = raw["endpoints"], raw.get("peak_rss_mib", {})
    rows = []
    for app in apps:
        target = APP_TARGETS.get(app)
        cells = []
        for e in endpoints:
            got, base = medians[app].get(e), floor.get(e)
            if got is None or base is None:
                cells.append("n/a")
                continue
            ratio = got["rps"] / base["rps"]
            mark = "" if target is None else (" ok" if ratio >= target else " MISS")
            cells.append(f"{ratio:.2f}{mark}")
        peak = peaks.get(app)
        rss = (
            "n/a"
            if peak is None
            else f"{peak:.1f}" + (" ok" if peak <= RSS_TARGET_MIB else " MISS")
        )
        rows.append([app, "n/a" if target is None else f"{target:g}", *cells, rss])
    cpu_rows = []
    for app in apps:
        cells = []
        for e in endpoints:
            got, base = _per_cpu(raw, app, e), _per_cpu(raw, "floor", e)
            cells.append("n/a" if got is None or base is None else f"{got / base:.2f}")
        cpu_rows.append([app, *cells])
    p99_rows = []
    for app in ["floor", *apps]:
        cells = []
        for e in endpoints:
            got, base = medians[app].get(e), floor.get(e)
            if got is None:
                cells.append("n/a")
            elif app == "floor" or base is None:
                cells.append(f"{got['p99_ms']:.2f}")
            else:
                ok = got["p99_ms"] <= P99_TARGET * base["p99_ms"]
                cells.append(f"{got['p99_ms']:.2f} {'ok' if ok else 'MISS'}")
        p99_rows.append([app, *cells])
    return [
        "Each fastcore app's requests/s as a share of the floor's (same run), against its"
        " target; one worker's peak RSS (VmHWM, MiB, highest over rounds) against"
        f" {RSS_TARGET_MIB:g} MiB:",
        "",
        *_table(["app", "target", *endpoints, "peak RSS"], rows),
        "",
        "The same share per CPU-second the server got (requests / server CPU seconds, median"
        " of rounds, against the floor's): on a shared machine where a server got less than"
        " its whole core, this says more about the server than its requests/s:",
        "",
        *_table(["app", *endpoints], cpu_rows),
        "",
        f"p99 in ms beside the floor's (target: at most {P99_TARGET:g}x the floor's):",
        "",
        *_table(["server", *endpoints], p99_rows),
    ]


def _memory_lines(memory: dict) -> list[str]:
    peak_ok = memory["peak_mib"] <= memory["target_peak_mib"]
    growth_ok = memory["growth_mib"] < memory["target_growth_mib"]
    rows = [
        ["RSS idle, after start-up", f"{memory['rss_start_mib']:.1f} MiB", ""],
        [f"RSS after {memory['per_phase']:,} requests", f"{memory['rss_1_mib']:.1f} MiB", ""],
        [
            f"RSS after {2 * memory['per_phase']:,} requests",
            f"{memory['rss_2_mib']:.1f} MiB",
            "",
        ],
        [
            "growth, second half",
            f"{memory['growth_mib']:+.2f} MiB",
            f"< {memory['target_growth_mib']:g} MiB: {'PASS' if growth_ok else 'FAIL'}",
        ],
        [
            "peak RSS (VmHWM)",
            f"{memory['peak_mib']:.1f} MiB",
            f"<= {memory['target_peak_mib']:g} MiB: {'PASS' if peak_ok else 'FAIL'}",
        ],
    ]
    return [
        f"Memory (`make bench-memory`, {memory['date']}, server: {memory['server']}): one "
        f"compiled fastcore worker, {memory['per_phase']:,} requests then {memory['per_phase']:,}"
        " more, the five endpoints in turn over 64 keep-alive connections.",
        "",
        *_table(["measure", "value", "target"], rows),
    ]


def render_section(raw: dict | None, memory: dict | None) -> str:
    lines = [START, "## Load: `make bench-load`", ""]
    if raw is not None:
        raw.setdefault("loadavg", [float("nan")])
        lines += [
            f"Run of {raw['date']} on {raw['machine']}, Python {raw['python']} (1-minute load "
            f"average {raw['loadavg'][0]:.2f} before, {raw['loadavg'][-1]:.2f} after: the machine "
            "is shared, compare within a run, not across runs). Each server is "
            "one process pinned to core 0; wrk runs on core 1: "
            f"`{raw['wrk']}` (keep-alive, no pipelining). {raw['rounds']} interleaved rounds of "
            f"{raw['duration']:g} s per server and endpoint after {raw['warmup']:g} s of "
            "unmeasured warm-up per endpoint; medians reported. fastcore served by "
            f"{raw['fastcore_server']}.",
            "",
            "![requests per second per endpoint and server](img/bench-load.png)",
            "",
            *tables(raw),
            "",
            "Servers:",
            "",
            *(f"- `{name}`: {about}" for name, about in raw["about"].items()),
            "",
        ]
        if raw.get("smoke_failures"):
            lines += ["Smoke check failures (those endpoints were not measured):", ""]
            for server, problems in raw["smoke_failures"].items():
                lines += [f"- `{server}` {e}: {p}" for e, p in problems.items()]
            lines.append("")
    if memory is not None:
        lines += [*_memory_lines(memory), ""]
    lines += ["How it is measured: `bench/load/README.md`.", END]
    return "\n".join(lines) + "\n"


def _load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def write_docs() -> None:
    """Replace the section between the markers (or append it) and redraw the chart."""
    raw, memory = _load(LATEST), _load(MEMORY)
    section = render_section(raw, memory)
    text = DOC.read_text()
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        text = before + section + (("\n" + after) if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOC.write_text(text)
    if raw is not None:
        chart(raw, PNG)


def text_report(raw: dict) -> str:
    return "\n".join(tables(raw))


def chart(raw: dict, path: Path) -> None:
    """Grouped bars: req/s per endpoint, one bar per server."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    medians = summarize(raw)
    servers, endpoints = raw["servers"], raw["endpoints"]
    width = 0.8 / len(servers)
    fig, ax = plt.subplots(figsize=(11, 5), dpi=110)
    for i, server in enumerate(servers):
        xs = [j + (i - (len(servers) - 1) / 2) * width for j in range(len(endpoints))]
        ys = [medians.get(server, {}).get(e, {}).get("rps", 0) / 1000 for e in endpoints]
        ax.bar(xs, ys, width, label=server)
    ax.set_xticks(range(len(endpoints)), endpoints)
    ax.set_ylabel("thousand requests / s (median)")
    ax.set_title(f"wrk -t1 -c64, one worker on one core; {raw['date']}")
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.legend(ncol=4, fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
