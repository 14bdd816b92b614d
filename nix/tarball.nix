# The controller's whole closure (wrapper, jar, JRE, and everything they
# reference) as one .tar.gz, for Nomad's exec driver
# (jobs/lab-orchestrator-exec.nomad): unpacked at the root of the task's
# chroot, its nix/store/... becomes /nix/store/..., and bin/lab-orchestrator
# starts the controller. The client needs no Nix and no Java.
#
# Shaped for go-getter, which Nomad unpacks artifacts with (decompress_tar.go
# untar): it restores neither symlinks nor hard links (either comes out as an
# empty file) nor more than the permission bits, so every link is replaced by
# what it points to (--dereference, --hard-dereference), as
# datakurre/nomad-with-nix does; a dangling symlink has nothing to copy and is
# left out.
# Reproducible: sorted names, fixed times and owners, gzip without a name or
# time stamp; `sha256sum result` gives the jobspec's artifact checksum.
{
  lib,
  runCommand,
  closureInfo,
  gnutar,
  gzip,
  lab-orchestrator,
}:

let
  closure = closureInfo { rootPaths = [ lab-orchestrator ]; };
in
runCommand "lab-orchestrator-${lab-orchestrator.version}.tar.gz"
  {
    nativeBuildInputs = [
      gnutar
      gzip
    ];
    passthru = {
      inherit closure;
      # Where the jobspec's `command` finds the controller once unpacked.
      command = "/bin/lab-orchestrator";
    };
    meta = {
      description = "lab-orchestrator's closure, JRE included, for Nomad's exec driver";
      inherit (lab-orchestrator.meta) license platforms;
    };
  }
  ''
    mkdir -p top/bin
    ln -s ${lib.getExe lab-orchestrator} top/bin/lab-orchestrator

    # Store paths without their leading slash: members are nix/store/..., so
    # they unpack under the artifact's destination.
    sed 's|^/||' ${closure}/store-paths > store-paths
    while read -r path; do
      find -L "/$path" -type l
    done < store-paths | sed 's|^/||' > dangling

    tar --create --file=closure.tar \
      --format=gnu --sort=name --mtime=@1 \
      --owner=0 --group=0 --numeric-owner \
      --dereference --hard-dereference \
      --exclude-from=dangling \
      -C top bin \
      -C / --files-from=store-paths

    gzip -9 --no-name < closure.tar > $out
  ''
