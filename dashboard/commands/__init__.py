"""Subcommands of `python -m dashboard`: one module each, with add_parser(sub) and run(args)."""
