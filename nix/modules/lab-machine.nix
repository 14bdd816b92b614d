# lab.machine: what lab-orchestrator needs to know about a NixOS host, declared
# next to the rest of the host's configuration. NixOS owns configuration; the
# controller only reads what this module publishes:
#
#   /etc/lab-machine-metadata.json  the host's inventory entry (../lib/metadata.nix)
#   Nomad client meta               lab.* keys and nixos.revision
#   Consul checks                   one per lab.machine.healthChecks entry
#   dynamic Nomad node meta         lab.boot-id, republished on every boot
{
  config,
  lib,
  options,
  pkgs,
  ...
}:

let
  cfg = config.lab.machine;
  metadata = import ../lib/metadata.nix;

  healthChecks = map metadata.cleanHealthCheck cfg.healthChecks;

  healthCheckModule = {
    options = {
      type = lib.mkOption {
        type = lib.types.enum [
          "http"
          "tcp"
          "command"
        ];
        description = "Kind of check; decides which of {option}`url`, {option}`port` or {option}`command` is required.";
      };
      url = lib.mkOption {
        type = lib.types.nullOr lib.types.str;
        default = null;
        example = "http://localhost:80/health";
        description = "URL polled by an `http` check; any 2xx answer passes.";
      };
      port = lib.mkOption {
        type = lib.types.nullOr lib.types.port;
        default = null;
        example = 5432;
        description = "Local TCP port a `tcp` check connects to.";
      };
      command = lib.mkOption {
        type = lib.types.nullOr lib.types.str;
        default = null;
        example = "systemctl is-active postgresql";
        description = ''
          Shell command run by a `command` check; exit status 0 passes, 1 warns,
          anything else fails (Consul's script check convention). It runs as
          the Consul agent's user through `sh -c`, because a single string
          cannot be split into an argument vector reliably.
        '';
      };
    };
  };

  # Every service whose `enable` option is true. Reading `config.services` in
  # full is not safe: removed options throw when read, renamed ones print a
  # warning, and some entries are not service option sets at all. So only
  # declared, visible `enable` options are read, each under tryEval. What
  # tryEval cannot catch (an infinite recursion, an abort) is avoided by setting
  # `lab.machine.services` explicitly, which skips this detection entirely.
  detectedServices = builtins.filter (
    name:
    let
      enableOption = options.services.${name}.enable or null;
      enabled = builtins.tryEval (config.services.${name}.enable or false);
    in
    lib.isOption enableOption
    && (enableOption.visible or true) != false
    && enabled.success
    && enabled.value == true
  ) (builtins.attrNames config.services);

  # Consul agent check definitions, ids `lab-<type>-<n>` with n counted over
  # all checks so they stay unique.
  consulChecks = lib.imap1 (
    n: check:
    let
      id = "lab-${check.type}-${toString n}";
      common = {
        inherit id;
        name = id;
        interval = "10s";
        timeout = "5s";
      };
    in
    if check.type == "http" then
      common // { http = check.url; }
    else if check.type == "tcp" then
      common // { tcp = "localhost:${toString check.port}"; }
    else
      common
      // {
        args = [
          pkgs.runtimeShell
          "-c"
          check.command
        ];
      }
  ) cfg.healthChecks;

  # The field each kind of health check cannot do without.
  requiredField = {
    http = "url";
    tcp = "port";
    command = "command";
  };

  hasCommandCheck = lib.any (check: check.type == "command") cfg.healthChecks;

  publishBootId = pkgs.writeShellApplication {
    name = "lab-machine-boot-id";
    runtimeInputs = [
      pkgs.coreutils
      pkgs.curl
    ];
    text = ''
      boot_id=$(< /proc/sys/kernel/random/boot_id)
      if [[ ! $boot_id =~ ^[0-9a-f-]{36}$ ]]; then
        echo "unexpected boot id '$boot_id'" >&2
        exit 1
      fi

      # curl reads the token header from its config on stdin, so the token is
      # never part of a command line (readable by every user in /proc).
      curl_config=""
      if [[ -n ''${CREDENTIALS_DIRECTORY:-} ]]; then
        token=$(tr -d '[:space:]' < "$CREDENTIALS_DIRECTORY/nomad-token")
        if [[ ! $token =~ ^[A-Za-z0-9-]+$ ]]; then
          echo "the Nomad token file does not hold a token" >&2
          exit 1
        fi
        curl_config="header = \"X-Nomad-Token: $token\""
      fi

      printf '%s\n' "$curl_config" | curl --config - \
        --fail --silent --show-error --max-time 10 --output /dev/null \
        --request POST --header 'Content-Type: application/json' \
        --data "{\"Meta\":{\"lab.boot-id\":\"$boot_id\"}}" \
        "$NOMAD_ADDR/v1/client/metadata"
      echo "published lab.boot-id=$boot_id to $NOMAD_ADDR"
    '';
  };
in
{
  options.lab.machine = {
    enable = lib.mkEnableOption "publishing this host's lab-orchestrator metadata (inventory entry, Nomad node meta, Consul checks, boot id)";

    role = lib.mkOption {
      type = lib.types.str;
      example = "application-server";
      description = "What the host is for; shown in plans and published as Nomad node meta `lab.role`.";
    };

    groups = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      example = lib.literalExpression ''[ "infrastructure" "database" ]'';
      description = "Groups the host belongs to, for selecting hosts in a rollout.";
    };

    rebootOrder = lib.mkOption {
      type = lib.types.int;
      example = 1;
      description = ''
        Position in the rollout: lower values are updated first; hosts with the
        same value may be updated in the same wave. Must be 0 or more.
      '';
    };

    dependencies = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      example = lib.literalExpression ''[ "db1" ]'';
      description = ''
        Hostnames of hosts this one needs. The controller updates them first and
        never takes this host down while one of them is out of service.
      '';
    };

    healthChecks = lib.mkOption {
      type = lib.types.listOf (lib.types.submodule healthCheckModule);
      default = [ ];
      example = lib.literalExpression ''
        [
          { type = "http"; url = "http://localhost:80/health"; }
          { type = "tcp"; port = 5432; }
          { type = "command"; command = "systemctl is-active postgresql"; }
        ]
      '';
      description = ''
        Checks that must pass before the controller puts the host back into
        service. When Consul runs on the host they are registered with the local
        agent, and the controller waits for all of the node's Consul checks.
      '';
    };

    orchestration = {
      deployStrategy = lib.mkOption {
        type = lib.types.enum [
          "rolling"
          "blue-green"
          "recreate"
        ];
        default = "rolling";
        description = "How the host is updated relative to its peers.";
      };

      rebootDelay = lib.mkOption {
        type = lib.types.int;
        default = 600;
        example = 0;
        description = "Seconds to wait before this host is rebooted.";
      };

      criticalityLevel = lib.mkOption {
        type = lib.types.enum [
          "low"
          "medium"
          "high"
          "critical"
        ];
        default = "medium";
        description = "How important the host is; critical hosts are updated alone.";
      };
    };

    services = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = detectedServices;
      defaultText = lib.literalMD "the names of all `services.<name>` whose `enable` option is true";
      example = lib.literalExpression ''[ "nginx" "postgresql" ]'';
      description = ''
        Services reported in the inventory entry. The default reads every
        `services.<name>.enable`; set this explicitly if that evaluation fails
        or lists more than you want to report.
      '';
    };

    nomadAddress = lib.mkOption {
      type = lib.types.str;
      default = "http://127.0.0.1:4646";
      example = "https://127.0.0.1:4646";
      description = "Address of the local Nomad agent's HTTP API, used to publish `lab.boot-id`.";
    };

    consulMaintenance = {
      enable = lib.mkEnableOption ''
        reaching this host's Consul agent from the lab-orchestrator controller,
        for `consulMaintenance: true` in the controller's config. The controller
        puts each host into Consul node maintenance on that host's own agent
        (`PUT /v1/agent/maintenance` only acts on the agent it is sent to), at
        the node's address with the scheme and port of its `consul.address`.
        A Consul agent's HTTP API listens on 127.0.0.1 unless told otherwise,
        so this makes it listen on `httpAddress` too. The controller's Consul
        token then also needs write on this node (`node "<consul node name>"`
        or `node_prefix ""` with policy "write": Consul checks node write on the
        agent's node name, not agent write); see
        jobs/lab-orchestrator.consul-policy.hcl. With HTTPS, the agent's
        certificate must name the node's address. The controller's pre-flight
        asks every planned host's agent before it changes anything
      '';

      httpAddress = lib.mkOption {
        type = lib.types.str;
        default = "127.0.0.1 {{ GetPrivateIP }}";
        example = "127.0.0.1 10.0.0.12";
        description = ''
          Consul's `addresses.http`: space-separated addresses, or a
          go-sockaddr template, for the agent's HTTP API. It must include the
          address Nomad reports for this node (the one the controller calls),
          and keep 127.0.0.1 for local tools. Restrict who may reach the port
          with the firewall and Consul ACLs: the API is now on the network.
        '';
      };
    };

    nomadTokenFile = lib.mkOption {
      type = lib.types.nullOr lib.types.path;
      default = null;
      example = "/run/secrets/nomad-boot-id-token";
      description = ''
        File holding a Nomad ACL token with `node:write`, needed to publish
        `lab.boot-id` when ACLs are enabled. Read at runtime through a systemd
        credential; give a path outside the Nix store (a string, not a Nix path
        literal, or the file would be copied into the world-readable store).
      '';
    };
  };

  config = lib.mkIf cfg.enable (
    lib.mkMerge [
      {
        assertions =
          lib.imap1 (
            n: check:
            let
              field = requiredField.${check.type};
            in
            {
              assertion = check.${field} != null;
              message = "lab.machine.healthChecks entry ${toString n} (type ${check.type}) needs ${field}.";
            }
          ) cfg.healthChecks
          ++ [
            {
              assertion = cfg.rebootOrder >= 0;
              message = "lab.machine.rebootOrder must be 0 or more, not ${toString cfg.rebootOrder}.";
            }
            {
              assertion = !(builtins.elem config.networking.hostName cfg.dependencies);
              message = "lab.machine.dependencies: host ${config.networking.hostName} must not depend on itself.";
            }
            {
              assertion = cfg.orchestration.rebootDelay >= 0;
              message = "lab.machine.orchestration.rebootDelay must be 0 or more seconds.";
            }
            {
              assertion =
                cfg.nomadTokenFile == null || !lib.hasPrefix builtins.storeDir (toString cfg.nomadTokenFile);
              message = "lab.machine.nomadTokenFile must not be in the Nix store, where every user can read it.";
            }
            {
              assertion = !cfg.consulMaintenance.enable || config.services.consul.enable;
              message = "lab.machine.consulMaintenance needs services.consul: node maintenance is set on this host's own Consul agent.";
            }
            {
              assertion = config.services.nomad.enable;
              message = "lab.machine needs services.nomad: the controller drains and watches the host as a Nomad node.";
            }
          ];

        environment.etc."lab-machine-metadata.json".text = builtins.toJSON (
          metadata.hostEntry {
            hostName = config.networking.hostName;
            machine = cfg;
            revision = config.system.configurationRevision;
          }
        );

        # Static node meta: the scheduler and the controller see the host's
        # place in the rollout, and which NixOS revision it booted.
        services.nomad.settings.client.meta = {
          "lab.role" = cfg.role;
          "lab.groups" = lib.concatStringsSep "," cfg.groups;
          "lab.reboot-order" = toString cfg.rebootOrder;
          "lab.depends-on" = lib.concatStringsSep "," cfg.dependencies;
          "lab.criticality" = cfg.orchestration.criticalityLevel;
          "lab.reboot-delay" = toString cfg.orchestration.rebootDelay;
          "lab.deploy-strategy" = cfg.orchestration.deployStrategy;
          "lab.health-checks" = builtins.toJSON healthChecks;
          "nixos.revision" = lib.mkIf (
            config.system.configurationRevision != null
          ) config.system.configurationRevision;
        };

        # The controller confirms a real reboot by a changed boot id. Static meta
        # cannot carry it (it is fixed at build time), so it is published as
        # dynamic node meta (Nomad 1.5+, POST /v1/client/metadata, node:write)
        # once the local agent answers. Until then Nomad still reports the
        # previous boot's value, which the controller treats as "not back yet".
        systemd.services.lab-machine-boot-id = {
          description = "Publish this boot's id as Nomad node meta lab.boot-id";
          wantedBy = [ "multi-user.target" ];
          wants = [ "nomad.service" ];
          after = [ "nomad.service" ];
          # Republish whenever the agent restarts.
          partOf = [ "nomad.service" ];
          environment.NOMAD_ADDR = cfg.nomadAddress;
          serviceConfig = {
            Type = "oneshot";
            RemainAfterExit = true;
            ExecStart = lib.getExe publishBootId;
            # The agent's API is not up the moment nomad.service has started.
            Restart = "on-failure";
            RestartSec = "2s";
            RestartSteps = 5;
            RestartMaxDelaySec = "30s";
            LoadCredential = lib.mkIf (
              cfg.nomadTokenFile != null
            ) "nomad-token:${toString cfg.nomadTokenFile}";
            DynamicUser = true;
            NoNewPrivileges = true;
            PrivateTmp = true;
            ProtectHome = true;
            ProtectSystem = "strict";
            ProtectKernelTunables = true;
            RestrictAddressFamilies = [
              "AF_INET"
              "AF_INET6"
              "AF_UNIX"
            ];
          };
        };
      }

      # Consul merges every file in its config dir; a file of its own leaves
      # the host's extraConfig (and any other `addresses`) alone.
      (lib.mkIf (cfg.consulMaintenance.enable && config.services.consul.enable) {
        environment.etc."consul.d/lab-machine-http-address.json".text = builtins.toJSON {
          addresses.http = cfg.consulMaintenance.httpAddress;
        };
      })

      # A file of its own under /etc/consul.d rather than
      # services.consul.extraConfig.checks: extraConfig definitions are merged
      # shallowly, so a host that declares its own `checks` there would silently
      # replace these (or be replaced). Consul appends the `checks` of every
      # config file, and the NixOS consul unit restarts when /etc/consul.d changes.
      (lib.mkIf (config.services.consul.enable && cfg.healthChecks != [ ]) {
        environment.etc."consul.d/lab-machine-checks.json".text = builtins.toJSON (
          {
            checks = consulChecks;
          }
          # Consul refuses script (command) checks unless they are allowed;
          # "local" allows only those from the agent's own config files.
          // lib.optionalAttrs hasCommandCheck { enable_local_script_checks = true; }
        );
      })
    ]
  );
}
