from agent.cli.app import main

raise SystemExit(main())
