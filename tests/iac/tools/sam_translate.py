"""Runs the AWS SAM translator on SAM templates, offline, and prints the CloudFormation it makes.

Usage: python sam_translate.py REGION TEMPLATE[?KEY=VALUE&KEY=VALUE]...
Each template is translated with the stack parameters after its `?` (one Python start for all:
importing the translator is most of the time). Prints one JSON object:
{argument: translated template, or {"error": message}}.

The translator asks IAM for the ARNs of managed policy names only when its bundled list lacks
them; the loader here answers with nothing, as IAM would for an unknown name.
"""
import json
import os
import sys


def main():
    region, specs = sys.argv[1], sys.argv[2:]
    os.environ["AWS_DEFAULT_REGION"] = region
    os.environ["AWS_REGION"] = region
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse

    class NoManagedPolicies:
        def load(self):
            return {}

    out = {}
    for spec in specs:
        path, _, query = spec.partition("?")
        with open(path, encoding="utf-8") as f:
            template = yaml_parse(f.read())
        values = dict(kv.split("=", 1) for kv in query.split("&") if kv)
        values.setdefault("AWS::Region", region)
        try:
            out[spec] = transform(template, values, NoManagedPolicies())
        except Exception as e:  # the translator's errors are the answer for that template
            out[spec] = {"error": f"{type(e).__name__}: {e}"}
    json.dump(out, sys.stdout, indent=1, sort_keys=True, default=str)


main()
