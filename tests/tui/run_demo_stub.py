"""``python -m tests.tui.run_demo_stub``: the demo app with precomputed verdicts (tmux test)."""

from __future__ import annotations

from depview.tui.app import make_app
from tests.tui.demo_fixture import LOCKFILE, SETTINGS, demo_analyzer, demo_graph


def main() -> int:
    app = make_app(demo_graph(), LOCKFILE, SETTINGS, analyzer=demo_analyzer(), demo=True)
    result = app.run()
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    raise SystemExit(main())
