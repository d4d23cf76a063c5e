"""Render the Tutor plugin's patches as Tutor v21 would, run the settings
they make, and report what the real client libraries make of them.

Usage: /usr/bin/python3 check_tutor_plugin.py PLUGIN FACTS < {"config": {...}, "mfe": bool}

Needs Debian's python3-jinja2, -yaml, -redis, -kombu, -pymongo, -boto3 and
-django-storages (tools/deps/debian.txt). The settings Tutor and
edx-platform write before the plugin's patches are rebuilt from FACTS
(test/tutor/testdata/tutor-v21-facts.yaml), unescaped as Tutor writes them.
Prints a JSON report; tutorplugin_test.go compares it.
"""
import json
import os
import re
import ssl
import sys
from urllib.parse import parse_qs, urlsplit

import jinja2
import yaml

plugin = yaml.safe_load(open(sys.argv[1]))
facts = yaml.safe_load(open(sys.argv[2]))
given = json.load(sys.stdin)
config = {plugin["name"].upper() + "_" + k: v for k, v in plugin["config"]["defaults"].items()}
config.update(facts["defaults"])
# The README passes each value to `tutor config save --set`, which reads it
# as YAML: booleans and small numbers as such, the rest as JSON strings.
config.update({k: yaml.safe_load(v) if isinstance(v, str) and re.fullmatch(r"true|false|0|[1-9][0-9]{0,5}", v) else v
               for k, v in given["config"].items()})
variables = dict(config)
if given.get("mfe"):
    # tutor-mfe adds this template variable (tutormfe/plugin.py).
    variables["iter_mfes"] = lambda: iter(())

# Tutor renders with StrictUndefined: an unknown key is an error.
env = jinja2.Environment(undefined=jinja2.StrictUndefined)
rendered = {name: env.from_string(text).render(**variables) for name, text in plugin["patches"].items()}
report = {}
# The kustomize patches as Tutor writes them into its env, for kustomize.
report["rendered"] = {k: rendered[k] for k in ("k8s-override", "kustomization-configmapgenerator")}
forum_settings = env.from_string(facts["forumCommonSettings"]).render(**variables)

# k8s-override: what each patch sets.
k8s = []
for d in yaml.safe_load_all(rendered["k8s-override"]):
    if not d:
        continue
    spec = d["spec"]["template"]["spec"]
    c = spec["containers"][0]
    spread = spec.get("topologySpreadConstraints", [])
    k8s.append({
        "kind": d["kind"], "name": d["metadata"]["name"],
        "replicas": d["spec"].get("replicas"),
        "serviceAccountName": spec.get("serviceAccountName"),
        "spread": {t["topologyKey"]: t["whenUnsatisfiable"] for t in spread},
        "spreadSelectors": sorted({t["labelSelector"]["matchLabels"]["app.kubernetes.io/name"] for t in spread}),
        "nodeSelector": spec.get("nodeSelector"), "tolerations": spec.get("tolerations"),
        "preferredNodePools": sorted(v for p in spec.get("affinity", {}).get("nodeAffinity", {}).get("preferredDuringSchedulingIgnoredDuringExecution", [])
                                     for e in p["preference"]["matchExpressions"] if e["key"] == "karpenter.sh/nodepool" and e["operator"] == "In"
                                     for v in e["values"]) or None,
        "container": c["name"],
        "env": {e["name"]: e["value"] for e in c.get("env", [])},
        "requests": c["resources"]["requests"], "limits": c["resources"]["limits"],
        "readinessProbe": c.get("readinessProbe"),
        "caMounts": sorted(m["mountPath"] + " <- " + next(v["configMap"]["name"] for v in spec["volumes"] if v["name"] == m["name"]) + "/" + m["subPath"]
                           for m in c.get("volumeMounts", [])) or None,
    })
report["k8s-override"] = k8s
# kustomization-configmapgenerator: the ConfigMaps it adds, by name, as
# kustomize builds their data from literals (key=value, split at the first =).
report["configMaps"] = {g["name"]: dict(lit.split("=", 1) for lit in g["literals"])
                        for g in (yaml.safe_load(rendered.get("kustomization-configmapgenerator", "")) or [])}
pod_env = next(p["env"] for p in k8s if p["name"] == "lms")

# What Tutor core and edx-platform have set when the patches run.
fmt = {k: config[k] for k in ("REDIS_USERNAME", "REDIS_PASSWORD", "REDIS_HOST", "REDIS_PORT", "OPENEDX_CACHE_REDIS_DB", "OPENEDX_CELERY_REDIS_DB")}


def before(module, static_root=None):
    service = module.split(".")[0]
    mongodb_parameters = {k: None for k in facts["mongodbParameters"]}
    mongodb_parameters.update(host=config["MONGODB_HOST"], port=int(config["MONGODB_PORT"]), connect=False, ssl=str(config["MONGODB_USE_SSL"]).lower() == "true",
                              replicaSet=config["MONGODB_REPLICA_SET"], authsource="admin")
    return {
        "__name__": module,
        "DATABASES": {"default": {"ENGINE": "django.db.backends.mysql"}},
        "CACHES": {n: {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": facts["redisCacheLocation"].format(**fmt)} for n in facts["redisCaches"]},
        "BROKER_URL": facts["brokerURL"].format(**fmt),
        "EVENT_BUS_REDIS_CONNECTION_URL": facts["eventBusURL"],
        "mongodb_parameters": mongodb_parameters,
        "DOC_STORE_CONFIG": mongodb_parameters,
        "CONTENTSTORE": {"DOC_STORE_CONFIG": mongodb_parameters},
        "MODULESTORE": {},
        "update_module_store_settings": lambda store, doc_store_settings: store.update(doc_store=doc_store_settings),
        "STORAGES": {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                     "staticfiles": {"BACKEND": facts["staticfilesStorage"]}},
        "STATIC_URL": facts["static"][service]["url"],
        "STATIC_ROOT": static_root or facts["static"][service]["root"],
        "AWS_S3_CUSTOM_DOMAIN": facts["awsS3CustomDomain"],
    }


def run(service, upload, static_root=None):
    g = before(service + ".envs.tutor.production", static_root)
    if upload:
        os.environ["UPLOAD_STATIC_TO_S3"] = "1"
    else:
        os.environ.pop("UPLOAD_STATIC_TO_S3", None)
    # Every plugin's common settings, in the order Tutor loads plugins
    # (facts: alphabetical, so tutor-forum's after ours), then ours for
    # production.
    common = {plugin["name"]: rendered["openedx-common-settings"], "forum": forum_settings}
    if facts["pluginLoadOrder"] != "alphabetical":
        sys.exit("unknown plugin load order %r" % facts["pluginLoadOrder"])
    for name in sorted(common):
        exec(compile(common[name], name + " openedx-common-settings", "exec"), g)
    exec(compile(rendered["openedx-%s-production-settings" % service], service, "exec"), g)
    return g


import pymongo  # noqa: E402
import redis  # noqa: E402
from kombu import Connection  # noqa: E402


def redis_url(url):
    pool = redis.ConnectionPool.from_url(url)
    kw = pool.connection_kwargs
    return {"username": kw.get("username"), "password": kw.get("password"), "host": kw.get("host"),
            "port": kw.get("port"), "db": kw.get("db"), "tls": pool.connection_class.__name__ == "SSLConnection"}


settings = {}
for service in ("lms", "cms"):
    g = run(service, upload=False)
    b = Connection(g["BROKER_URL"])
    p = g["mongodb_parameters"]
    # As edx-platform's connect_to_mongodb does: db, user and password out,
    # every other parameter to MongoClient.
    kw = {k: v for k, v in p.items() if k not in ("db", "user", "password", "host", "port")}
    mongo = pymongo.MongoClient(host=p["host"], port=p["port"], tz_aware=True, document_class=dict, **kw)
    opts = mongo._MongoClient__options
    ctx = opts.pool_options._PoolOptions__ssl_context
    up = run(service, upload=True)
    settings[service] = {
        "charset": g["DATABASES"]["default"]["OPTIONS"]["charset"],
        "caches": sorted(g["CACHES"]),
        "cacheURLs": sorted({json.dumps(redis_url(c["LOCATION"]), sort_keys=True) for c in g["CACHES"].values()}),
        "broker": {"transport": b.transport_cls, "userid": b.userid, "password": b.password, "hostname": b.hostname,
                   "port": b.port, "virtual_host": b.virtual_host, "ssl": bool(g.get("BROKER_USE_SSL"))},
        "eventBus": redis_url(g["EVENT_BUS_REDIS_CONNECTION_URL"]),
        "mongoSeeds": sorted("%s:%d" % a for a in mongo._topology_settings.seeds),
        # pymongo's parsed options: TLS, verifying the peer, with the CAs it
        # loaded from the CA file.
        "mongoTLS": {"tls": ctx is not None, "verify": ctx is not None and ctx.verify_mode == ssl.CERT_REQUIRED,
                     "caFile": opts._options.get("ssl_ca_certs", opts._options.get("tlscafile")),
                     "caSubjects": sorted(str(c["subject"]) for c in ctx.get_ca_certs()) if ctx and "tlsCAFile" in p else None},
        "forumDatabase": g["FORUM_MONGODB_DATABASE"],
        "staticfiles": g["STORAGES"]["staticfiles"]["BACKEND"],
        "staticURL": g["STATIC_URL"],
        "staticUpload": {"backend": up["STORAGES"]["staticfiles"]["BACKEND"],
                         "location": up["STORAGES"]["staticfiles"].get("OPTIONS", {}).get("location"),
                         "from": up.get("STATICFILES_DIRS"), "finders": up.get("STATICFILES_FINDERS")},
    }
    mongo.close()
    # The forum's client, built by the forum's own call (facts), not
    # connecting; pymongo refuses conflicting options here.
    try:
        forum = eval(facts["forumMongoClient"], {"MongoClient": lambda **kw: pymongo.MongoClient(connect=False, **kw),
                                                 "FORUM_MONGODB_CLIENT_PARAMETERS": g["FORUM_MONGODB_CLIENT_PARAMETERS"]})
    except Exception as e:  # noqa: BLE001 - reported, the test shows it
        settings[service]["forumMongo"] = {"error": "%s: %s" % (type(e).__name__, e)}
        continue
    fo = forum._MongoClient__options
    fctx = fo.pool_options._PoolOptions__ssl_context
    settings[service]["forumMongo"] = {
        "seeds": sorted("%s:%d" % a for a in forum._topology_settings.seeds),
        "replicaSet": fo.replica_set_name,
        "authSource": fo.credentials.source if fo.credentials else None,
        "username": fo.credentials.username if fo.credentials else None,
        "tls": fctx is not None, "verify": fctx is not None and fctx.verify_mode == ssl.CERT_REQUIRED,
        "caFile": fo._options.get("ssl_ca_certs", fo._options.get("tlscafile")),
    }
    forum.close()

# The storages, built by django-storages from the settings as Django would,
# with Pod Identity stood in for by keys in the environment (boto3 signs
# locally; nothing is sent). The region comes from the pods' environment.
os.environ.update(pod_env)
os.environ.update(AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="secret")
# The LMS's upload, run by Django's own collectstatic over a tree shaped
# like the image's STATIC_ROOT, into a local directory in place of the
# bucket: what it copies, and whether Django's checks let it run.
import tempfile  # noqa: E402

image_root = tempfile.mkdtemp()
for name in given.get("staticTree", []):
    path = os.path.join(image_root, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(name)
bucket = tempfile.mkdtemp()
g = run("lms", upload=True, static_root=image_root)
import django  # noqa: E402
from django.conf import settings as django_settings  # noqa: E402

# Debian's Django 3.2 takes the static files storage from
# STATICFILES_STORAGE (Ulmo's 5.2 from STORAGES): a local one, in bucket.
django_settings.configure(**{k: v for k, v in g.items() if k.isupper() and k not in ("STORAGES", "INSTALLED_APPS")},
                          INSTALLED_APPS=["django.contrib.staticfiles"],
                          STATICFILES_STORAGE="django.core.files.storage.FileSystemStorage", MEDIA_ROOT=bucket)
django.setup()
import boto3  # noqa: E402
from django.core.management import call_command  # noqa: E402
from storages.backends.s3boto3 import S3Boto3Storage, S3StaticStorage  # noqa: E402

try:
    call_command("collectstatic", interactive=False, verbosity=0, skip_checks=False)
    copied = {}
    for d, _, files in os.walk(bucket):
        for fn in files:
            with open(os.path.join(d, fn)) as f:
                copied[os.path.relpath(os.path.join(d, fn), bucket)] = f.read()
    report["staticUploaded"] = {"copied": copied, "postProcesses": hasattr(S3StaticStorage, "post_process")}
except Exception as e:  # noqa: BLE001 - reported, the test shows it
    report["staticUploaded"] = {"error": "%s: %s" % (type(e).__name__, e)}


def signed(url):
    u = urlsplit(url)
    q = parse_qs(u.query)
    return {"host": u.netloc, "path": u.path, "algorithm": q.get("X-Amz-Algorithm", [None])[0],
            "scope": "/".join(q["X-Amz-Credential"][0].split("/")[2:]) if "X-Amz-Credential" in q else None}


# Where the upload puts css/lms.css, as a URL on the CDN's host.
static = S3StaticStorage(custom_domain=urlsplit(config["AWSPLATFORM_STATIC_URL"]).netloc,
                         **g["STORAGES"]["staticfiles"]["OPTIONS"]).url("css/lms.css")
# ORA2's S3 backend builds its own client from AWS_S3_ENDPOINT_URL and the
# keys, without a region, and presigns get_object.
ora2 = boto3.client("s3", endpoint_url=g.get("AWS_S3_ENDPOINT_URL"), aws_access_key_id=g["AWS_ACCESS_KEY_ID"],
                    aws_secret_access_key=g["AWS_SECRET_ACCESS_KEY"])
report["storages"] = {
    "default": signed(S3Boto3Storage().url("uploads/a.pdf")),
    "profileImages": signed(S3Boto3Storage(**g["PROFILE_IMAGE_BACKEND"]["options"]).url("u.jpg")),
    "grades": signed(S3Boto3Storage(**g["GRADES_DOWNLOAD"]["STORAGE_KWARGS"]).url("r.csv")),
    "learningCore": signed(S3Boto3Storage(**g["OPENEDX_LEARNING"]["MEDIA"]["OPTIONS"]).url("c.bin")),
    "ora2": signed(ora2.generate_presigned_url("get_object", Params={"Bucket": g["AWS_STORAGE_BUCKET_NAME"], "Key": "submissions/x"}, ExpiresIn=60)),
    "static": static,
}
report["settings"] = settings
json.dump(report, sys.stdout, sort_keys=True)
