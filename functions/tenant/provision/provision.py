#!/usr/bin/env python3
"""Steps of an Open edX instance's provisioning Job (provision.go) that
need a JSON parser, in the Python image. Standard library only.

  provision.py plan    after fetch.sh and keys.sh: picks the stored
                       password of each data store, or the new one
                       fetch.sh drew, and Tutor's generated values, stored
                       or new; writes what mysql.sh, mongodb.js and
                       smtp.sh read.
  provision.py render  after smtp.sh: derives the SES SMTP password of a
                       new access key and merges TUTOR_CONFIG with the
                       credentials into the instance's configuration.
  provision.py smtp-password REGION
                       prints the SES SMTP password of the secret access
                       key on standard input (for tests).

Secret values are only ever written to files of the memory-backed work
volume (PROVISION_WORK, /work by default); messages name keys, never
values.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import string
import sys
import uuid

WORK = os.environ.get("PROVISION_WORK", "/work")

# Tutor's keys of the credentials, filled here and nowhere else: the
# composed Job only carries the rest of the configuration (TUTOR_CONFIG).
# Keep in sync with tutorSecretKeys in provision.go (a test checks).
MYSQL_PASSWORD = "OPENEDX_MYSQL_PASSWORD"
MONGODB_PASSWORD = "MONGODB_PASSWORD"
REDIS_PASSWORD = "REDIS_PASSWORD"
SMTP_USERNAME = "SMTP_USERNAME"
SMTP_PASSWORD = "SMTP_PASSWORD"
# Tutor's generated values (tutor/templates/config/base.yml of Tutor v21;
# tutor-mfe and tutor-forum v21 generate none). `tutor config save` would
# draw new ones on every machine: plan draws them once, in Tutor's formats,
# and reads them back on every later run, so that every operator gets the
# same ID and keys from the instance's Secret.
ID = "ID"
OPENEDX_SECRET_KEY = "OPENEDX_SECRET_KEY"
CMS_OAUTH2_SECRET = "CMS_OAUTH2_SECRET"
JWT_RSA_PRIVATE_KEY = "JWT_RSA_PRIVATE_KEY"
MEILISEARCH_MASTER_KEY = "MEILISEARCH_MASTER_KEY"
MEILISEARCH_API_KEY_UID = "MEILISEARCH_API_KEY_UID"
MEILISEARCH_API_KEY = "MEILISEARCH_API_KEY"
GENERATED_KEYS = (ID, OPENEDX_SECRET_KEY, CMS_OAUTH2_SECRET, JWT_RSA_PRIVATE_KEY, MEILISEARCH_MASTER_KEY, MEILISEARCH_API_KEY_UID, MEILISEARCH_API_KEY)
SECRET_KEYS = (MYSQL_PASSWORD, MONGODB_PASSWORD, REDIS_PASSWORD, SMTP_USERNAME, SMTP_PASSWORD) + GENERATED_KEYS

# What fetch.sh draws: stored passwords that do not look like this were not
# generated here and are replaced.
GENERATED = re.compile(r"[A-Za-z0-9]{32,}")

# Tutor's formats: {{ 24|random_string }}, {{ 4|uuid }}, and
# {{ 2048|rsa_private_key }}, pycryptodome's PKCS#1 PEM without a final
# newline, which is what keys.sh has openssl draw.
RANDOM_STRING = re.compile(r"[A-Za-z0-9]{24}")
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
RSA_KEY = re.compile(r"-----BEGIN RSA PRIVATE KEY-----\n(?:[A-Za-z0-9+/=]{1,64}\n)+-----END RSA PRIVATE KEY-----")


class Failure(Exception):
    pass


def log(message):
    print("provision/%s: %s" % (sys.argv[1] if len(sys.argv) > 1 else "python", message), file=sys.stderr)


def path(*parts):
    return os.path.join(WORK, *parts)


def write(name, content):
    """Writes a file readable by this uid only."""
    os.makedirs(os.path.dirname(name), mode=0o700, exist_ok=True)
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(content)


def secret_string(name):
    """The value fetch.sh stored, a JSON-encoded SecretString; None if the
    file does not exist."""
    try:
        with open(path("in", name), encoding="utf-8") as f:
            value = json.load(f)
    except FileNotFoundError:
        return None
    if not isinstance(value, str):
        raise Failure("%s is not a SecretString" % name)
    return value


def json_secret(name, what):
    value = secret_string(name)
    if value is None:
        raise Failure("%s was not fetched" % what)
    try:
        d = json.loads(value)
    except ValueError:
        raise Failure("%s is not JSON" % what) from None
    if not isinstance(d, dict):
        raise Failure("%s is not a JSON object" % what)
    return d


def credentials(name, what):
    d = json_secret(name, what)
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


def redis_token():
    value = secret_string("redis-auth.json")
    if value is None:
        raise Failure("the cache's AUTH secret was not fetched")
    # The platform stores the bare token; accept a JSON object too.
    if value.startswith("{"):
        try:
            d = json.loads(value)
        except ValueError:
            d = None
        if isinstance(d, dict):
            value = d.get("password") or d.get("token") or ""
    if not value:
        raise Failure("the cache's AUTH secret is empty")
    return value


def stored():
    """The instance's stored configuration; empty on the first run."""
    if secret_string("current.json") is None:
        return {}
    return json_secret("current.json", "the instance's stored configuration")


def random_string(length):
    """tutor.utils.random_string: letters and digits from secrets."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def meilisearch_api_key(master_key, uid):
    """tutor.utils.uid_master_hash: the API key Meilisearch derives from
    its master key and the key's UID."""
    return hmac.new(master_key.encode(), uid.encode(), hashlib.sha256).hexdigest()


def drawn_rsa_key():
    try:
        with open(path("in", "jwt-rsa-private-key.new"), encoding="utf-8") as f:
            return f.read().strip()
    except FileNotFoundError:
        raise Failure("keys.sh drew no RSA key") from None


def tutor_generated(current):
    """Tutor's generated values: the stored ones where they have Tutor's
    format, new ones where not (the first run)."""
    values = {}
    for key, fmt, draw in (
        (ID, RANDOM_STRING, lambda: random_string(24)),
        (OPENEDX_SECRET_KEY, RANDOM_STRING, lambda: random_string(24)),
        (CMS_OAUTH2_SECRET, RANDOM_STRING, lambda: random_string(24)),
        (JWT_RSA_PRIVATE_KEY, RSA_KEY, drawn_rsa_key),
        (MEILISEARCH_MASTER_KEY, RANDOM_STRING, lambda: random_string(24)),
        (MEILISEARCH_API_KEY_UID, UUID4, lambda: str(uuid.uuid4())),
    ):
        value = current.get(key)
        if isinstance(value, str) and fmt.fullmatch(value):
            values[key] = value
            continue
        if value:
            log("the stored %s is not in Tutor's format: replacing it" % key)
        else:
            log("generating %s" % key)
        values[key] = draw()
        if not fmt.fullmatch(values[key]):
            raise Failure("no usable new value for %s" % key)
    # Derived, never drawn: it always matches the stored master key and UID.
    values[MEILISEARCH_API_KEY] = meilisearch_api_key(values[MEILISEARCH_MASTER_KEY], values[MEILISEARCH_API_KEY_UID])
    return values


def plan():
    current = stored()
    state = {}
    for key, drawn in ((MYSQL_PASSWORD, "mysql-password.new"), (MONGODB_PASSWORD, "mongodb-password.new")):
        value = current.get(key)
        if isinstance(value, str) and GENERATED.fullmatch(value):
            state[key] = value
            continue
        if value:
            log("the stored %s is not a generated password: replacing it" % key)
        else:
            log("generating %s" % key)
        with open(path("in", drawn), encoding="utf-8") as f:
            state[key] = f.read()
        if not GENERATED.fullmatch(state[key]):
            raise Failure("fetch.sh drew no usable password for %s" % key)
    state[REDIS_PASSWORD] = redis_token()
    state.update(tutor_generated(current))

    # Without an SMTP user the platform sends no mail: Tutor gets empty
    # credentials. Otherwise smtp.sh keeps the stored key if IAM still has
    # it, or creates a new one for render.
    state[SMTP_USERNAME], state[SMTP_PASSWORD] = "", ""
    if os.environ.get("SMTP_IAM_USER"):
        user, password = current.get(SMTP_USERNAME), current.get(SMTP_PASSWORD)
        if isinstance(user, str) and user and isinstance(password, str) and password:
            state[SMTP_USERNAME], state[SMTP_PASSWORD] = user, password
            write(path("smtp", "stored-key-id"), user)

    admin_user, admin_password = credentials("mysql-admin.json", "the Aurora admin secret")
    write(path("mysql", "admin.cnf"), "[client]\nuser=%s\npassword=%s\n" % (option_value(admin_user), option_value(admin_password)))
    write(path("mysql", "password"), state[MYSQL_PASSWORD])
    admin_user, admin_password = credentials("mongodb-admin.json", "the MongoDB admin secret")
    write(path("mongodb", "admin.json"), json.dumps({"username": admin_user, "password": admin_password}))
    write(path("mongodb", "password"), state[MONGODB_PASSWORD])
    write(path("state.json"), json.dumps(state, sort_keys=True))
    log("done")


def smtp_password(secret_access_key, region):
    """AWS's SES SMTP password (version 4) of a secret access key, for one
    region: an HMAC-SHA256 chain over a fixed date, the region, "ses",
    "aws4_request" and "SendRawEmail", prefixed with the version byte 0x04,
    base64-encoded."""

    def sign(key, message):
        return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()

    signature = sign(("AWS4" + secret_access_key).encode("utf-8"), "11111111")
    for message in (region, "ses", "aws4_request", "SendRawEmail"):
        signature = sign(signature, message)
    return base64.b64encode(b"\x04" + signature).decode("ascii")


def render():
    with open(path("state.json"), encoding="utf-8") as f:
        state = json.load(f)
    try:
        with open(path("smtp", "new-key.json"), encoding="utf-8") as f:
            key = json.load(f)["AccessKey"]
    except FileNotFoundError:
        key = None
    if key is not None:
        region = os.environ.get("AWS_REGION", "")
        if not region:
            raise Failure("AWS_REGION is not set")
        state[SMTP_USERNAME] = key["AccessKeyId"]
        state[SMTP_PASSWORD] = smtp_password(key["SecretAccessKey"], region)
        log("derived the SMTP password of the new access key")

    config = json.loads(os.environ["TUTOR_CONFIG"])
    if not isinstance(config, dict) or not all(isinstance(v, str) for v in config.values()):
        raise Failure("TUTOR_CONFIG is not a JSON object of strings")
    clash = sorted(set(config) & set(SECRET_KEYS))
    if clash:
        raise Failure("TUTOR_CONFIG sets credentials: %s" % ", ".join(clash))
    missing = [k for k in SECRET_KEYS if not isinstance(state.get(k), str)]
    if missing:
        raise Failure("no value for %s" % ", ".join(missing))

    merged = dict(config)
    merged.update({k: state[k] for k in SECRET_KEYS})
    # The certificate of the platform's MongoDB CA, as fetch.sh read it
    # (public): the awsplatform plugin mounts it where pymongo verifies
    # the members with it. None for an external replica set.
    try:
        with open(path("in", "mongodb-ca.pem"), encoding="utf-8") as f:
            merged["AWSPLATFORM_MONGODB_CA_CERT"] = f.read()
    except FileNotFoundError:
        pass
    write(path("out", "config.json"), json.dumps(merged, sort_keys=True))
    current = stored()
    if current == merged:
        write(path("out", "unchanged"), "")
        log("the stored configuration is up to date")
    else:
        changed = sorted(k for k in set(merged) | set(current) if current.get(k) != merged.get(k))
        log("keys to store: %s" % ", ".join(changed))


def main(argv):
    try:
        if argv[1:] == ["plan"]:
            plan()
        elif argv[1:] == ["render"]:
            render()
        elif len(argv) == 3 and argv[1] == "smtp-password":
            print(smtp_password(sys.stdin.read().rstrip("\n"), argv[2]))
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except Failure as e:
        log("ERROR: %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
