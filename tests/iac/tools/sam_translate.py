"""Runs the AWS SAM translator on SAM templates, offline, and prints the CloudFormation it makes.

Usage: python sam_translate.py REGION [KEY=VALUE ...] -- TEMPLATE...
Prints one JSON object: {template path: translated template, or {"error": message}}.

The translator asks IAM for the ARNs of managed policy names only when its bundled list lacks
them; the loader here answers with nothing, as IAM would for an unknown name.
"""
import json
import os
import sys


def main():
    args = sys.argv[1:]
    region = args.pop(0)
    sep = args.index("--")
    params = dict(a.split("=", 1) for a in args[:sep])
    paths = args[sep + 1:]
    os.environ["AWS_DEFAULT_REGION"] = region
    os.environ["AWS_REGION"] = region
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse

    class NoManagedPolicies:
        def load(self):
            return {}

    out = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            template = yaml_parse(f.read())
        values = dict(params)
        values.setdefault("AWS::Region", region)
        try:
            out[path] = transform(template, values, NoManagedPolicies())
        except Exception as e:  # the translator's errors are the answer for that template
            out[path] = {"error": f"{type(e).__name__}: {e}"}
    json.dump(out, sys.stdout, indent=1, sort_keys=True, default=str)


main()
