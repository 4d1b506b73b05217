// The preview's Vite config. allowedHosts: the router (ours, or Caddy on a PVE host) keeps the
// public Host (port-5173-vm-<vmid>.<domain>), which Vite 5.4.12+'s DNS-rebinding guard answers
// with 403 unless allowed; any name is allowed, as a sandbox behind cmux's edge is.
export default { server: { allowedHosts: true } };
