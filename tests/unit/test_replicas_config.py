"""The nginx configuration rendered for N replicas (dashboard/app/replicas.py; the browser test runs it)."""

from __future__ import annotations

import re
from pathlib import Path

from dashboard.app.replicas import Replica, render_config


def test_every_replica_has_its_sticky_upstream_with_the_others_as_backups(tmp_path: Path) -> None:
    replicas = [Replica(f"r{i + 1}", 8601 + i) for i in range(3)]
    text = render_config(replicas, "0.0.0.0:8600", tmp_path)
    assert not re.search(r"@[A-Z_]+@", text)  # every field filled
    directives = "\n".join(line.split("#")[0] for line in text.splitlines())
    upstreams = dict(re.findall(r"upstream (\w+) \{(.*?)\}", directives, re.S))
    assert set(upstreams) == {"cockpit_all", "cockpit_r1", "cockpit_r2", "cockpit_r3"}
    servers = re.findall(r"server 127\.0\.0\.1:(\d+) max_fails=1 fail_timeout=10s( backup)?;", upstreams["cockpit_all"])
    assert servers == [("8601", ""), ("8602", ""), ("8603", "")]
    servers = re.findall(r"server 127\.0\.0\.1:(\d+) max_fails=1 fail_timeout=10s( backup)?;", upstreams["cockpit_r2"])
    assert servers == [("8602", ""), ("8603", " backup"), ("8601", " backup")]
    for replica in replicas:
        assert f"        {replica.name} cockpit_{replica.name};" in directives  # cookie value -> its upstream
        assert f'"~(^|, )127\\.0\\.0\\.1:{replica.port}$" "{replica.name}";' in directives  # answered -> name
    assert "listen 0.0.0.0:8600;" in directives
    assert "proxy_pass http://$cockpit_upstream;" in directives
    assert "ip_hash" not in directives and "hash $remote_addr" not in directives  # sticky by cookie, not address
    assert "proxy_set_header Upgrade $http_upgrade;" in directives and "proxy_read_timeout 1d;" in directives
    # Everything nginx writes stays in the run directory; nothing points outside the machine.
    for line in directives.splitlines():
        if line.strip().startswith(("pid ", "error_log ", "access_log ")) or "_temp_path " in line:
            assert str(tmp_path.resolve()) in line, line
    assert re.findall(r"https?://[^\s;]+", directives) == ["http://$cockpit_upstream"]
