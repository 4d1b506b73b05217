"""The tunnel, DNS and Access flow of pve-tunnel-setup.sh, driven through Debian's python3-cloudflare.

The flow is ours; the client is Cloudflare's published Python library (2.x, `import CloudFlare`).
Settings come from the environment; the outcome is printed as one JSON object on stdout.
"""
import json
import os
import sys

import CloudFlare

account, zone, domain = os.environ["CF_ACCOUNT_ID"], os.environ["CF_ZONE_ID"], os.environ["CF_DOMAIN"]
cf = CloudFlare.CloudFlare(token=os.environ["CF_API_TOKEN"], base_url=os.environ["CF_API_URL"])

tunnel = cf.accounts.cfd_tunnel.post(account, data={"name": "cmux-tunnel", "config_src": "cloudflare"})
found = cf.accounts.cfd_tunnel.get(account, params={"name": "cmux-tunnel", "is_deleted": "false"})
token = cf.accounts.cfd_tunnel.token.get(account, tunnel["id"])
config = cf.accounts.cfd_tunnel.configurations.put(account, tunnel["id"], data={"config": {"ingress": [
    {"hostname": "pve." + domain, "service": "https://localhost:8006", "originRequest": {"noTLSVerify": True}},
    {"hostname": "*." + domain, "service": "http://localhost:8080"},
    {"service": "http_status:404"},
]}})

service_token = cf.accounts.access.service_tokens.post(account, data={"name": "cmux-conformance"})
app = cf.accounts.access.apps.post(account, data={"name": "cmux sandboxes", "domain": "*." + domain, "type": "self_hosted"})
policy = cf.accounts.access.apps.policies.post(account, app["id"], data={
    "name": "service token", "decision": "non_identity",
    "include": [{"service_token": {"token_id": service_token["id"]}}]})

target = tunnel["id"] + ".cfargotunnel.com"
records = [cf.zones.dns_records.post(zone, data={"type": "CNAME", "name": name, "content": target, "proxied": True, "ttl": 1})
           for name in ("*", "pve")]
listed = cf.zones.dns_records.get(zone, params={"name": "*." + domain})

try:
    cf.accounts.cfd_tunnel.post(account, data={"name": "cmux-tunnel", "config_src": "cloudflare"})
    duplicate = None
except CloudFlare.exceptions.CloudFlareAPIError as e:
    duplicate = int(e)

json.dump({
    "tunnel_id": tunnel["id"],
    "found": [t["id"] for t in found],
    "token_length": len(token),
    "config_version": config["version"],
    "service_token_secret": bool(service_token.get("client_secret")),
    "app_aud": app["aud"],
    "policy_decision": policy["decision"],
    "records": [(r["name"], r["content"], r["proxied"], r["meta"], r["settings"], r["tags"]) for r in records],
    "listed": [r["id"] for r in listed],
    "duplicate_error": duplicate,
}, sys.stdout)
