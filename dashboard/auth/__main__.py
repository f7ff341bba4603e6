"""`python -m dashboard.auth hash [--user NAME]`: a bcrypt hash for the users file (password read without echo;
a password that fails the policy of settings.toml [auth] is refused with the reason).
`python -m dashboard.auth set-password NAME [--initial]`: set a user's password in the users file in force;
--initial marks it must_change (the user sets their own at first login).
`python -m dashboard.auth demo-admin`: the demo mode's local admin, its password printed once.
`python -m dashboard.auth verify-audit`: check the audit log's hash chain (exit 1 names the first broken row)."""

from __future__ import annotations

import argparse
import getpass
import sys

from dashboard.auth import audit, mode, policy
from dashboard.auth.users import UsersFileError, hash_password, store_password


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.auth", description="驾驶舱用户管理")
    sub = parser.add_subparsers(dest="command", required=True)
    hasher = sub.add_parser("hash", help="生成密码的 bcrypt 哈希，写入用户文件的 password_hash")
    hasher.add_argument("--user", default="", help="用户名（检查密码不含用户名）")
    setter = sub.add_parser("set-password", help="在用户文件中设置某用户的密码")
    setter.add_argument("user", help="用户名")
    setter.add_argument("--initial", action="store_true", help="管理员发放的初始密码：首次登录须修改")
    sub.add_parser("demo-admin", help="演示模式：没有演示用户文件时创建本机管理员，并显示一次密码")
    sub.add_parser("verify-audit", help="校验审计日志的哈希链，报告第一处被修改或删除的行")
    args = parser.parse_args(argv)
    if args.command == "verify-audit":
        return _verify_audit()
    if args.command == "demo-admin":
        path = mode.demo_users_file()
        if mode.ensure_demo_admin(path) is None:
            print(f"演示用户文件已存在：{path}（删除后重新运行可生成新密码）", file=sys.stderr)
        return 0
    username = args.user
    password = getpass.getpass("密码：") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    reason = policy.problem(password, username)
    if reason:
        print(f"错误：密码不符合要求：{reason}", file=sys.stderr)
        return 2
    try:
        hashed = hash_password(password)
    except ValueError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    if args.command == "hash":
        print(hashed)
        print("提示：管理员发放的初始密码请在用户文件中同时写 must_change: true。", file=sys.stderr)
        return 0
    path = mode.users_file()
    if path is None:
        print("错误：未配置用户文件（COCKPIT_USERS 或 settings.toml [auth] users_file）", file=sys.stderr)
        return 2
    try:
        store_password(path, username, hashed, must_change=args.initial)
    except UsersFileError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    audit.record(audit.Actor("（命令行）", "", "cli"), "password_changed",
                 detail={"username": username, "initial": args.initial})  # fmt: skip
    print(f"已设置 {username} 的密码{'（初始密码，首次登录须修改）' if args.initial else ''}：{path}")
    return 0


def _verify_audit() -> int:
    path = audit.audit_path()
    check = audit.verify(path)
    print(f"{path}：{check.message()}", file=sys.stdout if check.ok else sys.stderr)
    if check.ok:
        print(f"末行哈希（可另行保存，用于日后比对日志末尾）：{check.head}")
    return 0 if check.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
