"""The nginx configuration rendered for N replicas (dashboard/app/replicas.py; the browser test runs it)."""

from __future__ import annotations

import re
from pathlib import Path

from dashboard.app.replicas import Replica, render_config


def test_every_replica_is_an_upstream_with_passive_health_and_a_name(tmp_path: Path) -> None:
    replicas = [Replica(f"r{i + 1}", 8601 + i) for i in range(3)]
    text = render_config(replicas, "0.0.0.0:8600", tmp_path)
    assert not re.search(r"@[A-Z_]+@", text)  # every field filled
    for replica in replicas:
        assert f"server 127.0.0.1:{replica.port} max_fails=1 fail_timeout=10s;" in text
        assert f'"~(^|, )127\\.0\\.0\\.1:{replica.port}$" "{replica.name}";' in text
    assert "listen 0.0.0.0:8600;" in text
    assert "hash $cockpit_route consistent;" in text  # sticky by cookie, not by client address
    directives = "\n".join(line.split("#")[0] for line in text.splitlines())
    assert "ip_hash" not in directives and "hash $remote_addr" not in directives
    assert "proxy_set_header Upgrade $http_upgrade;" in text and "proxy_read_timeout 1d;" in text
    # Everything nginx writes stays in the run directory.
    for line in text.splitlines():
        if line.strip().startswith(("pid ", "error_log ", "access_log ")) or "_temp_path " in line:
            assert str(tmp_path.resolve()) in line, line
    assert "http://" not in directives.replace("proxy_pass http://cockpit_replicas", "")  # no outside address
