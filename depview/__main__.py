from depview.cli import main

raise SystemExit(main())
