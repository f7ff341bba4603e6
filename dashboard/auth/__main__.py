"""`python -m dashboard.auth hash`: a bcrypt hash for the users file (the password is read without echo).
`python -m dashboard.auth demo-admin`: the demo mode's local admin, its password printed once."""

from __future__ import annotations

import argparse
import getpass
import sys

from dashboard.auth import mode
from dashboard.auth.users import hash_password


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.auth", description="驾驶舱用户管理")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("hash", help="生成密码的 bcrypt 哈希，写入用户文件的 password_hash")
    sub.add_parser("demo-admin", help="演示模式：没有演示用户文件时创建本机管理员，并显示一次密码")
    args = parser.parse_args(argv)
    if args.command == "demo-admin":
        path = mode.demo_users_file()
        if mode.ensure_demo_admin(path) is None:
            print(f"演示用户文件已存在：{path}（删除后重新运行可生成新密码）", file=sys.stderr)
        return 0
    password = getpass.getpass("密码：") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    try:
        print(hash_password(password))
    except ValueError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
