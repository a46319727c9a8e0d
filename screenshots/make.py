"""Regenerate the README screenshots from the bundled demo.

    python screenshots/make.py [--stub] [--png]

Runs the app headless (App.run_test) on the axios demo and saves SVGs here:
main.svg, detail-axios.svg, help.svg, triage.svg, narrow-80x24.svg, wide.svg.
The real offline pipeline (depview.service.analyze on the demo snapshot) is used
when the risk engine is available; otherwise, or with --stub, the precomputed
verdicts of tests/tui/demo_fixture.py. With --png, each SVG is also converted
with the first converter found (rsvg-convert, cairosvg, ImageMagick); none: skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from textual.pilot import Pilot  # noqa: E402

from depview.tui.app import DepviewApp, make_app  # noqa: E402
from tests.tui.demo_fixture import (  # noqa: E402
    LOCKFILE,
    SETTINGS,
    demo_analyzer,
    demo_graph,
    real_pipeline_available,
)

Steps = Callable[[Pilot[Any]], Awaitable[None]]


async def _nothing(pilot: Pilot[Any]) -> None:
    await pilot.pause()


async def _expand(pilot: Pilot[Any]) -> None:
    await pilot.press("right")


async def _detail(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, DepviewApp)
    app.main_screen.go_to(app.session.graph.packages[_axios(app)].id)
    await pilot.pause()
    await pilot.press("enter")


async def _help(pilot: Pilot[Any]) -> None:
    await pilot.press("question_mark")


async def _triage(pilot: Pilot[Any]) -> None:
    await pilot.press("t")


async def _next(pilot: Pilot[Any]) -> None:
    await pilot.press("n")


def _axios(app: DepviewApp) -> Any:
    return next(pid for pid in app.session.graph.packages if pid.name == "axios")


SHOTS: list[tuple[str, tuple[int, int], Steps]] = [
    ("main", (120, 36), _expand),
    ("detail-axios", (120, 60), _detail),
    ("help", (110, 50), _help),
    ("triage", (100, 30), _triage),
    ("narrow-80x24", (80, 24), _next),
    ("wide", (180, 40), _expand),
]


def build(stub: bool, state: Path) -> DepviewApp:
    analyzer = demo_analyzer() if stub else None
    return make_app(
        demo_graph(),
        LOCKFILE,
        SETTINGS,
        analyzer=analyzer,
        demo=True,
        triage_file=state / ".depview-triage.toml",
    )


async def shoot(name: str, size: tuple[int, int], steps: Steps, stub: bool, state: Path) -> Path:
    app = build(stub, state)
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await steps(pilot)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        return Path(app.save_screenshot(f"{name}.svg", str(HERE)))


def to_png(svg: Path) -> Path | None:
    png = svg.with_suffix(".png")
    if shutil.which("rsvg-convert"):
        subprocess.run(["rsvg-convert", "-o", str(png), str(svg)], check=True)
        return png
    try:
        import cairosvg  # type: ignore[import-not-found]
    except ImportError:
        cairosvg = None
    if cairosvg is not None:
        cairosvg.svg2png(url=str(svg), write_to=str(png))
        return png
    magick = shutil.which("magick") or shutil.which("convert")
    if magick:
        done = subprocess.run([magick, str(svg), str(png)], capture_output=True, check=False)
        if done.returncode == 0 and png.is_file() and png.stat().st_size > 0:
            return png
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stub", action="store_true", help="use the precomputed demo verdicts")
    parser.add_argument(
        "--png", action="store_true", help="also write PNGs when a converter exists"
    )
    args = parser.parse_args(argv)
    stub = args.stub or not real_pipeline_available()
    print(f"verdicts: {'precomputed (stub)' if stub else 'real offline pipeline'}")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DEPVIEW_DEMO_STATE_DIR"] = tmp
        for name, size, steps in SHOTS:
            path = asyncio.run(shoot(name, size, steps, stub, Path(tmp)))
            line = f"{path.relative_to(ROOT)}  {size[0]}x{size[1]}"
            if args.png:
                png = to_png(path)
                line += f"  {png.relative_to(ROOT) if png else '(no PNG converter; skipped)'}"
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
