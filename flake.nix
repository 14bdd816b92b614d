{
  description = "lab-orchestrator: rolling NixOS updates for Nomad + Consul fleets";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";

  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;

      forAllSystems = lib.genAttrs [
        "x86_64-linux"
        "aarch64-linux"
      ];

      # Nomad and Consul are under the BSL, unfree in nixpkgs: allow just those
      # two, for the dev shell and the VM test.
      pkgsFor =
        system:
        import nixpkgs {
          inherit system;
          overlays = [ self.overlays.default ];
          config.allowUnfreePredicate =
            pkg:
            builtins.elem (lib.getName pkg) [
              "nomad"
              "consul"
            ];
        };
    in
    {
      overlays.default = final: _prev: {
        lab-orchestrator = final.callPackage ./nix/package.nix { };
        lab-orchestrator-tarball = final.callPackage ./nix/tarball.nix { };
      };

      packages = forAllSystems (
        system:
        let
          pkgs = pkgsFor system;
        in
        {
          inherit (pkgs) lab-orchestrator;
          default = pkgs.lab-orchestrator;
          # The closure as a .tar.gz for jobs/lab-orchestrator-exec.nomad.
          tarball = pkgs.lab-orchestrator-tarball;
        }
      );

      apps = forAllSystems (system: {
        default = {
          type = "app";
          program = lib.getExe self.packages.${system}.lab-orchestrator;
          meta.description = "Run the lab-orchestrator controller";
        };
      });

      nixosModules = {
        lab-machine = ./nix/modules/lab-machine.nix;
        default = self.nixosModules.lab-machine;
      };

      devShells = forAllSystems (
        system:
        let
          pkgs = pkgsFor system;
        in
        {
          default = pkgs.mkShell {
            packages = [
              pkgs.jdk17
              (pkgs.maven.override { jdk_headless = pkgs.jdk17; })
              pkgs.nomad
              pkgs.consul
              pkgs.nixfmt-rfc-style
              pkgs.nil
              pkgs.shellcheck
            ];
          };
        }
      );

      checks = forAllSystems (
        system:
        let
          pkgs = pkgsFor system;
        in
        {
          package = self.packages.${system}.lab-orchestrator;
          rollout = import ./nix/tests/rollout.nix {
            inherit pkgs;
            labMachineModule = self.nixosModules.lab-machine;
            labOrchestrator = self.packages.${system}.lab-orchestrator;
          };
        }
      );

      # labInventory :: nixosConfigurations -> [ host entry ]
      # The controller's inventory, from a fleet flake:
      #   outputs = { self, nixpkgs, lab-orchestrator, ... }: {
      #     nixosConfigurations = { ... };  # each imports lab-orchestrator.nixosModules.default
      #     labInventory = lab-orchestrator.lib.labInventory self.nixosConfigurations;
      #   };
      #   nix eval --json .#labInventory > inventory.json
      lib.labInventory = import ./nix/lib/inventory.nix;

      # This repository declares no hosts of its own, so this is [] here; it
      # exists so that `nix eval --json .#labInventory` works the same way in
      # the tool's flake and in a fleet flake that defines the output as above.
      labInventory = self.lib.labInventory (self.nixosConfigurations or { });
    };
}
