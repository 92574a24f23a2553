#!/usr/bin/env python3
"""Init hook (ready stage): says which of faildrill's services this LocalStack serves.

faildrill creates everything it drills through the SDK and tags it `faildrill:run-id`, so nothing
needs seeding here. The community edition lacks ELBv2, RDS, Auto Scaling and FIS; a drill that needs
them routes those services to moto (`aws.endpoints` in the scenario) or exits 2 naming the service.
"""
import json
import urllib.request

NEEDED = ["route53", "ec2", "sns", "cloudwatch", "sts", "elbv2", "rds", "autoscaling", "fis"]

with urllib.request.urlopen("http://127.0.0.1:4566/_localstack/health", timeout=10) as response:
    health = json.load(response)
services = health.get("services", {})
served = [s for s in NEEDED if services.get(s) in ("available", "running")]
missing = [s for s in NEEDED if s not in served]
print(f"faildrill: LocalStack {health.get('version', '?')} ({health.get('edition', '?')} edition) serves {', '.join(served) or 'none'}")
if missing:
    print(f"faildrill: not served here: {', '.join(missing)} -- route them to moto (aws.endpoints) for drills that need them")
