"""Render the Tutor plugin's patches as Tutor would, and check them.

Reads the plugin on argv[1] and a JSON config on stdin. Python patches must
compile; k8s-override must be YAML documents Kustomize can merge. Used by
tutorplugin_test.go when python3 with jinja2 and PyYAML is available.
"""
import json
import sys

import jinja2
import yaml

plugin = yaml.safe_load(open(sys.argv[1]))
config = {plugin["name"].upper() + "_" + k: v for k, v in plugin["config"]["defaults"].items()}
config.update(json.load(sys.stdin))
# Tutor renders with StrictUndefined: an unknown key is an error.
env = jinja2.Environment(undefined=jinja2.StrictUndefined)
out = {}
for name, text in plugin["patches"].items():
    rendered = env.from_string(text).render(**config)
    if name == "k8s-override":
        docs = [d for d in yaml.safe_load_all(rendered) if d]
        out[name] = [
            {
                "name": d["metadata"]["name"],
                "serviceAccountName": d["spec"]["template"]["spec"]["serviceAccountName"],
                "topologyKeys": [c["topologyKey"] for c in d["spec"]["template"]["spec"]["topologySpreadConstraints"]],
                "requests": d["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"],
            }
            for d in docs
        ]
    else:
        compile(rendered, name, "exec")
        out[name] = "compiles"
json.dump(out, sys.stdout, sort_keys=True)
