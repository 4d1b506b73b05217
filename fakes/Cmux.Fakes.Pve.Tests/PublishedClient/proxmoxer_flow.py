"""cmux's PVE flow driven by Debian's python3-proxmoxer: the client is theirs, the flow is ours.

Reads PVE_HOST, PVE_PORT, PVE_TOKEN_ID (user@realm!name), PVE_TOKEN_SECRET, PVE_TEMPLATE and
PVE_HOSTNAME; talks HTTPS without verifying the certificate (what cmux does); prints one JSON
object with what each step saw. Any API error raises, so the process exits non-zero with it.
"""
import json
import os
import sys
import time

import urllib3
from proxmoxer import ProxmoxAPI

TASK_DEADLINE_SECONDS = 30


def wait_for(pve, node, upid):
    """Polls the task until it stops; its exit status must be OK."""
    deadline = time.monotonic() + TASK_DEADLINE_SECONDS
    while True:
        status = pve.nodes(node).tasks(upid).status.get()
        if status["status"] == "stopped":
            if status.get("exitstatus") != "OK":
                raise RuntimeError(f"task {upid} ended with {status.get('exitstatus')}")
            return status
        if time.monotonic() > deadline:
            raise TimeoutError(f"task {upid} did not stop within {TASK_DEADLINE_SECONDS} s")
        time.sleep(0.05)


def main():
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    user, token_name = os.environ["PVE_TOKEN_ID"].split("!", 1)
    pve = ProxmoxAPI(os.environ["PVE_HOST"], port=int(os.environ["PVE_PORT"]), user=user,
                     token_name=token_name, token_value=os.environ["PVE_TOKEN_SECRET"], verify_ssl=False)
    template = int(os.environ["PVE_TEMPLATE"])
    hostname = os.environ["PVE_HOSTNAME"]
    seen = {"version": pve.version.get()["version"]}

    node = pve.nodes.get()[0]["node"]
    seen["nextid"] = int(pve.cluster.nextid.get())
    lxc = [guest["vmid"] for guest in pve.nodes(node).lxc.get()]
    qemu = [guest["vmid"] for guest in pve.nodes(node).qemu.get()]
    seen["lxc"], seen["qemu"] = sorted(lxc), sorted(qemu)
    used = set(lxc) | set(qemu)
    vmid = next(candidate for candidate in range(200, 1_000_000) if candidate not in used)
    seen["vmid"] = vmid

    wait_for(pve, node, pve.nodes(node).lxc(template).clone.post(newid=vmid, hostname=hostname, full=0))
    config = pve.nodes(node).lxc(vmid).config.get()
    seen["hostname"], seen["hookscript"] = config.get("hostname"), config.get("hookscript")
    pve.nodes(node).lxc(vmid).config.put(description="cloned by proxmoxer\ncmux-conformance")
    seen["description"] = pve.nodes(node).lxc(vmid).config.get().get("description")

    wait_for(pve, node, pve.nodes(node).lxc(vmid).status.start.post())
    seen["after_start"] = pve.nodes(node).lxc(vmid).status.current.get()["status"]
    wait_for(pve, node, pve.nodes(node).lxc(vmid).status.stop.post())
    seen["after_stop"] = pve.nodes(node).lxc(vmid).status.current.get()["status"]
    wait_for(pve, node, pve.nodes(node).lxc(vmid).delete())
    seen["after_delete"] = sorted(guest["vmid"] for guest in pve.nodes(node).lxc.get())

    json.dump(seen, sys.stdout)


if __name__ == "__main__":
    main()
