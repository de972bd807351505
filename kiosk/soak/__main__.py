from kiosk.soak.cli import main

raise SystemExit(main())
