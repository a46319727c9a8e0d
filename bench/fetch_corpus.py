"""Download real packuments for the enrichment benchmark's ``--corpus``.

    python bench/fetch_corpus.py DIR [--count 300] [--registry https://registry.npmjs.org]

Fetches the full packuments of the ``--count`` most-depended-on npm names (the
bundled ``depview/data/popular-npm.txt``) into ``DIR/npm/<name>.json``, as the
registry serves them, byte for byte. ``bench_enrich.py --corpus DIR`` then
serves those documents instead of the replay corpus, so the cache-size ratio is
measured against what a registry really sends (the replay packuments were
trimmed when the replays were built: no readme, no per-version descriptions).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parent.parent


def popular(count: int) -> list[str]:
    lines = (ROOT / "depview" / "data" / "popular-npm.txt").read_text().splitlines()
    names = [line.split("\t")[0] for line in lines if line and not line.startswith("#")]
    return names[:count]


async def fetch(names: list[str], registry: str, target: Path) -> tuple[int, int]:
    sem = asyncio.Semaphore(8)
    total = 0
    ok = 0
    async with httpx.AsyncClient(http2=True, timeout=60) as client:

        async def one(name: str) -> None:
            nonlocal total, ok
            async with sem:
                url = f"{registry.rstrip('/')}/{quote(name, safe='@')}"
                response = await client.get(url, headers={"Accept": "application/json"})
            if response.status_code != 200:
                print(f"{name}: HTTP {response.status_code}", file=sys.stderr)
                return
            path = target / "npm" / f"{name}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(response.content)
            total += len(response.content)
            ok += 1

        await asyncio.gather(*(one(n) for n in names))
    return ok, total


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("directory", type=Path)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--registry", default="https://registry.npmjs.org")
    args = parser.parse_args()
    ok, total = asyncio.run(fetch(popular(args.count), args.registry, args.directory))
    print(f"{ok} packuments, {total / 1e6:.1f} MB in {args.directory}")


if __name__ == "__main__":
    main()
