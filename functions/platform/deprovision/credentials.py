#!/usr/bin/env python3
"""Step 2 of the Job that drops a deleted tenant's data (deprovision.go),
in the Python image: turns the admin secrets fetch.sh read into what
mysql.sh and mongodb.js read. Standard library only. The same parsing as
the tenant's provision.py plan.

Secret values are only ever written to files of the memory-backed work
volume (DEPROVISION_WORK, /work by default); messages name secrets, never
values.
"""

import json
import os
import sys

WORK = os.environ.get("DEPROVISION_WORK", "/work")


class Failure(Exception):
    pass


def log(message):
    print("deprovision/credentials: %s" % message, file=sys.stderr)


def write(name, content):
    """Writes a file readable by this uid only."""
    name = os.path.join(WORK, name)
    os.makedirs(os.path.dirname(name), mode=0o700, exist_ok=True)
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(content)


def credentials(name, what):
    try:
        with open(os.path.join(WORK, "in", name), encoding="utf-8") as f:
            value = json.load(f)
    except FileNotFoundError:
        raise Failure("%s was not fetched" % what) from None
    except ValueError:
        raise Failure("%s is not a SecretString" % what) from None
    try:
        d = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        d = None
    if not isinstance(d, dict):
        raise Failure("%s is not a JSON object" % what)
    user, password = d.get("username"), d.get("password")
    if not isinstance(user, str) or not user or not isinstance(password, str) or not password:
        raise Failure("%s has no username and password" % what)
    return user, password


def option_value(value):
    """A value for a MySQL option file: double-quoted, with the option
    file's escape character doubled and double quotes escaped. An
    unescaped quote would end the value there, and a '#' after it start a
    comment (mysys remove_end_comment, in MySQL and MariaDB alike). The
    file is line-based."""
    if "\n" in value or "\r" in value:
        raise Failure("a MySQL admin credential holds a line break")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    try:
        user, password = credentials("mysql-admin.json", "the Aurora admin secret")
        write("mysql/admin.cnf", "[client]\nuser=%s\npassword=%s\n" % (option_value(user), option_value(password)))
        user, password = credentials("mongodb-admin.json", "the MongoDB admin secret")
        write("mongodb/admin.json", json.dumps({"username": user, "password": password}))
    except Failure as e:
        log("ERROR: %s" % e)
        return 1
    log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
