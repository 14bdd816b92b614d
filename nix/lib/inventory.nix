# labInventory: the controller's inventory (a JSON array of host entries, see
# ./metadata.nix) computed from a flake's nixosConfigurations, without building
# anything:
#
#   nix eval --json .#labInventory > inventory.json
#
# Takes an attrset of nixosConfigurations-like values; each needs
# `.config.networking.hostName` and, when it imports the lab-machine module,
# `.config.lab.machine`. Hosts without the module or with
# `lab.machine.enable = false` are skipped. The result is sorted by hostname so
# that it is stable whatever the attribute names are.
#
# Builtins only: this must evaluate without nixpkgs (CI checks it on a stand-in
# attrset, nix/tests/inventory-standin.nix).
nixosConfigurations:
let
  metadata = import ./metadata.nix;

  enabled = builtins.filter (host: host.config.lab.machine.enable or false) (
    builtins.attrValues nixosConfigurations
  );

  entries = map (
    host:
    metadata.hostEntry {
      hostName = host.config.networking.hostName;
      machine = host.config.lab.machine;
      revision = host.config.system.configurationRevision or null;
    }
  ) enabled;

  hostnames = map (entry: entry.hostname) entries;
  duplicates = builtins.filter (
    name: builtins.length (builtins.filter (other: other == name) hostnames) > 1
  ) hostnames;
in
# The controller matches inventory entries to Nomad nodes by name; two
# configurations with one hostname would make that ambiguous.
if duplicates != [ ] then
  throw "labInventory: hostname '${builtins.head duplicates}' is used by more than one nixosConfiguration"
else
  builtins.sort (a: b: a.hostname < b.hostname) entries
