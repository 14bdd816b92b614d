# End-to-end rollout on real Nomad and Consul agents in NixOS VMs:
#
#   server           Consul server + Nomad server; runs the controller (it is no
#                    Nomad client, so it never drains the node it runs on)
#   client1/client2  Consul client + Nomad client + lab.machine, booted on
#                    revision "rev-a"; client2 depends on client1
#
# The controller's `command` executor runs ./rebuild over ssh on the target:
# it makes the "rev-b" specialisation the system profile's next generation,
# installs it in the boot loader (what `nixos-rebuild boot` does, minus the
# flake evaluation a VM without network cannot do) and reboots. The VMs boot
# through a real boot loader (virtualisation.useBootLoader), so the reboot
# really comes up on rev-b.
#
# In a NixOS test, QEMU runs with -no-reboot: a guest reboot ends the VM
# process. The test script therefore waits for each client to go down and
# starts it again, which is the reboot as the controller sees it: the node
# drops out of Consul, comes back in Nomad with a new boot id (published by
# lab-machine-boot-id.service) and a new nixos.revision in its meta.
#
# What it asserts:
#   - client1 goes first and client2 is untouched (eligible, not draining)
#     while client1 is down: order and dependency, one node at a time;
#   - client1 is eligible again, on rev-b, before client2 goes down;
#   - the controller exits 0;
#   - afterwards each client runs rev-b, Nomad reports its current boot id
#     (different from before) and nixos.revision = rev-b, it is eligible and
#     not draining, its drain completed, and all its Consul checks pass,
#     including the one from lab.machine.healthChecks;
#   - the workload that was drained off the clients runs again.
#
# This test cannot run where the project is developed (no nixpkgs, no KVM);
# run it with `nix build .#checks.x86_64-linux.rollout -L`.
{
  pkgs,
  labMachineModule,
  labOrchestrator,
}:

let
  inherit (pkgs) lib;
  sshKeys = import "${pkgs.path}/nixos/tests/ssh-keys.nix" pkgs;

  newRevision = "rev-b";

  common =
    { config, ... }:
    {
      # Only the test network is reachable; keep the agents' ports simple.
      networking.firewall.enable = false;
      environment.systemPackages = [
        pkgs.curl
        pkgs.jq
      ];

      services.consul = {
        enable = true;
        extraConfig = {
          bind_addr = config.networking.primaryIPAddress;
          retry_join = [ "server" ];
          retry_interval = "1s";
        };
      };

      services.nomad = {
        enable = true;
        enableDocker = false;
        settings = {
          advertise = {
            http = config.networking.primaryIPAddress;
            rpc = config.networking.primaryIPAddress;
            serf = config.networking.primaryIPAddress;
          };
        };
      };
    };

  client =
    {
      rebootOrder,
      dependencies ? [ ],
    }:
    { config, ... }:
    {
      imports = [
        common
        labMachineModule
      ];

      virtualisation = {
        useBootLoader = true;
        useEFIBoot = true;
        memorySize = 1024;
      };
      boot.loader.systemd-boot.enable = true;
      boot.loader.efi.canTouchEfiVariables = true;

      system.configurationRevision = "rev-a";
      specialisation.${newRevision}.configuration = {
        system.configurationRevision = lib.mkForce newRevision;
      };

      services.openssh = {
        enable = true;
        settings.PermitRootLogin = "prohibit-password";
      };
      users.users.root.openssh.authorizedKeys.keys = [ sshKeys.snakeOilPublicKey ];

      # The Nomad client runs tasks as root (raw_exec for the test workload).
      services.nomad = {
        dropPrivileges = false;
        settings = {
          client = {
            enabled = true;
            servers = [ "server:4647" ];
            # eth0 is QEMU's user network, the same address on every VM.
            network_interface = "eth1";
          };
          plugin.raw_exec.config.enabled = true;
        };
      };

      lab.machine = {
        enable = true;
        role = "worker";
        groups = [ "test" ];
        inherit rebootOrder dependencies;
        healthChecks = [
          {
            type = "http";
            url = "http://127.0.0.1:4646/v1/agent/health?type=client";
          }
          {
            type = "tcp";
            port = 22;
          }
        ];
        orchestration.rebootDelay = 0;
      };

      environment.systemPackages = [
        (pkgs.writeShellApplication {
          name = "lab-test-upgrade";
          runtimeInputs = [
            config.nix.package
            config.systemd.package
            pkgs.coreutils
          ];
          text = ''
            next=$(readlink -f /run/current-system/specialisation/${newRevision})
            nix-env --profile /nix/var/nix/profiles/system --set "$next"
            "$next/bin/switch-to-configuration" boot
            # Reboot a moment later, so that this command, and the ssh session
            # the controller waits on, ends with the status of the switch
            # rather than a dropped connection.
            systemd-run --on-active=2s --unit=lab-test-reboot systemctl reboot
          '';
        })
      ];
    };

  # argv of the controller's command executor: ./rebuild <hostname>
  rebuild = pkgs.writeShellApplication {
    name = "rebuild";
    runtimeInputs = [ pkgs.openssh ];
    text = ''
      # Test VMs only: their host keys are generated at first boot.
      exec ssh -i /etc/lab-test/id_snakeoil -o BatchMode=yes \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        "root@$1" lab-test-upgrade
    '';
  };

  sleeperJob = pkgs.writeText "sleeper.nomad.hcl" ''
    job "sleeper" {
      datacenters = ["dc1"]
      type        = "service"

      group "sleeper" {
        count = 1

        task "sleep" {
          driver = "raw_exec"

          config {
            command = "/run/current-system/sw/bin/sleep"
            args    = ["infinity"]
          }

          resources {
            cpu    = 50
            memory = 32
          }
        }
      }
    }
  '';
in
pkgs.testers.runNixOSTest {
  name = "lab-orchestrator-rollout";

  nodes = {
    server =
      { config, nodes, ... }:
      {
        imports = [ common ];
        virtualisation.memorySize = 2048;

        services.consul.extraConfig = {
          server = true;
          bootstrap_expect = 1;
        };
        services.nomad.settings.server = {
          enabled = true;
          bootstrap_expect = 1;
        };

        environment.systemPackages = [ labOrchestrator ];

        environment.etc."lab-test/id_snakeoil" = {
          source = sshKeys.snakeOilPrivateKey;
          mode = "0600";
        };
        environment.etc."lab-test/sleeper.nomad.hcl".source = sleeperJob;

        # The inventory the flake's labInventory output would give for these
        # two hosts: the same function, applied to the test's own nodes.
        environment.etc."lab-inventory.json".text = builtins.toJSON (
          import ../lib/inventory.nix (
            lib.mapAttrs (_: node: { config = node; }) { inherit (nodes) client1 client2; }
          )
        );

        environment.etc."lab-orchestrator.yaml".source = (pkgs.formats.yaml { }).generate "lab-orchestrator.yaml" {
          nomad.address = "http://127.0.0.1:4646";
          consul.address = "http://127.0.0.1:8500";
          inventory = "/etc/lab-inventory.json";
          rebuild = {
            executor = "command";
            command = [
              (lib.getExe rebuild)
              "{hostname}"
            ];
            timeout = "5m";
            expectRevision = newRevision;
          };
          drain = {
            deadline = "5m";
            ignoreSystemJobs = true;
          };
          timeouts = {
            drain = "10m";
            reboot = "10m";
            health = "10m";
          };
          health.stableFor = "10s";
          maxParallel = 1;
        };
      };

    client1 = client { rebootOrder = 1; };
    client2 = client {
      rebootOrder = 2;
      dependencies = [ "client1" ];
    };
  };

  testScript = ''
    import json

    clients = [client1, client2]
    nomad = "http://127.0.0.1:4646"

    def node(name):
        """The full Nomad node (GET /v1/node/:id; the list only has stubs)."""
        stubs = json.loads(server.succeed(f"curl -sf {nomad}/v1/nodes"))
        node_id = next(n["ID"] for n in stubs if n["Name"] == name)
        return json.loads(server.succeed(f"curl -sf {nomad}/v1/node/{node_id}"))

    def boot_id(machine):
        return machine.succeed("cat /proc/sys/kernel/random/boot_id").strip()

    def wait_for_boot_id(machine, expected):
        # Dynamic node meta reaches the servers in batches (up to 10 s).
        server.wait_until_succeeds(
            f"curl -sf {nomad}/v1/nodes | jq -r '.[] | select(.Name == \"{machine.name}\") | .ID'"
            f" | xargs -I{{}} curl -sf {nomad}/v1/node/{{}}"
            f" | jq -e '.Meta[\"lab.boot-id\"] == \"{expected}\"'",
            timeout=120,
        )

    def assert_in_service(machine):
        n = node(machine.name)
        assert n["Status"] == "ready", n["Status"]
        assert n["SchedulingEligibility"] == "eligible", n["SchedulingEligibility"]
        assert n["DrainStrategy"] is None, n["DrainStrategy"]

    start_all()
    server.wait_for_unit("consul.service")
    server.wait_for_unit("nomad.service")
    server.wait_until_succeeds("nomad node status | grep -c ready | grep -qx 2", timeout=300)

    with subtest("the lab.machine module publishes meta and the boot id"):
        before = {}
        for c in clients:
            c.wait_for_unit("lab-machine-boot-id.service")
            before[c.name] = boot_id(c)
            wait_for_boot_id(c, before[c.name])
            meta = node(c.name)["Meta"]
            assert meta["nixos.revision"] == "rev-a", meta
            assert meta["lab.role"] == "worker", meta
        assert node("client2")["Meta"]["lab.depends-on"] == "client1"
        assert node("client1")["Meta"]["lab.reboot-order"] == "1"

    with subtest("a workload runs on the clients"):
        server.succeed("nomad job run /etc/lab-test/sleeper.nomad.hcl")
        server.wait_until_succeeds("nomad job status sleeper | grep -q running", timeout=300)

    with subtest("the rollout updates one client at a time, in order"):
        server.succeed(
            "systemd-run --unit=lab-rollout --remain-after-exit --property=Type=exec"
            " lab-orchestrator run --config /etc/lab-orchestrator.yaml"
        )

        client1.wait_for_shutdown()
        # client1 is down: client2 depends on it and must not be touched yet.
        assert_in_service(client2)
        client1.start()

        client2.wait_for_shutdown()
        # client1 was put back into service on the new revision first.
        assert_in_service(client1)
        assert node("client1")["Meta"]["nixos.revision"] == "${newRevision}"
        client2.start()

        server.wait_until_succeeds(
            "systemctl show -p SubState --value lab-rollout | grep -Eqx 'exited|failed'",
            timeout=1800,
        )
        print(server.succeed("journalctl -u lab-rollout --no-pager"))
        server.succeed("systemctl show -p Result --value lab-rollout | grep -qx success")

    with subtest("each client rebooted into the new revision and is back in service"):
        for c in clients:
            after = boot_id(c)
            assert after != before[c.name], f"{c.name} did not reboot"
            wait_for_boot_id(c, after)
            c.succeed(
                "test \"$(readlink -f /run/current-system)\""
                " = \"$(readlink -f /nix/var/nix/profiles/system)\""
            )
            n = node(c.name)
            assert n["Meta"]["nixos.revision"] == "${newRevision}", n["Meta"]
            assert n["LastDrain"]["Status"] == "complete", n["LastDrain"]
            assert_in_service(c)
            server.succeed(
                f"curl -sf http://127.0.0.1:8500/v1/health/node/{c.name}"
                " | jq -e 'all(.[]; .Status == \"passing\") and any(.[]; .CheckID == \"lab-http-1\")'"
            )

    with subtest("the workload runs again"):
        server.wait_until_succeeds("nomad job status sleeper | grep -q running", timeout=300)
  '';
}
