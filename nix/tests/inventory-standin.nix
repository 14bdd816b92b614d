# Stand-in for a flake's nixosConfigurations, for checking nix/lib/inventory.nix
# without nixpkgs (.ci/nix-check.sh). Each host carries `config.lab.machine` as
# the module system would evaluate it, defaults filled in, so the null fields
# of health checks are here too and must be dropped from the inventory.
let
  check = fields: {
    url = null;
    port = null;
    command = null;
  } // fields;

  host = hostName: machine: {
    config = {
      networking.hostName = hostName;
      lab.machine = {
        enable = true;
        groups = [ ];
        dependencies = [ ];
        healthChecks = [ ];
        services = [ ];
        nomadAddress = "http://127.0.0.1:4646";
        nomadTokenFile = null;
        orchestration = {
          deployStrategy = "rolling";
          rebootDelay = 600;
          criticalityLevel = "medium";
        };
      } // machine;
    };
  };
  withRevision = revision: h: h // { config = h.config // { system.configurationRevision = revision; }; };
in
{
  # Attribute names differ from hostnames on purpose: the inventory sorts by hostname.
  zz-database = host "db1" {
    role = "database";
    groups = [
      "infrastructure"
      "database"
    ];
    rebootOrder = 2;
    dependencies = [ "gw1" ];
    services = [
      "nomad"
      "postgresql"
    ];
    healthChecks = [
      (check {
        type = "tcp";
        port = 5432;
      })
      (check {
        type = "command";
        command = "systemctl is-active postgresql";
      })
    ];
    orchestration = {
      deployStrategy = "rolling";
      rebootDelay = 0;
      criticalityLevel = "high";
    };
  };

  # A host whose configuration revision is known: the inventory carries it as
  # the revision the host must come back on.
  aa-gateway = withRevision "4e1c0ffee" (host "gw1" {
    role = "gateway";
    rebootOrder = 1;
    services = [
      "nginx"
      "nomad"
    ];
    healthChecks = [
      (check {
        type = "http";
        url = "http://localhost:80/health";
      })
    ];
  });

  # Imports the module but has it switched off: left out of the inventory.
  mm-workstation = host "desk1" {
    enable = false;
    role = "workstation";
    rebootOrder = 9;
  };

  # Does not import the module at all: left out as well.
  nn-printer.config.networking.hostName = "printer";
}
