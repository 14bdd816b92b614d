# The inventory entry of one host: the object the lab-machine module writes to
# /etc/lab-machine-metadata.json and that nix/lib/inventory.nix collects into the
# JSON array the controller reads (dev.laborchestrator.config.InventoryLoader).
#
# Builtins only, no nixpkgs: the inventory must be computable with a bare
# `nix-instantiate`, and the module and the inventory must agree byte for byte,
# so both call this file.
let
  # The controller's reader knows exactly these keys per check; the optional
  # ones are left out when null rather than written as null.
  checkKeys = {
    type = null;
    url = null;
    port = null;
    command = null;
  };
in
rec {
  # One health check as it appears in the inventory and in the `lab.health-checks`
  # node meta: only the known keys, nulls removed.
  cleanHealthCheck =
    check:
    let
      known = builtins.intersectAttrs checkKeys check;
    in
    builtins.removeAttrs known (builtins.filter (name: known.${name} == null) (builtins.attrNames known));

  # `machine` is the evaluated `config.lab.machine` of a host; `revision` is its
  # `system.configurationRevision`: the revision the host must come back on after
  # a rollout to this configuration (left out when unknown).
  hostEntry =
    {
      hostName,
      machine,
      revision ? null,
    }:
    {
      hostname = hostName;
      inherit (machine)
        role
        groups
        rebootOrder
        dependencies
        services
        ;
      healthChecks = map cleanHealthCheck machine.healthChecks;
      orchestration = {
        inherit (machine.orchestration) deployStrategy rebootDelay criticalityLevel;
      };
    }
    // (if revision == null then { } else { inherit revision; });
}
