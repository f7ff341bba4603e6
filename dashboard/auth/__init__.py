"""Who may open what: login, roles, region binding and the audit log (issue 8, docs/design.md "Access").

users.py   users and roles from a YAML file with bcrypt hashes
access.py  role -> pages, bound provinces -> forced filters (pure functions)
mode.py    demo / production mode, the demo admin, OIDC configuration
audit.py   the append-only audit log beside the warehouse
session.py the signed-in user of this browser session (expiry, login, logout)
gate.py    what the router and every page call: login page, refusal, banner
"""
