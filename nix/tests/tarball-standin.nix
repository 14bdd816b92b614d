# nix/tarball.nix evaluated without nixpkgs (.ci/nix-check.sh): stand-ins for
# the few nixpkgs functions it calls, enough to check that it evaluates and to
# read the command it puts at the top of the tarball, which
# jobs/lab-orchestrator-exec.nomad must run.
let
  lab-orchestrator = {
    version = "0.1.0";
    outPath = "/nix/store/00000000000000000000000000000000-lab-orchestrator-0.1.0";
    meta = {
      license = "mit";
      platforms = [ "x86_64-linux" ];
    };
  };
  tarball = import ../tarball.nix {
    lib.getExe = pkg: "${pkg.outPath}/bin/lab-orchestrator";
    runCommand = name: attrs: script: attrs // { inherit name script; };
    closureInfo = { rootPaths }: "/nix/store/00000000000000000000000000000000-closure-info";
    gnutar = "gnutar";
    gzip = "gzip";
    inherit lab-orchestrator;
  };
in
assert builtins.match ".*tar.gz" tarball.name != null;
tarball.passthru.command
