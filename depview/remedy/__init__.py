"""Pinned-safe export: turn the risk engine's suggestions into a change package managers accept.

Layers (pure core, thin I/O shell):

- :mod:`depview.remedy.plan` (pure): which packages move to which version
  (:class:`~depview.remedy.model.Pin`), which dependencies of the new versions
  had to be resolved (:class:`~depview.remedy.model.Resolved`), which locked
  packages nothing needs any more (:class:`~depview.remedy.model.Removal`),
  and notes (no safe version, needs review, triaged away).
- :mod:`depview.remedy.writers`: one module per ``--format``, each
  ``write(plan, graph, lockfile, metadata) -> list[FileChange]``:
  ``package-lock`` (package-lock.json v2/v3 rewritten in place, every other
  entry byte-identical), ``npm-overrides``, ``yarn-resolutions``,
  ``pnpm-overrides`` (package.json blocks, edited as text so formatting and
  key order stay), ``constraints`` (``constraints.txt`` with ``==`` pins and
  ``--hash`` lines; the ``[tool.uv] constraint-dependencies`` snippet is a
  comment block in its header, so there is one file to review and write).
- :mod:`depview.remedy.api`: ``build_export`` / ``unified_diff`` /
  ``write_export`` for the CLI and the TUI. Output goes beside the original
  (``package-lock.depview.json``, ``package.depview.json``,
  ``constraints.depview.txt``) or to ``--output``; originals are overwritten
  only with ``--apply`` (the TUI: after confirmation); writes are atomic.
- :mod:`depview.remedy.relock`: ``--relock`` lets npm/pnpm/yarn/uv re-lock a
  temporary copy of the project and re-scans the result.
- :mod:`depview.remedy.cli`: ``run_export`` behind ``depview export``.

Triage: packages marked ``accepted`` or ``ignored`` (and not expired) are
left alone, like ``scan --fail-on`` leaves them out.
"""
